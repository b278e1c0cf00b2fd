"""Prediction files (METRICS registry): the competition submission tensor, per-video JSON
with run-length coded masks (the RLE codec) and PNG masks, written by ``SubmissionWriter``
at the end of a test run; ``prediction_of`` reads which video (and frame) a sample is."""
import os
import os.path as osp
import re
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from futureseg.registry import METRICS
from futureseg.utils.io import atomic_path, write_json_atomic


def save_submission(masks, path):
    """Write the competition submission (a uint8 tensor (N, H, W) in numeric video order)
    through a temporary file and a rename."""
    with atomic_path(path) as tmp:
        torch.save(torch.as_tensor(masks).to(torch.uint8).cpu(), tmp)


def mask_rle(mask):
    """Row-major run-length code of a (H, W) class-id mask: ``[[class, length], ...]``."""
    flat = np.asarray(mask).ravel()
    if not flat.size:
        return []
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    lengths = np.diff(np.r_[starts, flat.size])
    return [[int(flat[s]), int(n)] for s, n in zip(starts, lengths)]


def decode_mask_rle(rle, shape):
    """Inverse of ``mask_rle``: (H, W) uint8 mask."""
    values = np.repeat([v for v, _ in rle], [n for _, n in rle]).astype(np.uint8)
    if values.size != int(np.prod(shape)):
        raise ValueError(f'the run lengths cover {values.size} pixels, shape {tuple(shape)} has '
                         f'{int(np.prod(shape))}')
    return values.reshape(shape)


_FRAME_PATH = re.compile(r'video_(\d+)[/\\]image_(\d+)\.png$')


def prediction_of(sample):
    """(key, mask) of one predicted sample: a future predictor's ``(video_id,)`` and its
    (H, W) mask of the last frame, or a frame segmenter's ``(video_id, frame_index)`` and its
    (H, W) mask of that frame (read from mmseg's ``img_path``)."""
    if 'pred_masks' in sample:
        return (int(sample['video_id']), ), sample['pred_masks'][-1]
    if 'pred_sem_seg' in sample:
        pred = sample['pred_sem_seg']
        pred = pred['data'] if isinstance(pred, dict) else pred.data
        m = _FRAME_PATH.search(str(sample.get('img_path', '')))
        if m is None:
            raise KeyError(f"a segmenter's prediction without a course-layout img_path "
                           f"(video_N/image_k.png): {sample.get('img_path')!r}")
        return (int(m.group(1)), int(m.group(2))), pred[0]
    raise KeyError(f'a sample without pred_masks or pred_sem_seg (keys {sorted(sample)})')


@METRICS.register_module()
class SubmissionWriter(BaseMetric):
    """Writes the predictions of a test run.

    A future predictor's: the predicted class ids of frame 22 per video, in numeric video
    order; a frame segmenter's: the class ids of every frame, in (video, frame) order.

    Args:
        out_file (str, optional): ``.pt`` / ``.pth``: one uint8 tensor, (N, H, W) (the
            competition submission), or (N, T, H, W) for a segmenter; ``.json``: JSON, one
            entry per video (per frame for a segmenter) with its ids, shape, pixels per class
            and the mask run-length coded (``mask_rle``; ``decode_mask_rle`` reads it).
            Written through a temporary file and a rename. Default: None.
        png_dir (str, optional): One PNG mask per video (``video_<N>.png``; a segmenter's
            ``video_<N>_<k>.png``), pixel values = class ids. At least one of ``out_file``
            and ``png_dir`` is needed. Default: None.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'submission'.
            Default: None.
    """
    default_prefix = 'submission'

    def __init__(self, out_file: Optional[str] = None, png_dir: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not out_file and not png_dir:
            raise ValueError('SubmissionWriter needs out_file or png_dir')
        self.out_file, self.png_dir = out_file, png_dir

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            key, mask = prediction_of(s)
            self.results.append((key, mask.to(torch.uint8).cpu()))

    def compute_metrics(self, results: list) -> dict:
        results = sorted(results, key=lambda r: r[0])
        keys = [r[0] for r in results]
        if len(set(keys)) != len(keys):
            raise RuntimeError('duplicate video ids in the predictions (a sampler padded the '
                               'split?)')
        masks = torch.stack([r[1] for r in results])
        logger = MMLogger.get_current_instance()
        if self.out_file and self.out_file.endswith('.json'):
            entries = []
            for key, m in zip(keys, masks.numpy()):
                ids, counts = np.unique(m, return_counts=True)
                entry = dict(video_id=key[0], shape=list(m.shape), rle=mask_rle(m),
                             pixels={str(int(c)): int(n) for c, n in zip(ids, counts)})
                if len(key) > 1:
                    entry['frame_index'] = key[1]
                entries.append(entry)
            write_json_atomic(self.out_file, dict(
                format='futureseg predictions', frame='last' if len(keys[0]) == 1 else 'every',
                rle='row-major [[class id, run length], ...]', predictions=entries), indent=None)
            logger.info(f'predictions of {len(keys)} masks as JSON -> {self.out_file}')
        elif self.out_file:
            if len(keys[0]) > 1:  # a segmenter: (N, T, H, W), videos in order, frames in order
                videos = sorted({k[0] for k in keys})
                masks = masks.reshape(len(videos), -1, *masks.shape[1:])
            save_submission(masks, self.out_file)
            logger.info(f'submission: {tuple(masks.shape)} {masks.dtype} for videos '
                        f'{keys[0][0]}..{keys[-1][0]} -> {self.out_file}')
        if self.png_dir:
            from PIL import Image
            os.makedirs(self.png_dir, exist_ok=True)
            for key, m in results:
                name = '_'.join(str(k) for k in key)
                Image.fromarray(m.numpy()).save(osp.join(self.png_dir, f'video_{name}.png'))
        return dict(videos=len({k[0] for k in keys}))
