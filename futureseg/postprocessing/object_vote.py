"""Object vote: every pixel of one object gets the object's majority class.

A class id names one object of a video, so a correct mask never splits an object between
classes; a per-pixel classifier does, mostly on the shape (a cube's flat face reads as a
cylinder's side, a sphere's rim as either). The colour is the attribute it almost never gets
wrong (0.99 of object pixels), so pixels that are 4-connected and share the predicted colour
are taken as one object, and the class most of them voted for is given to all of them.
"""
from typing import Optional, Set

import numpy as np
from scipy import ndimage

from futureseg.structures.metainfo import COLORS, NUM_CLASSES
from futureseg.registry import POSTPROCESSORS
from .base import BasePostProcessor

_FOUR = ndimage.generate_binary_structure(2, 1)


@POSTPROCESSORS.register_module()
class ObjectVote(BasePostProcessor):
    """Majority class per object, an object being a 4-connected region of one predicted colour.

    Background (0) and ignore / out-of-range ids stay as they are, and no pixel becomes
    background: only the shape and material of an object's pixels are unified.

    Args:
        min_share (float): the winning class must hold at least this share of the region's
            pixels, else the region is left alone (0 = always vote). Default: 0.
    """

    def __init__(self, min_share: float = 0.):
        if not 0 <= min_share <= 1:
            raise ValueError(f'min_share must be in [0, 1], got {min_share}')
        self.min_share = min_share

    def process(self, mask: np.ndarray, known: Set[int]) -> np.ndarray:
        """mask (H, W) class ids -> voted mask; ``known`` is not used."""
        ids = mask.astype(np.int64)
        objects = (ids > 0) & (ids < NUM_CLASSES)
        if not objects.any():
            return mask.copy()
        color = np.where(objects, (ids - 1) % len(COLORS), -1)
        labels = np.zeros(mask.shape, np.int64)
        n = 0
        for c in np.unique(color[objects]):
            comp, k = ndimage.label(color == c, structure=_FOUR)
            labels[comp > 0] = comp[comp > 0] + n
            n += k
        # votes[region, class]: pixel counts, one bincount over (region, class) pairs
        votes = np.bincount(labels[objects] * NUM_CLASSES + ids[objects],
                            minlength=(n + 1) * NUM_CLASSES).reshape(n + 1, NUM_CLASSES)
        winner = votes.argmax(1)
        if self.min_share > 0:
            share = votes.max(1) / np.maximum(votes.sum(1), 1)
            keep = share < self.min_share
        else:
            keep = np.zeros(n + 1, bool)
        out = mask.copy()
        vote = objects & ~keep[labels]
        out[vote] = winner[labels[vote]].astype(mask.dtype)
        return out


@POSTPROCESSORS.register_module()
class FillHoles(BasePostProcessor):
    """Background enclosed by one object class becomes that class.

    A predicted mask can ring an object (its class on the outline, background inside) where a
    future predictor is unsure where the object went; a solid object never has a hole, so
    every background region that one class encloses is given to it.

    Args:
        max_area (int | None): fill only holes up to this many pixels (None = any). Default: None.
    """

    def __init__(self, max_area: Optional[int] = None):
        self.max_area = max_area

    def process(self, mask: np.ndarray, known: Set[int]) -> np.ndarray:
        """mask (H, W) class ids -> mask with filled holes; ``known`` is not used."""
        out = mask.copy()
        for c in np.unique(mask):
            if c == 0 or c >= NUM_CLASSES:
                continue
            region = mask == c
            holes = ndimage.binary_fill_holes(region) & ~region & (out == 0)
            if self.max_area is not None and holes.any():
                lab, n = ndimage.label(holes, structure=_FOUR)
                sizes = np.bincount(lab.ravel(), minlength=n + 1)
                holes &= (sizes <= self.max_area)[lab]
            out[holes] = c
        return out
