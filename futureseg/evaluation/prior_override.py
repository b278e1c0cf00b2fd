"""How much a model with priors changes its priors' prediction, and whether the changes are
right: the diagnostic of networks that can override a prior."""
from typing import Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from futureseg.registry import METRICS
from futureseg.structures import IGNORE_INDEX

#: What each sample adds up (pixels of frame 22 with a target).
TALLIES = ('pixels', 'overrides', 'overrides_right', 'overrides_prior_right', 'right',
           'prior_right')


def override_tallies(pred: torch.Tensor, prior: torch.Tensor, gt: torch.Tensor,
                     ignore_index: int = IGNORE_INDEX) -> dict:
    """Pixel counts of one frame ((H, W) class ids each): ``pixels`` with a target,
    ``overrides`` where ``pred`` differs from ``prior``, ``overrides_right`` /
    ``overrides_prior_right`` those of them where the prediction / the prior is right, and
    ``right`` / ``prior_right`` over all pixels."""
    gt = gt.to(pred.device)
    prior = prior.to(pred.device)
    valid = gt != ignore_index
    differ = (pred != prior) & valid
    right, prior_right = (pred == gt) & valid, (prior == gt) & valid
    return dict(pixels=int(valid.sum()), overrides=int(differ.sum()),
                overrides_right=int((right & differ).sum()),
                overrides_prior_right=int((prior_right & differ).sum()),
                right=int(right.sum()), prior_right=int(prior_right.sum()))


@METRICS.register_module()
class PriorOverride(BaseMetric):
    """Where the model's prediction of frame 22 differs from its priors' own (the samples'
    ``prior_masks``, kept by models with priors), and whether it is right there.

    Logs ``override_share`` (share of the pixels with a target where the prediction differs
    from the priors'), ``override_acc`` (the prediction's accuracy on those pixels),
    ``override_prior_acc`` (the priors' accuracy on the same pixels: where ``override_acc`` is
    higher, overriding helped), ``override_gain`` (the pixel accuracy the overrides add,
    ``override_share * (override_acc - override_prior_acc)``), ``pixel_acc`` and
    ``prior_pixel_acc``. A model that never moves off its prior has share 0; nothing is
    logged for a model without priors (no sample carries ``prior_masks``).

    Args:
        pred_key (str): The predicted masks (T, H, W) of a sample. Default: 'pred_masks'.
        prior_key (str): The priors' masks (T, H, W). Default: 'prior_masks'.
        gt_key (str): The true masks. Default: 'gt_masks'.
        stage (str, optional): Compare this post-processing stage of ``pred_stages`` (e.g.
            'raw': the network's own arg-max, before NOS) instead of ``pred_key``; a sample
            without ``pred_stages`` uses ``pred_key``. Default: None.
        ignore_index (int): Target id left out. Default: 255.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'prior'. Default: None.
    """
    default_prefix = 'prior'

    def __init__(self, pred_key: str = 'pred_masks', prior_key: str = 'prior_masks',
                 gt_key: str = 'gt_masks', stage: Optional[str] = None,
                 ignore_index: int = IGNORE_INDEX, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.pred_key, self.prior_key, self.gt_key = pred_key, prior_key, gt_key
        self.stage, self.ignore_index = stage, ignore_index

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            if self.prior_key not in s or self.gt_key not in s:
                continue  # a model without priors, or nothing to score (the hidden split)
            stages = s.get('pred_stages') or {}
            pred = stages[self.stage] if self.stage in stages else s[self.pred_key][-1]
            self.results.append(override_tallies(pred, s[self.prior_key][-1],
                                                 s[self.gt_key][-1], self.ignore_index))

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        t = {k: sum(r[k] for r in results) for k in TALLIES}
        pixels, overrides = max(t['pixels'], 1), t['overrides']
        nan = float('nan')
        acc = t['overrides_right'] / overrides if overrides else nan
        prior_acc = t['overrides_prior_right'] / overrides if overrides else nan
        return dict(override_share=overrides / pixels, override_acc=acc,
                    override_prior_acc=prior_acc,
                    override_gain=(t['overrides_right'] - t['overrides_prior_right']) / pixels,
                    pixel_acc=t['right'] / pixels, prior_pixel_acc=t['prior_right'] / pixels)
