"""New Object Suppression on hand-made masks: every branch of both passes."""
import numpy as np
import pytest

from futureseg.datasets.metainfo import class_id
from futureseg.postprocessing import NewObjectSuppression, attribute_distance
from futureseg.registry import POSTPROCESSORS

RED_METAL_CUBE = class_id('cube', 'metal', 'red')
RED_RUBBER_CUBE = class_id('cube', 'rubber', 'red')
RED_METAL_SPHERE = class_id('sphere', 'metal', 'red')
BLUE_METAL_CUBE = class_id('cube', 'metal', 'blue')
GREEN_RUBBER_CYLINDER = class_id('cylinder', 'rubber', 'green')


def nos(**kw):
    kw.setdefault('reference_size', (40, 60))  # threshold 100 px on these 40 x 60 masks
    return NewObjectSuppression(**kw)


def blank():
    return np.zeros((40, 60), np.uint8)


def test_attribute_penalties():
    assert attribute_distance(RED_METAL_CUBE, RED_RUBBER_CUBE) == 1
    assert attribute_distance(RED_METAL_CUBE, RED_METAL_SPHERE) == 2
    assert attribute_distance(RED_METAL_CUBE, BLUE_METAL_CUBE) == 4
    assert attribute_distance(RED_METAL_CUBE, GREEN_RUBBER_CYLINDER) == 7


def test_small_unknown_touching_a_known_object_joins_it():
    m = blank()
    m[5:20, 5:20] = RED_METAL_CUBE          # known, 225 px
    m[5:10, 20:25] = BLUE_METAL_CUBE        # unknown, 25 px, touching it
    out = nos()(m, known={RED_METAL_CUBE})
    assert (out[5:10, 20:25] == RED_METAL_CUBE).all() and (out[5:20, 5:20] == RED_METAL_CUBE).all()


def test_small_unknown_alone_becomes_background():
    m = blank()
    m[5:20, 5:20] = RED_METAL_CUBE
    m[30:35, 40:45] = BLUE_METAL_CUBE       # unknown, 25 px, isolated
    out = nos()(m, known={RED_METAL_CUBE})
    assert (out[30:35, 40:45] == 0).all()


def test_large_unknown_alone_takes_the_closest_known_class():
    m = blank()
    m[0:12, 0:12] = RED_RUBBER_CUBE         # known, 144 px
    m[0:12, 40:52] = GREEN_RUBBER_CYLINDER  # known
    m[25:37, 20:32] = RED_METAL_SPHERE      # unknown, 144 px, isolated
    out = nos()(m, known={RED_RUBBER_CUBE, GREEN_RUBBER_CYLINDER})
    # red rubber cube: shape 2 + material 1 = 3; green rubber cylinder: 4 + 2 + 1 = 7
    assert (out[25:37, 20:32] == RED_RUBBER_CUBE).all()


def test_large_unknown_touching_a_known_object_takes_its_class():
    m = blank()
    m[0:12, 0:12] = RED_RUBBER_CUBE
    m[12:24, 0:12] = GREEN_RUBBER_CYLINDER  # unknown, large, touching the cube
    out = nos()(m, known={RED_RUBBER_CUBE, BLUE_METAL_CUBE})
    assert (out[12:24, 0:12] == RED_RUBBER_CUBE).all()


def test_tiny_known_region_becomes_background():
    m = blank()
    m[0:12, 0:12] = RED_RUBBER_CUBE         # known, large: kept
    m[30:35, 50:55] = BLUE_METAL_CUBE       # known, 25 px: dropped in pass 2
    out = nos()(m, known={RED_RUBBER_CUBE, BLUE_METAL_CUBE})
    assert (out[30:35, 50:55] == 0).all() and (out[0:12, 0:12] == RED_RUBBER_CUBE).all()
    assert (nos(suppress_small_known=False)(m, known={RED_RUBBER_CUBE, BLUE_METAL_CUBE})[30:35, 50:55]
            == BLUE_METAL_CUBE).all()


def test_class_regions_vs_connected_components():
    m = blank()
    m[0:8, 0:8] = BLUE_METAL_CUBE           # known, two pieces of 64 px: 128 px as a class
    m[30:38, 50:58] = BLUE_METAL_CUBE
    out_class = nos()(m, known={BLUE_METAL_CUBE})
    out_comp = nos(region='component')(m, known={BLUE_METAL_CUBE})
    assert (out_class == m).all(), 'as one class region it is large enough'
    assert (out_comp == 0).all(), 'as components each piece is small'


def test_threshold_scales_with_resolution_and_config_build():
    post = POSTPROCESSORS.build(dict(type='NewObjectSuppression', area_threshold=100))
    assert post.threshold_for((160, 240)) == 100 and post.threshold_for((80, 120)) == 25
    with pytest.raises(ValueError, match='region'):
        NewObjectSuppression(region='blob')


def test_no_known_objects_leaves_large_unknowns():
    m = blank()
    m[0:12, 0:12] = RED_RUBBER_CUBE
    m[30:33, 30:33] = BLUE_METAL_CUBE
    out = nos()(m, known=set())
    assert (out[0:12, 0:12] == RED_RUBBER_CUBE).all() and (out[30:33, 30:33] == 0).all()
