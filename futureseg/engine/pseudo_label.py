"""Pseudo-labels: a trained frame segmenter labels every frame of unlabelled videos.

Output: ``OUT/video_N/mask.npy`` ((T, H, W) uint8, the course mask format) plus
``OUT/pseudo_labels.json`` recording the segmenter's weights hash. Each video is written to a
temporary file and renamed, so a killed run leaves no half file; a rerun skips finished
videos, and refuses to mix in labels from other weights (stale labels) unless told to
start over.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.logging import MMLogger

from futureseg.datasets.layout import list_videos, load_frame
from futureseg.models.segment import segment_frames
from futureseg.utils.io import write_json_atomic, write_npy_atomic

META_FILE = 'pseudo_labels.json'


class StalePseudoLabelsError(RuntimeError):
    """The pseudo-label folder was written by a segmenter with other weights."""


def weights_sha256(model):
    """Hash of a model's weights (same for the in-training model and its checkpoint)."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def write_pseudo_labels(model: torch.nn.Module, split_dir: str, out_dir: str, batch_size: int = 22,
                        overwrite: bool = False, progress: bool = True,
                        limit: Optional[int] = None) -> tuple:
    """Label every video of ``split_dir`` into ``out_dir``; with several processes, each
    labels its share.

    Args:
        model (nn.Module): the frame segmenter (a wrapped DDP model is unwrapped).
        split_dir (str): a split folder of the course layout.
        out_dir (str): where ``video_N/mask.npy`` go.
        batch_size (int): frames per forward pass. Default 22.
        overwrite (bool): replace labels written by other weights. Default False.
        progress (bool): show a progress bar. Default True.
        limit (int, optional): label only the first ``limit`` videos (by number), e.g. the
            share of a growing split a data-scaling row trains on. Default None (all).

    Returns:
        tuple: (written, skipped) video counts.
    """
    logger = MMLogger.get_current_instance()
    model = getattr(model, 'module', model)
    digest = weights_sha256(model)
    rank, world = get_dist_info()
    meta_path = osp.join(out_dir, META_FILE)
    if osp.isfile(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get('weights_sha256') != digest:
            if not overwrite:
                raise StalePseudoLabelsError(
                    f'{out_dir} holds pseudo-labels from other segmenter weights '
                    f'({meta.get("weights_sha256", "?")[:12]} vs {digest[:12]}, written from '
                    f'{meta.get("checkpoint")}); delete it or pass overwrite')
            if rank == 0:
                shutil.rmtree(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    if rank == 0 and not osp.isfile(meta_path):
        write_json_atomic(meta_path, dict(weights_sha256=digest, split_dir=osp.abspath(split_dir)))
    videos = list_videos(split_dir)[:limit]
    videos = [v for k, v in enumerate(videos) if k % world == rank]
    todo = [(vid, path) for vid, path in videos
            if not osp.isfile(osp.join(out_dir, f'video_{vid}', 'mask.npy'))]
    bar = None
    if progress and todo:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(todo))
    for vid, path in todo:
        n = len([x for x in os.listdir(path) if x.startswith('image_') and x.endswith('.png')])
        frames = np.stack([load_frame(osp.join(path, f'image_{k}.png')) for k in range(n)])
        masks = segment_frames(model, frames, batch_size)
        write_npy_atomic(osp.join(out_dir, f'video_{vid}', 'mask.npy'), masks)
        if bar:
            bar.update()
    if bar:
        print()
    logger.info(f'pseudo-labels: wrote {len(todo)}, kept {len(videos) - len(todo)} finished, in {out_dir}')
    return len(todo), len(videos) - len(todo)
