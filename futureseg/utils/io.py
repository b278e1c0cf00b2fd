"""File helpers every layer may use: atomic writes and reading an RGB frame.

Atomic: everything is written to a temporary file beside the target and renamed, so a reader
(or a killed run) never sees a half-written file.
"""
import contextlib
import json
import os
import os.path as osp
from typing import Any, Iterator

import numpy as np


class DataError(ValueError):
    """A data file is missing or malformed; the message names it."""


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = '') -> Iterator[str]:
    """A temporary file name beside ``path``; renamed to ``path`` when the block ends
    without an error, removed when it raises.

    Args:
        path (str): the file to write.
        suffix (str): ending the temporary name needs (e.g. '.npy', which ``np.save``
            appends otherwise). Default ''.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = osp.join(osp.dirname(osp.abspath(path)), f'.{osp.basename(path)}.{os.getpid()}.tmp{suffix}')
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        f.write(text)


def write_json_atomic(path: str, obj: Any, indent: int = 1) -> None:
    """Write ``obj`` as JSON, atomically."""
    write_text_atomic(path, json.dumps(obj, indent=indent))


def write_npy_atomic(path: str, array: np.ndarray) -> None:
    """Save an array as ``.npy``, atomically."""
    with atomic_path(path, '.npy') as tmp:
        np.save(tmp, array)


def read_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB image; DataError naming the file when missing or unreadable."""
    from PIL import Image
    if not osp.isfile(path):
        raise DataError(f'missing frame: {path}')
    try:
        with Image.open(path) as im:
            im.load()
            return np.asarray(im.convert('RGB'))
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f'corrupt or unreadable image {path}: {err}') from err
