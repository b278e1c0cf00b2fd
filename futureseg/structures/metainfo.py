"""Class ids, names, attributes and palette of the course data set.

Class id = 1 + shape * 16 + material * 8 + color; 0 is background; 255 is ignore.
No two objects in a video share all three attributes, so a class id names one object.
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
NUM_CLASSES = 1 + len(SHAPES) * len(MATERIALS) * len(COLORS)  # 49
BACKGROUND = 0
IGNORE_INDEX = 255


def class_id(shape: str, material: str, color: str) -> int:
    """Course class id of an object, e.g. ``class_id('sphere', 'rubber', 'red') == 26``."""
    try:
        return 1 + SHAPES.index(shape) * 16 + MATERIALS.index(material) * 8 + COLORS.index(color)
    except ValueError as err:
        raise ValueError(f'unknown object attribute in ({shape!r}, {material!r}, {color!r}); '
                         f'shapes {SHAPES}, materials {MATERIALS}, colors {COLORS}') from err


def attributes(cid: int) -> tuple:
    """(shape, material, color) of a class id in 1..48."""
    if not 1 <= cid < NUM_CLASSES:
        raise ValueError(f'class id {cid} is not an object class (1..{NUM_CLASSES - 1})')
    k = cid - 1
    return SHAPES[k // 16], MATERIALS[(k // 8) % 2], COLORS[k % 8]


CLASS_NAMES = ('background', ) + tuple(
    ' '.join(attributes(c)[::-1]) for c in range(1, NUM_CLASSES))  # e.g. 'red rubber sphere'
PALETTE = ((0, 0, 0), ) + tuple(COLOR_RGB[attributes(c)[2]] if attributes(c)[1] == 'rubber' else
                                tuple(min(255, v + 50) for v in COLOR_RGB[attributes(c)[2]])
                                for c in range(1, NUM_CLASSES))
METAINFO = dict(classes=CLASS_NAMES, palette=[list(p) for p in PALETTE])
