"""How a future predictor combines its priors' votes with its own class logits."""
from typing import List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from futureseg.registry import MODELS
from futureseg.structures.metainfo import NUM_CLASSES


@MODELS.register_module()
class AddFusion(nn.Module):
    """The network's logits plus every prior's vote, in the priors' order: each prior's trust
    is its own learned weight (``CopyPrior``'s per frame, ``MotionPrior``'s per horizon).

    Args:
        num_classes (int): Classes of the logits (filled in by the model). Default: 49.
        num_priors (int): Priors whose votes it adds (filled in by the model). Default: 1.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, num_priors: int = 1):
        super().__init__()
        self.num_classes, self.num_priors = num_classes, num_priors

    def forward(self, logits: torch.Tensor, votes: List[torch.Tensor]) -> torch.Tensor:
        """Logits (B, T, K, H, W) plus each vote (broadcastable to them)."""
        for vote in votes:
            logits = logits + vote
        return logits


@MODELS.register_module()
class TrustFusion(BaseModule):
    """The network's logits plus every prior's vote times a learned trust per pixel, class and
    prior: ``logits + sum_i exp(t_i) * vote_i``, ``t`` from a small convolution on
    ``[logits, votes]`` of each output frame.

    The last convolution starts at zero, so an untrained fusion is ``AddFusion`` exactly
    (``exp(0) = 1``); from there it learns where to believe the prior less (an object
    extrapolated into a wall, a segmenter's error) without the network having to build a
    logit margin larger than the prior's vote. Its inputs are detached: the trust reads the
    logits and votes, it does not train them. Give it its own learning rate
    (``optim_wrapper.paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=...)})``) so that
    it moves within the few hundred steps of a CPU run: Adam moves each weight by about the
    learning rate per step.

    Args:
        num_classes (int): Classes of the logits (filled in by the model). Default: 49.
        num_priors (int): Priors whose votes it weighs (filled in by the model). Default: 1.
        hidden (int): Channels of the hidden convolution. Default: 16.
        kernel_size (int): Its kernel size (the neighbourhood a pixel's trust reads; 1: the
            pixel's own logits and votes, whose fractional occupancy already marks an
            object's edges; 3 costs 9x the FLOPs, at 80x120 x 11 frames about 1.5 G, more than
            the mask-space network itself). Default: 1.
        min_log_trust (float): Lowest ``t`` (trust ``exp(t)``). Default: -8.0.
        max_log_trust (float): Highest ``t``. Default: 2.0.
        init_cfg (dict | list[dict], optional): MMEngine init config. Default: None.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, num_priors: int = 1, hidden: int = 16,
                 kernel_size: int = 1, min_log_trust: float = -8.0, max_log_trust: float = 2.0,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        self.num_classes, self.num_priors = num_classes, num_priors
        self.min_log_trust, self.max_log_trust = min_log_trust, max_log_trust
        self.trust = nn.Sequential(
            nn.Conv2d(num_classes * (1 + num_priors), hidden, kernel_size,
                      padding=kernel_size // 2),
            nn.GELU(),
            nn.Conv2d(hidden, num_classes * num_priors, 1))
        self.zero_last()

    def zero_last(self) -> None:
        """Zero the last convolution: an untrained fusion is ``AddFusion``."""
        nn.init.zeros_(self.trust[-1].weight)
        nn.init.zeros_(self.trust[-1].bias)

    def init_weights(self) -> None:
        super().init_weights()
        self.zero_last()  # also after an init_cfg's re-initialisation

    def log_trust(self, logits: torch.Tensor, votes: List[torch.Tensor]) -> torch.Tensor:
        """``t`` (B, T, num_priors, K, H, W) from logits (B, T, K, H, W) and the votes."""
        b, t, k, h, w = logits.shape
        full = [v.expand(b, t, k, h, w) for v in votes]
        x = torch.cat([logits] + full, 2).detach().flatten(0, 1)
        out = self.trust(x.to(self.trust[0].weight.dtype))
        out = out.view(b, t, self.num_priors, k, h, w)
        return out.clamp(self.min_log_trust, self.max_log_trust)

    def forward(self, logits: torch.Tensor, votes: List[torch.Tensor]) -> torch.Tensor:
        """Logits (B, T, K, H, W) plus each vote times its trust."""
        if len(votes) != self.num_priors:
            raise ValueError(f'the fusion weighs {self.num_priors} priors, got {len(votes)} votes')
        trust = self.log_trust(logits, votes).exp().to(logits.dtype)
        for i, vote in enumerate(votes):
            logits = logits + trust[:, :, i] * vote
        return logits
