"""A memory-mappable cache of a split's decoded frames and masks.

Decoding 22 PNGs per sample is the loader's bottleneck at course scale. ``build_frame_cache``
packs a split into ``ROOT/.futureseg_cache/<split>/{frames,masks}.npy`` (uint8, memory-mapped
when read) plus ``meta.json``; the datasets use it when present and fresh, PNGs otherwise.

The cache records a fingerprint of the source listing (file names, sizes, modification
times). When the split changes, the fingerprint no longer matches and the cache is refused
as stale. Arrays are written under temporary names and renamed, ``meta.json`` last, so an
interrupted build never leaves a cache that looks complete.
"""
import hashlib
import json
import os
import os.path as osp

import numpy as np

from futureseg.utils.io import write_json_atomic
from .layout import DataError, list_videos, load_frame, load_mask

CACHE_DIRNAME = '.futureseg_cache'


def cache_dir_for(split_dir):
    root, split = osp.split(osp.normpath(split_dir))
    return osp.join(root, CACHE_DIRNAME, split)


def source_fingerprint(videos):
    """sha256 over every file of every video: name, size, mtime."""
    h = hashlib.sha256()
    for vid, path in videos:
        h.update(f'{vid}\0'.encode())
        with os.scandir(path) as it:
            for entry in sorted(it, key=lambda e: e.name):
                st = entry.stat()
                h.update(f'{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\0'.encode())
    return h.hexdigest()


class FrameCache:
    """Read side of the cache: ``frames[i]`` (T, H, W, 3) and ``masks[i]`` (T, H, W) of the
    i-th video of ``video_ids``."""

    def __init__(self, cache_dir):
        with open(osp.join(cache_dir, 'meta.json')) as f:
            self.meta = json.load(f)
        self.cache_dir = cache_dir
        self.video_ids = list(self.meta['video_ids'])
        self.index = {vid: i for i, vid in enumerate(self.video_ids)}
        self._frames = self._masks = None  # opened lazily: memmaps must not cross fork()

    @property
    def frames(self):
        if self._frames is None:
            self._frames = np.load(osp.join(self.cache_dir, 'frames.npy'), mmap_mode='r')
        return self._frames

    @property
    def masks(self):
        if self._masks is None:
            path = osp.join(self.cache_dir, 'masks.npy')
            if not osp.isfile(path):
                raise DataError(f'the frame cache {self.cache_dir} holds no masks')
            self._masks = np.load(path, mmap_mode='r')
        return self._masks

    @property
    def has_masks(self):
        return bool(self.meta.get('has_masks'))

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_frames'] = state['_masks'] = None
        return state

    @classmethod
    def open_if_fresh(cls, split_dir, videos, logger=None):
        """The split's cache if it exists and matches ``videos`` on disk, else None."""
        cache_dir = cache_dir_for(split_dir)
        if not osp.isfile(osp.join(cache_dir, 'meta.json')):
            return None
        cache = cls(cache_dir)
        if cache.meta.get('fingerprint') != source_fingerprint(videos):
            if logger is not None:
                logger.warning(f'frame cache {cache_dir} is stale (the split changed since it '
                               'was built): reading PNGs; rebuild it with tools/build_frame_cache.py')
            return None
        return cache


def build_frame_cache(split_dir, num_frames=None, progress=True):
    """Pack a split into the cache. Returns the cache folder."""
    videos = list_videos(split_dir)
    first = videos[0][1]
    if num_frames is None:
        num_frames = len([n for n in os.listdir(first) if n.startswith('image_') and n.endswith('.png')])
    h, w, _ = load_frame(osp.join(first, 'image_0.png')).shape
    has_masks = all(osp.isfile(osp.join(p, 'mask.npy')) for _, p in videos)
    out = cache_dir_for(split_dir)
    os.makedirs(out, exist_ok=True)
    meta_path = osp.join(out, 'meta.json')
    if osp.exists(meta_path):
        os.remove(meta_path)  # the old cache stops counting as complete right away
    fingerprint = source_fingerprint(videos)
    tmp_frames = osp.join(out, '.frames.tmp.npy')
    frames = np.lib.format.open_memmap(tmp_frames, mode='w+', dtype=np.uint8,
                                       shape=(len(videos), num_frames, h, w, 3))
    masks = None
    if has_masks:
        tmp_masks = osp.join(out, '.masks.tmp.npy')
        masks = np.lib.format.open_memmap(tmp_masks, mode='w+', dtype=np.uint8,
                                          shape=(len(videos), num_frames, h, w))
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(videos))
    for i, (_, path) in enumerate(videos):
        for t in range(num_frames):
            img = load_frame(osp.join(path, f'image_{t}.png'))
            if img.shape != (h, w, 3):
                raise DataError(f'{osp.join(path, f"image_{t}.png")} is {img.shape[1]}x{img.shape[0]}, '
                                f'the split\'s first frame is {w}x{h}')
            frames[i, t] = img
        if masks is not None:
            mask_path = osp.join(path, 'mask.npy')
            mask = load_mask(mask_path, size=(h, w))
            if len(mask) < num_frames:
                raise DataError(f'mask {mask_path} has {len(mask)} frames, the video has '
                                f'{num_frames} (shape {mask.shape}, expected ({num_frames}, {h}, {w}))')
            masks[i] = mask[:num_frames]
        if bar:
            bar.update()
    frames.flush()
    del frames
    os.replace(tmp_frames, osp.join(out, 'frames.npy'))
    if masks is not None:
        masks.flush()
        del masks
        os.replace(tmp_masks, osp.join(out, 'masks.npy'))
    meta = dict(video_ids=[v for v, _ in videos], fingerprint=fingerprint, num_frames=num_frames,
                height=h, width=w, has_masks=has_masks)
    write_json_atomic(meta_path, meta, indent=None)
    return out
