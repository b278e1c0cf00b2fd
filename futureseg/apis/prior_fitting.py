"""Fitting the motion prior's damping on a split's true masks: the one implementation behind
the recipe's ``FitMotionPrior`` stage and ``tools/benchmarks/motion_extrapolation.py``."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from futureseg.datasets.layout import list_videos, load_mask
from futureseg.evaluation.functional import confusion_matrix, jaccard_index
from futureseg.models.priors.motion_prior import NUM_GROUPS, extrapolate_masks

#: The damping values tried for each (shape, material) group.
DAMPING_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def load_split(split_dir: str, masks_dir: Optional[str] = None,
               limit: Optional[int] = None) -> List[Tuple[torch.Tensor, np.ndarray]]:
    """[(masks of frames 1-11 (11, H, W), true mask of frame 22)] of a split's videos; the
    input masks are the true ones, or those under ``masks_dir`` (a segmenter's)."""
    out = []
    for vid, path in list_videos(split_dir)[:limit]:
        true = load_mask(osp.join(path, 'mask.npy'))
        src = true if masks_dir is None else load_mask(osp.join(masks_dir, f'video_{vid}',
                                                                'mask.npy'))
        out.append((torch.from_numpy(src[:11].astype(np.int64)), true[21]))
    return out


def extrapolation_score(videos: Sequence, window: int, damping: Sequence[float],
                        batch: int = 16) -> float:
    """Frame-22 Jaccard (one confusion matrix over the split) of the extrapolation
    (``extrapolate_masks``) of ``load_split``'s videos."""
    cm = 0
    for i in range(0, len(videos), batch):
        chunk = videos[i:i + batch]
        if len({tuple(m.shape) for m, _ in chunk}) > 1:
            raise ValueError('videos of different sizes in one split')
        pred = extrapolate_masks(torch.stack([m for m, _ in chunk]), [11], window, damping)[:, 0]
        for p, (_, t) in zip(pred.numpy(), chunk):
            cm = cm + confusion_matrix(p, t)
    return float(jaccard_index(cm))


def fit_damping(videos: Sequence, window: int, grid: Sequence[float] = DAMPING_GRID,
                sweeps: int = 2) -> Tuple[float, List[float]]:
    """The best single damping and the per-group damping maximising the Jaccard on
    ``videos`` (coordinate ascent over ``grid`` from the best single value, ``sweeps``
    passes over the groups)."""
    best_single = max(grid, key=lambda d: extrapolation_score(videos, window, [d] * NUM_GROUPS))
    damping = [best_single] * NUM_GROUPS
    for _ in range(sweeps):
        for g in range(NUM_GROUPS):
            damping[g] = max(grid, key=lambda d: extrapolation_score(
                videos, window, damping[:g] + [d] + damping[g + 1:]))
    return best_single, damping
