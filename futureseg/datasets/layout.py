"""Reading the course data layout: video folders in numeric order, frames and masks.

ROOT/<split>/video_<N>/image_<k>.png (240 x 160 RGB) and mask.npy ((22, 160, 240) ints).
Every error names the file and what is wrong with it.
"""
import os
import os.path as osp
import re

import numpy as np
from PIL import Image

from .metainfo import IGNORE_INDEX, NUM_CLASSES

_VIDEO_RE = re.compile(r'^video_(\d+)$')


class DataError(ValueError):
    """A data file is missing or malformed; the message names it."""


def list_videos(split_dir):
    """[(video_id, path)] of a split folder, sorted by the number (not zero-padded)."""
    if not osp.isdir(split_dir):
        raise DataError(f'split folder not found: {split_dir}')
    videos = []
    for name in os.listdir(split_dir):
        m = _VIDEO_RE.match(name)
        if m and osp.isdir(osp.join(split_dir, name)):
            videos.append((int(m.group(1)), osp.join(split_dir, name)))
    if not videos:
        raise DataError(f'no video_<N> folders in {split_dir}')
    return sorted(videos)


def load_frame(path):
    """(H, W, 3) uint8 RGB image."""
    if not osp.isfile(path):
        raise DataError(f'missing frame: {path}')
    try:
        with Image.open(path) as im:
            im.load()
            return np.asarray(im.convert('RGB'))
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f'corrupt or unreadable image {path}: {err}') from err


def sanitize_mask(mask, path, num_frames=None, size=None):
    """Checks a mask array and maps class ids >= 49 (rare in the course data) to ignore (255)."""
    if mask.ndim != 3 or (num_frames is not None and mask.shape[0] != num_frames) or (
            size is not None and tuple(mask.shape[1:]) != tuple(size)):
        want = f'({num_frames}, {size[0]}, {size[1]})' if size and num_frames else '(T, H, W)'
        raise DataError(f'mask {path} has shape {mask.shape}, expected {want}')
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
        raise DataError(f'mask {path} has dtype {mask.dtype}, expected an integer type')
    if mask.size and mask.min() < 0:
        raise DataError(f'mask {path} has negative class ids (min {mask.min()})')
    out = mask.astype(np.uint8) if mask.max(initial=0) <= 255 else np.minimum(mask, 255).astype(np.uint8)
    out[(mask >= NUM_CLASSES)] = IGNORE_INDEX
    return out


def load_mask(path, num_frames=None, size=None):
    """(T, H, W) uint8 mask with out-of-range ids as 255."""
    if not osp.isfile(path):
        raise DataError(f'missing mask: {path}')
    try:
        mask = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f'corrupt or unreadable mask {path}: {err}') from err
    return sanitize_mask(mask, path, num_frames, size)
