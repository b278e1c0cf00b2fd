"""SimVP frame prediction: frames 1-11 -> frames 12-22 (stage 1, self-supervised)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from futureseg.registry import MODELS
from ..data_preprocessor import stack_field
from .base import SimVPBase


@MODELS.register_module()
class SimVPFramePredictor(SimVPBase):
    """Frames 1-11 -> frames 12-22, MSE loss (stage 1, self-supervised pre-training).

    Args:
        *args: SimVPBase's (``encoder``, ``translator``, ``decoder``, ...).
        ddr_weight (float): Weight of TAU's differential divergence regularisation (0 = off;
            TAU uses 0.1). Default: 0.0.
        ddr_tau (float): Its softmax temperature. Default: 0.1.
        **kwargs: SimVPBase's (``num_input_frames``, ``pretrained``, ...).
    """

    def __init__(self, *args, ddr_weight: float = 0., ddr_tau: float = 0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.ddr_weight, self.ddr_tau = ddr_weight, ddr_tau

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        self.check_input_size(inputs)
        hid, skip = self.encode_translate(inputs)
        pred = self.decode(hid, skip)
        if mode == 'tensor':
            return pred
        if mode == 'loss':
            target = stack_field(data_samples, 'target_frames')
            losses = dict(loss_mse=F.mse_loss(pred, target))
            if self.ddr_weight:
                losses['loss_ddr'] = self.ddr_weight * differential_divergence(pred, target, self.ddr_tau)
            return losses
        if mode == 'predict':
            frames = self.data_preprocessor.denormalize(pred).clamp(0, 255)
            for s, f in zip(data_samples, frames):
                s.pred_frames = f
            return data_samples
        raise ValueError(f'unknown mode {mode!r}')


    @property
    def reads(self) -> Tuple[str, ...]:
        """The sample fields read at test time: the RGB input frames only."""
        return ('frames', )


def differential_divergence(pred: torch.Tensor, target: torch.Tensor, tau: float = 0.1,
                            eps: float = 1e-12) -> torch.Tensor:
    """TAU's differential divergence regularisation between frame differences."""
    b, t = pred.shape[:2]
    if t <= 2:
        return pred.new_zeros(())
    gp = F.softmax((pred[:, 1:] - pred[:, :-1]).reshape(b, t - 1, -1) / tau, -1)
    gt = F.softmax((target[:, 1:] - target[:, :-1]).reshape(b, t - 1, -1) / tau, -1)
    return (gp * torch.log(gp / (gt + eps) + eps)).mean()
