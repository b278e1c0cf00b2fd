"""What every layer may use: the class metadata (ids, attributes, names, palette)."""
from .metainfo import (BACKGROUND, CLASS_NAMES, COLOR_RGB, COLORS, IGNORE_INDEX, MATERIALS,
                       METAINFO, NUM_CLASSES, PALETTE, SHAPES, attributes, class_id)

__all__ = ['BACKGROUND', 'CLASS_NAMES', 'COLOR_RGB', 'COLORS', 'IGNORE_INDEX', 'MATERIALS',
           'METAINFO', 'NUM_CLASSES', 'PALETTE', 'SHAPES', 'attributes', 'class_id']
