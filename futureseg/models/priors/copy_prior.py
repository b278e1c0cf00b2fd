"""A learned "copy the input masks" prior: the copy-frame-11 baseline as a vote on the logits."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from futureseg.structures.metainfo import NUM_CLASSES
from futureseg.registry import MODELS
from .base import BasePrior


@MODELS.register_module()
class CopyPrior(BasePrior):
    """Predicts that nothing moves; votes with each input frame's one-hot mask, times a learned
    weight per frame.

    With the newest frame's weight starting at ``init`` and the others at 0, an untrained
    model predicts "copy the last mask" (the copy-frame-11 baseline) wherever its own
    logits are flat, so training starts from the baseline and learns the motion on top; the
    per-frame weights can also learn to pool frames (outvote a segmenter's error on one
    frame). Pixels of the ignore id (or any id >= ``num_classes``) do not vote.

    Its prediction (``output='occupancy'``) is the newest mask, one-hot, for every horizon;
    its vote pools all the input frames with the learned weights.

    Args:
        num_frames (int): input frames whose masks vote. Default: 11.
        init (float): starting weight of the newest frame. Default: 4.0.
        num_classes (int): classes of the logits. Default: 49.
    """

    output = 'occupancy'

    def __init__(self, num_frames: int = 11, init: float = 4.0, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.num_classes = num_classes
        start = torch.zeros(num_frames)
        start[-1] = float(init)
        self.weight = nn.Parameter(start)

    def predict(self, masks: torch.Tensor, horizons: Sequence[int]) -> torch.Tensor:
        """The newest mask (B, H, W) one-hot (B, len(horizons), K, H, W); ignore pixels are
        nobody's, background included."""
        last = masks[:, -1]
        valid = last < self.num_classes
        onehot = F.one_hot(torch.where(valid, last, 0).long(), self.num_classes)
        onehot = (onehot * valid[..., None]).movedim(-1, 1).float()
        return onehot[:, None].expand(-1, len(list(horizons)), -1, -1, -1)

    def vote(self, prediction: torch.Tensor, masks: torch.Tensor, horizons: Sequence[int],
             dtype: torch.dtype) -> torch.Tensor:
        """The weighted votes of ``masks`` (B, T_in, H, W) class ids, (B, 1, K, H, W): the same
        for every output step (``prediction`` and ``horizons`` are not needed)."""
        if masks.shape[1] != self.weight.numel():
            raise ValueError(f'the copy prior votes with {self.weight.numel()} input masks, '
                             f'got {masks.shape[1]}')
        valid = masks < self.num_classes
        ids = torch.where(valid, masks, 0).long()
        weights = self.weight.to(dtype).view(1, -1, 1, 1) * valid.to(dtype)
        b, _, h, w = ids.shape
        vote = weights.new_zeros(b, self.num_classes, h, w).scatter_add_(1, ids, weights)
        return vote[:, None]

    def forward(self, logits: torch.Tensor, masks: torch.Tensor,
                horizons: Sequence[int] = None) -> torch.Tensor:
        """Logits (B, T_out, K, H, W) plus the vote of ``masks`` (B, T_in, H, W) class ids,
        the same for every output step (``horizons``, for ``MotionPrior``'s interface, is not
        used)."""
        return logits + self.vote(None, masks, horizons, logits.dtype)
