"""Data-cleaning filters (FILTERS registry): keep or drop a video from its masks.

A filter is a callable ``filter(masks, info) -> bool`` (True keeps the video), where
``masks`` is the (T, H, W) uint8 mask of the video (ground truth or pseudo-labels, chosen by
the dataset's ``mask_source``) and ``info`` the video's data info. Add your own with
``@FILTERS.register_module()`` in a plugin package.
"""
from typing import Optional, Tuple

import numpy as np

from futureseg.registry import FILTERS
from futureseg.structures import present_classes


@FILTERS.register_module()
class NoNewObjects:
    """Keeps videos where no object appears after the input frames: the classes of frames
    ``num_input_frames+1 ..`` are a subset of those of frames ``1 .. num_input_frames``
    (the winners' data cleaning, stage 5).

    Args:
        num_input_frames (int): Frames given as input (1 .. num_input_frames). Default: 11.
        min_pixels (int): A class counts as present in a frame from this many pixels on
            (pseudo-labels have speckles). Default: 1.
    """

    def __init__(self, num_input_frames: int = 11, min_pixels: int = 1):
        self.num_input_frames = num_input_frames
        self.min_pixels = min_pixels

    def __call__(self, masks: np.ndarray, info: Optional[dict] = None) -> bool:
        seen = present_classes(masks[:self.num_input_frames], self.min_pixels)
        later = present_classes(masks[self.num_input_frames:], self.min_pixels)
        return not (later - seen)


@FILTERS.register_module()
class MinObjects:
    """Keeps videos with at least ``min_objects`` distinct objects in the chosen frames.

    Args:
        min_objects (int): Distinct object classes needed. Default: 1.
        frames (tuple[int, int | None]): ``(start, stop)`` frame-index bounds (a slice;
            ``(0, None)`` = all frames). Default: (0, None).
    """

    def __init__(self, min_objects: int = 1, frames: Tuple[int, Optional[int]] = (0, None)):
        self.min_objects = min_objects
        self.frames = slice(*frames)

    def __call__(self, masks: np.ndarray, info: Optional[dict] = None) -> bool:
        return len(present_classes(masks[self.frames])) >= self.min_objects
