"""Pictures of future segmentation: per video, frames 1 and 11, the true frame 22, the true
mask of frame 22 and the predicted masks (before and after post-processing)."""
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from futureseg.registry import VISUALIZERS
from futureseg.structures.palette import colorize, overlay
from futureseg.utils.io import read_rgb


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _titled(image, title, height=14):
    """The image with a black caption strip above it."""
    strip = np.zeros((height, image.shape[1], 3), np.uint8)
    scale = max(0.3, min(0.45, image.shape[1] / 300))
    cv2.putText(strip, title, (2, height - 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return np.concatenate([strip, image], 0)


def video_panel(frame_1, frame_11, frame_22=None, gt_mask=None, preds: Optional[Dict] = None,
                overlay_on=None) -> np.ndarray:
    """One row of titled tiles (uint8 RGB). ``preds``: dict title -> (H, W) mask; masks are
    drawn in the class palette over ``overlay_on`` (an RGB frame) if given, else on black.
    Without a true frame 22 and mask (inference) their tiles are left out."""
    h, w = _np(frame_1).shape[:2]
    tiles = [_titled(_np(frame_1).astype(np.uint8), 'frame 1'),
             _titled(_np(frame_11).astype(np.uint8), 'frame 11')]
    if frame_22 is not None or gt_mask is not None:
        tiles.append(_titled(_np(frame_22).astype(np.uint8) if frame_22 is not None
                             else np.full((h, w, 3), 64, np.uint8), 'true frame 22'))

    def draw(mask):
        mask = _np(mask)
        return overlay(_np(overlay_on), mask) if overlay_on is not None else colorize(mask)
    if gt_mask is not None:
        tiles.append(_titled(draw(gt_mask), 'true mask 22'))
    for title, mask in (preds or {}).items():
        tiles.append(_titled(draw(mask), title))
    return tile_row(tiles)


def tile_row(tiles: Sequence[np.ndarray], gap: int = 2) -> np.ndarray:
    """Tiles of one height side by side, ``gap`` white pixels apart (uint8 RGB)."""
    sep = np.full((tiles[0].shape[0], gap, 3), 255, np.uint8)
    row = [tiles[0]]
    for t in tiles[1:]:
        row += [sep, t]
    return np.concatenate(row, 1)


_STAGE_TITLES = {'raw': 'predicted 22', 'NewObjectSuppression': 'after NOS'}


@VISUALIZERS.register_module()
class FutureSegVisualizer(Visualizer):
    """MMEngine visualizer for video samples of the future-segmentation task.

    ``add_datasample(name, image, data_sample)`` draws one video's panel: frames 1 and 11
    (``image``: the (11, H, W, 3) or (11, 3, H, W) input frames), the true frame 22 (read
    from ``video_dir`` when it is on disk), the true mask of frame 22 and the predicted masks
    of frame 22 before and after each post-processor (``pred_stages``, else ``pred_masks``).

    Args:
        name (str): The instance name (as MMEngine's Visualizer). Default: 'visualizer'.
        overlay (bool): Masks over the true frame 22 (over frame 11 where there is none, as
            in inference) instead of on black. Default: False.
        **kwargs: As MMEngine's Visualizer (``vis_backends``, ``save_dir``, ...).
    """

    def __init__(self, name: str = 'visualizer', overlay: bool = False, **kwargs):
        super().__init__(name=name, **kwargs)
        self.overlay = overlay

    def panel(self, frames, data_sample) -> np.ndarray:
        """One video's panel (uint8 RGB) from its input frames and sample."""
        frames = _np(frames)
        if frames.shape[-1] != 3:
            frames = frames.transpose(0, 2, 3, 1)
        frames = frames.astype(np.uint8)
        meta = data_sample.metainfo
        frame_22 = None
        path = osp.join(meta.get('video_dir', ''), 'image_21.png')
        if meta.get('video_dir') and osp.isfile(path):
            frame_22 = read_rgb(path)
            if frame_22.shape[:2] != frames.shape[1:3]:
                frame_22 = cv2.resize(frame_22, frames.shape[1:3][::-1], interpolation=cv2.INTER_LINEAR)
        gt = data_sample.gt_masks[-1] if 'gt_masks' in data_sample else None
        preds = {}
        if 'pred_stages' in data_sample:
            for key, mask in data_sample.pred_stages.items():
                preds[_STAGE_TITLES.get(key, key)] = mask
        elif 'pred_masks' in data_sample:
            preds['predicted 22'] = data_sample.pred_masks[-1]
        # over the true frame 22 where there is one, else (inference) over frame 11
        if frame_22 is None and self.overlay:
            preds = {f'{k} on 11': v for k, v in preds.items()}
        return video_panel(frames[0], frames[-1], frame_22, gt, preds,
                           overlay_on=(frame_22 if frame_22 is not None else frames[-1])
                           if self.overlay else None)

    def add_datasample(self, name: str, image, data_sample=None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False, wait_time: float = 0,
                       out_file: Optional[str] = None, step: int = 0) -> np.ndarray:
        panel = self.panel(image, data_sample)
        if show:
            self.show(panel, win_name=name, wait_time=wait_time)
        if out_file is not None:
            cv2.imwrite(out_file, panel[..., ::-1])
        else:
            self.add_image(name, panel, step)
        return panel
