"""Reading the course data layout: video folders in numeric order, frames and masks.

ROOT/<split>/video_<N>/image_<k>.png (240 x 160 RGB) and mask.npy ((22, 160, 240) ints).
Every error names the file and what is wrong with it.
"""
import os
import os.path as osp
import re

import numpy as np
from futureseg.utils.io import DataError, read_rgb
from .metainfo import IGNORE_INDEX, NUM_CLASSES

_VIDEO_RE = re.compile(r'^video_(\d+)$')


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


# (H, W, 3) uint8 RGB frame; DataError naming the file when missing or unreadable
load_frame = read_rgb


def mask_shape_problem(shape, path, num_frames=None, size=None):
    """The message when a mask's ``shape`` is not (num_frames, H, W), else None.

    Args:
        shape (tuple): the stored array's shape.
        path (str): its file, named in the message.
        num_frames (int, optional): expected frame count. Default None (any).
        size (tuple, optional): expected (H, W). Default None (any).
    """
    if len(shape) != 3 or (num_frames is not None and shape[0] != num_frames) or (
            size is not None and tuple(shape[1:]) != tuple(size)):
        want = (f'({num_frames if num_frames is not None else "T"}, '
                f'{size[0] if size else "H"}, {size[1] if size else "W"})')
        return f'mask {path} has shape {tuple(shape)}, expected {want}'
    return None


def mask_problems(mask, path, num_frames=None, size=None) -> list:
    """Every problem of a mask array, as ``[(kind, message)]`` (empty when it is usable).

    Kinds: 'mask shape' (not (num_frames, H, W)), 'mask dtype' (not integer), 'mask range'
    (negative ids) and 'ids >= 49' (read as ignore, 255; rare in the course data). The
    loaders raise on the first three (``sanitize_mask``); ``tools/check_dataset.py`` lists
    all four, the last as a note.

    Args:
        mask (np.ndarray): the array as stored.
        path (str): its file, named in the messages.
        num_frames (int, optional): expected frame count. Default None (any).
        size (tuple, optional): expected (H, W). Default None (any).
    """
    problems = []
    shape_problem = mask_shape_problem(mask.shape, path, num_frames, size)
    if shape_problem:
        problems.append(('mask shape', shape_problem))
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
        problems.append(('mask dtype', f'mask {path} has dtype {mask.dtype}, expected an integer type'))
        return problems  # the range checks below need integers
    if mask.size and mask.min() < 0:
        problems.append(('mask range', f'mask {path} has negative class ids (min {mask.min()})'))
    high = int((mask >= NUM_CLASSES).sum()) if mask.size else 0
    if high:
        problems.append(('ids >= 49', f'mask {path} has {high} pixels with class ids >= '
                         f'{NUM_CLASSES} (max {mask.max()}; read as ignore, {IGNORE_INDEX})'))
    return problems


def sanitize_mask(mask, path, num_frames=None, size=None):
    """Checks a mask array and maps class ids >= 49 (rare in the course data) to ignore (255)."""
    for kind, message in mask_problems(mask, path, num_frames, size):
        if kind != 'ids >= 49':
            raise DataError(message)
    out = mask.astype(np.uint8) if mask.max(initial=0) <= 255 else np.minimum(mask, 255).astype(np.uint8)
    out[(mask >= NUM_CLASSES)] = IGNORE_INDEX
    return out


def read_mask_array(path, mmap_mode=None):
    """The array stored in a mask.npy, unchecked; DataError when missing or unreadable.
    ``mmap_mode='r'`` maps it instead of reading it (only the frames used get read)."""
    if not osp.isfile(path):
        raise DataError(f'missing mask: {path}')
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f'corrupt or unreadable mask {path}: {err}') from err


def load_mask(path, num_frames=None, size=None):
    """(T, H, W) uint8 mask with out-of-range ids as 255."""
    return sanitize_mask(read_mask_array(path), path, num_frames, size)
