"""What every layer may use: the video data sample and its keys, class metadata, palette and
mask questions. Imports nothing of futureseg above it."""
from .masks import present_classes
from .objects import object_centroids, occupancy_scores, paint_objects, pixel_grid
from .metainfo import (BACKGROUND, CLASS_NAMES, COLOR_RGB, COLORS, GROUP_NAMES, IGNORE_INDEX,
                       MATERIALS, METAINFO, NUM_CLASSES, NUM_COLORS, NUM_GROUPS, NUM_MATERIALS,
                       NUM_SHAPES, PALETTE, SHAPES, attribute_indices, attributes, class_group,
                       class_id, object_class_id)
from .palette import colorize, overlay, save_mask_png
from .video_data_sample import (FRAME_KEYS, MASK_KEYS, READABLE_FIELDS, SAMPLE_FIELDS,
                                VideoDataSample)

__all__ = ['BACKGROUND', 'CLASS_NAMES', 'COLOR_RGB', 'COLORS', 'GROUP_NAMES', 'IGNORE_INDEX',
           'MATERIALS', 'METAINFO', 'NUM_CLASSES', 'NUM_COLORS', 'NUM_GROUPS', 'NUM_MATERIALS',
           'NUM_SHAPES', 'PALETTE', 'SHAPES', 'attribute_indices', 'attributes', 'class_group',
           'class_id', 'object_class_id',
           'present_classes', 'colorize', 'overlay', 'save_mask_png', 'FRAME_KEYS', 'MASK_KEYS',
           'READABLE_FIELDS', 'SAMPLE_FIELDS',
           'VideoDataSample', 'object_centroids', 'occupancy_scores', 'paint_objects', 'pixel_grid']
