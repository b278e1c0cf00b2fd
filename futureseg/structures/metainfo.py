"""Class ids, names, attributes and palette of the course data set.

Class id = 1 + (shape * 2 + material) * 8 + color (= 1 + shape * 16 + material * 8 + color);
0 is background; 255 is ignore. No two objects in a video share all three attributes, so a class
id names one object. ``attribute_indices`` / ``object_class_id`` are the one place that layout is
written; everything else (attribute heads, motion groups, dynamics features) calls them.
"""
SHAPES = ('cube', 'sphere', 'cylinder')
MATERIALS = ('metal', 'rubber')
COLORS = ('gray', 'red', 'blue', 'green', 'brown', 'cyan', 'purple', 'yellow')
# CLEVR's colours (RGB, 0-255), in COLORS order.
COLOR_RGB = {
    'gray': (87, 87, 87),
    'red': (173, 35, 35),
    'blue': (42, 75, 215),
    'green': (29, 105, 20),
    'brown': (129, 74, 25),
    'cyan': (41, 208, 208),
    'purple': (129, 38, 192),
    'yellow': (255, 238, 51),
}
NUM_SHAPES, NUM_MATERIALS, NUM_COLORS = len(SHAPES), len(MATERIALS), len(COLORS)
NUM_CLASSES = 1 + NUM_SHAPES * NUM_MATERIALS * NUM_COLORS  # 49
BACKGROUND = 0
IGNORE_INDEX = 255
#: The (shape, material) pairs: their friction differs, so motion models keep one value each.
GROUP_NAMES = tuple(f'{s} {m}' for s in SHAPES for m in MATERIALS)
NUM_GROUPS = len(GROUP_NAMES)


def attribute_indices(cid):
    """(shape, material, colour) indices of object class ids (>= 1): ints, or integer tensors /
    arrays element-wise (the arithmetic is the same)."""
    k = cid - 1
    return k // (NUM_MATERIALS * NUM_COLORS), k // NUM_COLORS % NUM_MATERIALS, k % NUM_COLORS


def object_class_id(shape, material, color):
    """Class id of (shape, material, colour) indices: ints or integer tensors element-wise."""
    return 1 + (shape * NUM_MATERIALS + material) * NUM_COLORS + color


def class_group(cid):
    """(shape, material) group of object class ids (index into ``GROUP_NAMES``)."""
    shape, material, _ = attribute_indices(cid)
    return shape * NUM_MATERIALS + material


def class_id(shape: str, material: str, color: str) -> int:
    """Course class id of an object, e.g. ``class_id('sphere', 'rubber', 'red') == 26``."""
    try:
        return object_class_id(SHAPES.index(shape), MATERIALS.index(material), COLORS.index(color))
    except ValueError as err:
        raise ValueError(f'unknown object attribute in ({shape!r}, {material!r}, {color!r}); '
                         f'shapes {SHAPES}, materials {MATERIALS}, colors {COLORS}') from err


def attributes(cid: int) -> tuple:
    """(shape, material, color) of a class id in 1..48."""
    if not 1 <= cid < NUM_CLASSES:
        raise ValueError(f'class id {cid} is not an object class (1..{NUM_CLASSES - 1})')
    shape, material, color = attribute_indices(cid)
    return SHAPES[shape], MATERIALS[material], COLORS[color]


CLASS_NAMES = ('background', ) + tuple(
    ' '.join(attributes(c)[::-1]) for c in range(1, NUM_CLASSES))  # e.g. 'red rubber sphere'
PALETTE = ((0, 0, 0), ) + tuple(COLOR_RGB[attributes(c)[2]] if attributes(c)[1] == 'rubber' else
                                tuple(min(255, v + 50) for v in COLOR_RGB[attributes(c)[2]])
                                for c in range(1, NUM_CLASSES))
METAINFO = dict(classes=CLASS_NAMES, palette=[list(p) for p in PALETTE])
