"""New Object Suppression on hand-made masks: every branch of both passes."""
import os

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


# ---------------------------------------------------------------- test-time pipeline
import os.path as osp  # noqa: E402

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from conftest import ROOT, run_tool  # noqa: E402


def _tiny_checkpoint(tmp_path, config='tests/fixtures/simvp_seg_tiny.py'):
    from futureseg.registry import MODELS
    from futureseg.apis import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(ROOT, config)).model)
    model.init_weights()
    path = str(tmp_path / 'simvp_seg_tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), path)
    return model, path


@pytest.mark.slow
def test_submission_for_a_hidden_split(tiny_dataset, tmp_path):
    model, ckpt = _tiny_checkpoint(tmp_path)
    out = str(tmp_path / 'sub' / 'submission.pt')
    run_tool('tools/test.py', 'tests/fixtures/simvp_seg_tiny.py', ckpt, '--work-dir', str(tmp_path / 'w'),
             '--out', out, '--cfg-options', f'test_dataloader.dataset.data_root={tiny_dataset}',
             'test_dataloader.dataset.split=hidden', 'test_dataloader.dataset.mode=inputs_only')
    sub = torch.load(out, weights_only=True)
    assert sub.shape == (2, 64, 96) and sub.dtype == torch.uint8
    # numeric video order: row k is video 6 + k, as the model predicts it directly
    from futureseg.datasets import FutureSegVideoDataset
    from mmengine.dataset import pseudo_collate
    ds = FutureSegVideoDataset(data_root=tiny_dataset, split='hidden', mode='inputs_only', test_mode=True,
                               pipeline=[dict(type='LoadVideo'), dict(type='PackVideoInputs')])
    model.eval()
    with torch.no_grad():
        for k in range(2):
            pred = model.test_step(pseudo_collate([ds[k]]))[0]
            assert pred.video_id == 6 + k
            assert torch.equal(pred.pred_masks[-1].to(torch.uint8), sub[k])
    png_dir = str(tmp_path / 'pngs')
    run_tool('tools/test.py', 'tests/fixtures/simvp_seg_tiny.py', ckpt, '--work-dir', str(tmp_path / 'w'),
             '--out', png_dir, '--cfg-options', f'test_dataloader.dataset.data_root={tiny_dataset}',
             'test_dataloader.dataset.split=hidden', 'test_dataloader.dataset.mode=inputs_only')
    assert sorted(os.listdir(png_dir)) == ['video_6.png', 'video_7.png']


def test_postprocessing_table_has_a_row_per_stage_only():
    """One row per post-processing stage of the prediction (the baselines are models of their
    own, configs/baselines/), each with the seen / new-object IoU where input masks exist."""
    from futureseg.evaluation import PostprocessingTable, confusion_matrix, jaccard_index
    gt = torch.randint(0, 49, (1, 8, 12))
    other = torch.randint(0, 49, (8, 12))
    table = PostprocessingTable()
    table.process({}, [dict(gt_masks=gt, pred_masks=gt, input_masks=gt.repeat(11, 1, 1),
                            context_masks=other[None].repeat(11, 1, 1),
                            pred_stages=dict(raw=other, NewObjectSuppression=gt[-1]))])
    scores = table.compute_metrics(table.results)
    assert {k for k in scores if not k.endswith('_iou')} == {'raw', 'NewObjectSuppression'}
    assert scores['NewObjectSuppression'] == 1.0 and 'raw_seen_iou' in scores
    assert scores['raw'] == pytest.approx(jaccard_index(confusion_matrix(other.numpy(), gt[-1].numpy())))


def _stage_scores(model, cfg, data_root):
    """Jaccard of frame 22 of the raw prediction and of NOS applied here to it (known objects:
    the classes of the true masks of frames 1-11), over the val split, scored without the
    runner, the evaluator or PostprocessingTable."""
    from mmengine.dataset import pseudo_collate
    from futureseg.evaluation import confusion_matrix, jaccard_index
    from futureseg.registry import DATASETS
    from futureseg.structures import present_classes
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.data_root = data_root
    ds = DATASETS.build(ds_cfg)
    post = POSTPROCESSORS.build(cfg.model.postprocessors[0])
    cms = dict(raw=0, NewObjectSuppression=0)
    model.eval()
    with torch.no_grad():
        for k in range(len(ds)):
            item = ds[k]
            gt = item['data_samples'].gt_masks[-1].numpy()
            known = present_classes(item['data_samples'].input_masks)
            raw = model.test_step(pseudo_collate([item]))[0].pred_stages['raw'].numpy()
            cms['raw'] = cms['raw'] + confusion_matrix(raw, gt)
            suppressed = post(raw.astype(np.uint8), known)
            cms['NewObjectSuppression'] = cms['NewObjectSuppression'] + confusion_matrix(
                suppressed, gt)
    return {k: jaccard_index(cm) for k, cm in cms.items()}


@pytest.mark.slow
def test_test_tool_scores_each_post_processing_stage(tiny_dataset, tmp_path):
    """tools/test.py's stage table holds the Jaccard of each stage as computed here, the last
    stage is the split's score, and the known objects' source moves NOS, not the network."""
    import json
    config = 'tests/fixtures/simvp_seg_tiny_nos.py'
    model, ckpt = _tiny_checkpoint(tmp_path, config)
    metrics_out = tmp_path / 'true_known.json'
    out = run_tool('tools/test.py', config, ckpt, '--work-dir', str(tmp_path / 'w'),
                   '--metrics-out', str(metrics_out),
                   '--cfg-options', f'test_dataloader.dataset.data_root={tiny_dataset}')
    scores = json.loads(metrics_out.read_text())
    expected = _stage_scores(model, Config.fromfile(osp.join(ROOT, config)), tiny_dataset)
    for stage, value in expected.items():
        assert scores[f'stages/{stage}'] == pytest.approx(value, abs=1e-6), stage
    assert scores['future/jaccard'] == pytest.approx(scores['stages/NewObjectSuppression'],
                                                     abs=1e-6)
    assert 'copy_frame11' not in out.stdout  # the baselines are rows of their own models
    # known objects from a frame segmenter's masks of frames 1-11, precomputed as at test time
    # (tools/pseudo_label.py), read as context masks: the raw row is the same network's
    from futureseg.apis import init_model, write_pseudo_labels
    seg = init_model(osp.join(ROOT, 'tests', 'fixtures', 'deeplabv3_tiny.py'))
    seg_masks = str(tmp_path / 'seg_masks' / 'val')
    write_pseudo_labels(seg, osp.join(tiny_dataset, 'val'), seg_masks, progress=False)
    context_out = tmp_path / 'context_known.json'
    run_tool('tools/test.py', config, ckpt, '--work-dir', str(tmp_path / 'w'),
             '--metrics-out', str(context_out),
             '--cfg-options', f'test_dataloader.dataset.data_root={tiny_dataset}',
             'model.known_objects.source=context_masks',
             f'test_dataloader.dataset.context_mask_root={seg_masks}',
             'test_dataloader.dataset.pipeline.0.load_context_masks=True')
    context = json.loads(context_out.read_text())
    assert context['stages/raw'] == pytest.approx(scores['stages/raw'], abs=1e-9)
    assert context['future/jaccard'] == pytest.approx(context['stages/NewObjectSuppression'],
                                                      abs=1e-6)


def test_object_vote_gives_each_same_colour_region_its_majority_class():
    m = blank()
    m[5:15, 5:15] = RED_METAL_CUBE            # 100 px ...
    m[5:8, 5:15] = RED_METAL_SPHERE           # ... 30 of them read as a sphere
    m[20:30, 5:15] = BLUE_METAL_CUBE          # another object, touching none
    m[25:30, 15:20] = GREEN_RUBBER_CYLINDER   # touches the blue one: other colour, own region
    m[0, 0] = 255                             # ignore stays
    post = POSTPROCESSORS.build(dict(type='ObjectVote'))
    out = post(m, None)
    assert (out[5:15, 5:15] == RED_METAL_CUBE).all()
    assert (out[20:30, 5:15] == BLUE_METAL_CUBE).all()
    assert (out[25:30, 15:20] == GREEN_RUBBER_CYLINDER).all()
    assert out[0, 0] == 255 and (out[m == 0] == 0).all() and out.dtype == m.dtype
    assert (m[5:8, 5:15] == RED_METAL_SPHERE).all()  # the input is not changed
    # two red objects apart are voted separately
    m2 = blank()
    m2[0:5, 0:5], m2[30:35, 30:35] = RED_METAL_CUBE, RED_METAL_SPHERE
    assert np.array_equal(post(m2, None), m2)
    # a split below min_share is left alone
    strict = POSTPROCESSORS.build(dict(type='ObjectVote', min_share=0.8))
    assert np.array_equal(strict(m, None)[5:8, 5:15], m[5:8, 5:15])
    with pytest.raises(ValueError, match='min_share'):
        POSTPROCESSORS.build(dict(type='ObjectVote', min_share=2))


def test_fill_holes_closes_rings_and_leaves_open_shapes():
    from futureseg.postprocessing import FillHoles
    m = blank()
    m[5:15, 5:15] = RED_METAL_CUBE
    m[8:12, 8:12] = 0                          # a ring: 16 background pixels inside
    m[20:30, 20:30] = BLUE_METAL_CUBE
    m[20:25, 24:26] = 0                        # a notch open to the outside: not a hole
    m[30:35, 40:50] = GREEN_RUBBER_CYLINDER
    m[32, 44] = RED_METAL_CUBE                 # another class inside: not background, kept
    out = POSTPROCESSORS.build(dict(type='FillHoles'))(m, None)
    assert (out[5:15, 5:15] == RED_METAL_CUBE).all()
    assert (out[20:25, 24:26] == 0).all() and out[32, 44] == RED_METAL_CUBE
    assert (m[8:12, 8:12] == 0).all()          # the input is not changed
    small = FillHoles(max_area=10)(m, None)    # the 16-pixel hole is too big for it
    assert (small[8:12, 8:12] == 0).all()


def test_known_objects_never_load_a_second_model():
    """The segmenter source is gone: known objects come from precomputed context masks."""
    from futureseg.apis import register_all_modules
    from futureseg.registry import MODELS
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, 'tests', 'fixtures', 'simvp_seg_tiny_nos.py')).model
    cfg.known_objects = dict(source='segmenter', config='x.py', checkpoint='x.pth')
    with pytest.raises(ValueError, match="source='context_masks'"):
        MODELS.build(cfg)
