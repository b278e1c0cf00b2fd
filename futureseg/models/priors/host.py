"""What a future predictor does with its priors: build them and its fusion, ask them for
their predictions, fuse their votes with its logits, and say what they predict alone."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import ModuleList

from futureseg.registry import MODELS
from .builder import PriorCfg, build_prior, prior_list, rename_old_prior_keys


class PriorHostMixin:
    """Mixin of the models that take priors (``SimVPMaskPredictor`` and its mask-space
    child): ``priors`` (a ``ModuleList``, possibly empty) and ``fusion``.

    ``init_priors`` builds them; ``fuse_priors`` adds the priors' votes to the network's
    logits through the fusion; ``prior_masks`` is the priors' prediction alone under the
    model's decision rule (the arg-max of the fused votes with the network's logits at zero),
    which the samples keep as ``prior_masks`` at test time. Checkpoints whose prior is under
    ``prior.*`` or ``copy_prior.*`` (one prior, before the list) load into ``priors.0``.
    """

    def init_priors(self, prior: PriorCfg, priors: Optional[Sequence[PriorCfg]],
                    fusion: Optional[dict], num_frames: int, num_classes: int,
                    future_steps: Optional[int]) -> None:
        """Build the priors (``build_prior`` each; a number is a ``CopyPrior``'s starting
        weight) and the fusion (None: ``AddFusion``; ``num_classes`` and ``num_priors``
        filled in)."""
        self.priors = ModuleList([build_prior(p, num_frames, num_classes, future_steps)
                                  for p in prior_list(prior, priors)])
        fusion = dict(fusion or dict(type='AddFusion'))
        fusion.setdefault('num_classes', num_classes)
        fusion.setdefault('num_priors', len(self.priors))
        self.fusion = MODELS.build(fusion) if len(self.priors) else None
        # checkpoints from before the list keep their one prior under prior.* / copy_prior.*
        self._register_load_state_dict_pre_hook(self._rename_old_prior_keys)

    @staticmethod
    def _rename_old_prior_keys(state_dict, prefix, *args) -> None:
        rename_old_prior_keys(state_dict, prefix)

    @property
    def prior(self) -> Optional[nn.Module]:
        """The model's one prior (None without priors); with several, use ``priors``
        (a ValueError: an AttributeError here would read as a missing attribute)."""
        if len(self.priors) > 1:
            raise ValueError(f'{type(self).__name__} has {len(self.priors)} priors: use '
                                 '.priors')
        return self.priors[0] if len(self.priors) else None

    @property
    def has_priors(self) -> bool:
        """Whether the model has any prior."""
        return len(self.priors) > 0

    def prior_predictions(self, masks: torch.Tensor,
                          horizons: Sequence[int]) -> List[torch.Tensor]:
        """Each prior's prediction (B, len(horizons), K, H, W) from the input masks
        (B, T_in, H, W)."""
        return [p.predict(masks, horizons) for p in self.priors]

    def prior_votes(self, masks: torch.Tensor, horizons: Sequence[int], dtype: torch.dtype,
                    predictions: Optional[List[torch.Tensor]] = None) -> List[torch.Tensor]:
        """Each prior's vote on the logits, from its prediction (made here unless given)."""
        if predictions is None:
            predictions = self.prior_predictions(masks, horizons)
        return [p.vote(pred, masks, horizons, dtype) for p, pred in zip(self.priors, predictions)]

    def fuse_priors(self, logits: torch.Tensor, masks: torch.Tensor, horizons: Sequence[int],
                    predictions: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Logits (B, T, K, H, W) fused with the priors' votes from ``masks`` (B, T_in, H, W)
        at ``horizons``; the logits as given without priors."""
        if not self.has_priors:
            return logits
        horizons = list(horizons)
        return self.fusion(logits, self.prior_votes(masks, horizons, logits.dtype, predictions))

    @torch.no_grad()
    def prior_masks(self, masks: torch.Tensor, horizons: Sequence[int],
                    predictions: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Class ids (B, len(horizons), H, W) the priors predict alone: the arg-max of their
        fused votes with the network's logits at zero (the model's decision rule); from the
        priors' ``predictions`` at ``horizons`` where the forward already made them."""
        horizons = list(horizons)
        b, _, h, w = masks.shape
        k = self.num_classes
        zero = torch.zeros(b, len(horizons), k, h, w, device=masks.device)
        return self.fuse_priors(zero, masks, horizons, predictions).argmax(2)
