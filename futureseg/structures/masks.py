"""Questions about class-id masks that every layer asks."""
from typing import Set, Union

import numpy as np
import torch

from .metainfo import NUM_CLASSES

MaskArray = Union[np.ndarray, torch.Tensor]


def present_classes(masks: MaskArray, min_pixels: int = 1, num_classes: int = NUM_CLASSES) -> Set[int]:
    """Object classes (1 .. num_classes - 1) with at least ``min_pixels`` pixels in any one of
    the masks (background, ignore and out-of-range ids are never counted).

    Args:
        masks (np.ndarray | torch.Tensor): (H, W) or (T, H, W) class ids.
        min_pixels (int): pixels a class needs in one mask to count. Default 1.
        num_classes (int): classes including background. Default 49.
    """
    masks = torch.as_tensor(np.asarray(masks) if isinstance(masks, np.ndarray) else masks)
    flat = masks.reshape(-1, masks.shape[-2] * masks.shape[-1]).long()
    counts = torch.stack([torch.bincount(m[(m >= 0) & (m < num_classes)], minlength=num_classes)
                          for m in flat])
    present = (counts >= min_pixels).any(0)
    present[0] = False
    return set(torch.nonzero(present).flatten().tolist())
