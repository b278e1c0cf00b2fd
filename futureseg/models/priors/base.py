"""What a prior is: a prediction of the future class masks made from the input frames' masks,
and its vote on a future predictor's class logits (how the fusion modules combine them)."""
from typing import List, Sequence

import torch
import torch.nn as nn

#: What a prior's ``predict`` returns, per class, for each future frame asked for.
PRIOR_OUTPUTS = ('occupancy', 'log_probs')


class BasePrior(nn.Module):
    """A prior of the future masks (``MODELS``-registered subclasses: ``CopyPrior``,
    ``MotionPrior``, ``DynamicsPrior``).

    A prior says what it predicts (``output``): ``'occupancy'`` (B, T, K, H, W) in [0, 1],
    channel 0 the background (what no object covers), or ``'log_probs'``. ``predict`` makes
    that prediction from the input frames' masks; ``vote`` turns it into the prior's
    contribution to a network's class logits (its learned weights times the prediction), which
    a fusion module (``AddFusion``, ``TrustFusion``) combines with the network's logits.
    ``forward(logits, masks, horizons)`` is ``AddFusion`` of this prior alone.

    Subclasses set ``output`` and implement ``predict`` and ``vote``.
    """

    output = 'occupancy'

    def predict(self, masks: torch.Tensor, horizons: Sequence[int]) -> torch.Tensor:
        """The prior's prediction (B, len(horizons), K, H, W) from ``masks`` (B, T_in, H, W),
        class ids of the input frames, newest last; ``horizons``: frames ahead of the newest
        one (1 = the next frame)."""
        raise NotImplementedError

    def vote(self, prediction: torch.Tensor, masks: torch.Tensor, horizons: Sequence[int],
             dtype: torch.dtype) -> torch.Tensor:
        """The prior's vote on the logits (broadcastable to (B, T, K, H, W)) in ``dtype``,
        from its ``prediction`` (and, for priors that pool input frames, the ``masks``)."""
        raise NotImplementedError

    def probabilities(self, prediction: torch.Tensor) -> torch.Tensor:
        """The prediction as per-class weights in [0, 1] (what a network that reads the prior
        embeds): occupancy as it is, log-probs exponentiated."""
        return prediction if self.output == 'occupancy' else prediction.exp()

    def forward(self, logits: torch.Tensor, masks: torch.Tensor,
                horizons: Sequence[int] = None) -> torch.Tensor:
        """Logits (B, T_out, K, H, W) plus this prior's vote from ``masks`` (B, T_in, H, W)
        (``AddFusion`` of this prior alone); ``horizons`` as ``default_horizons``."""
        horizons = self.check_horizons(logits.shape[1], horizons)
        vote = self.vote(self.predict(masks, horizons), masks, horizons, logits.dtype)
        return logits + vote

    def check_horizons(self, steps: int, horizons: Sequence[int] = None) -> List[int]:
        """``horizons`` as a list, checked against ``steps`` output steps (the default: the
        last ``steps`` of 1..``future_steps``)."""
        future_steps = getattr(self, 'future_steps', steps)
        if horizons is None:
            horizons = range(future_steps - steps + 1, future_steps + 1)
        horizons = list(horizons)
        if len(horizons) != steps or min(horizons) < 1 or max(horizons) > future_steps:
            raise ValueError(f'horizons {horizons} do not fit {steps} output steps of 1..'
                             f'{future_steps}')
        return horizons


class HorizonWeightedPrior(BasePrior):
    """A prior whose vote is its occupancy times a learned weight per horizon (``weight``,
    one per horizon 1..``future_steps``, starting at ``init``): ``MotionPrior`` and
    ``DynamicsPrior``.

    Args:
        init (float): Starting weight of every horizon. Default: 4.0.
        future_steps (int): Horizons 1..future_steps it can predict. Default: 11.
    """

    def __init__(self, init: float = 4.0, future_steps: int = 11):
        super().__init__()
        self.future_steps = future_steps
        self.weight = nn.Parameter(torch.full((future_steps,), float(init)))

    def vote(self, prediction: torch.Tensor, masks: torch.Tensor, horizons: Sequence[int],
             dtype: torch.dtype) -> torch.Tensor:
        """``weight[h] * prediction`` for each horizon ``h``, in ``dtype``."""
        w = self.weight[torch.as_tensor(list(horizons), device=prediction.device) - 1]
        return (w.view(1, -1, 1, 1, 1) * prediction).to(dtype)
