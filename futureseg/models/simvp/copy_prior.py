"""A learned "copy the input masks" vote added to a future predictor's class logits."""
from typing import Optional, Sequence

import torch
import torch.nn as nn

from futureseg.structures.metainfo import NUM_CLASSES
from futureseg.registry import MODELS


@MODELS.register_module()
class CopyPrior(nn.Module):
    """Adds each input frame's one-hot mask, times a learned weight per frame, to the logits.

    With the newest frame's weight starting at ``init`` and the others at 0, an untrained
    model predicts "copy the last mask" (the copy-frame-11 baseline) wherever its own
    logits are flat, so training starts from the baseline and learns the motion on top; the
    per-frame weights can also learn to pool frames (outvote a segmenter's error on one
    frame). Pixels of the ignore id (or any id >= ``num_classes``) do not vote.

    Args:
        num_frames (int): input frames whose masks vote. Default: 11.
        init (float): starting weight of the newest frame. Default: 4.0.
        num_classes (int): classes of the logits. Default: 49.
    """

    def __init__(self, num_frames: int = 11, init: float = 4.0, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.num_classes = num_classes
        start = torch.zeros(num_frames)
        start[-1] = float(init)
        self.weight = nn.Parameter(start)

    def forward(self, logits: torch.Tensor, masks: torch.Tensor,
                horizons: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Logits (B, T_out, K, H, W) plus the vote of ``masks`` (B, T_in, H, W) class ids,
        the same for every output step (``horizons``, for ``MotionPrior``'s interface, is not
        used)."""
        if masks.shape[1] != self.weight.numel():
            raise ValueError(f'the copy prior votes with {self.weight.numel()} input masks, '
                             f'got {masks.shape[1]}')
        valid = masks < self.num_classes
        ids = torch.where(valid, masks, 0).long()
        weights = self.weight.to(logits.dtype).view(1, -1, 1, 1) * valid.to(logits.dtype)
        b, _, h, w = ids.shape
        vote = logits.new_zeros(b, self.num_classes, h, w).scatter_add_(1, ids, weights)
        return logits + vote[:, None]
