"""The class metadata, kept importable from here for the datasets and for outside code; it
lives in ``futureseg.structures.metainfo``, below every layer that uses it."""
from futureseg.structures.metainfo import (BACKGROUND, CLASS_NAMES, COLOR_RGB, COLORS,  # noqa: F401
                                           IGNORE_INDEX, MATERIALS, METAINFO, NUM_CLASSES,
                                           PALETTE, SHAPES, attributes, class_id)
