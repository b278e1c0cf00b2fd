"""Parameter schedulers (PARAM_SCHEDULERS registry)."""
from typing import Sequence, Union

from mmengine.optim.scheduler import OneCycleLR

from futureseg.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class OneCycleLRKeepMult(OneCycleLR):
    """MMEngine's ``OneCycleLR`` that keeps each parameter group's learning-rate multiplier.

    ``OneCycleLR`` gives every group the same peak ``eta_max``, which undoes
    ``paramwise_cfg``'s ``lr_mult`` (e.g. a ``TrustFusion`` that must move within a few
    hundred steps). Here group i's peak is ``eta_max`` times its learning rate over the
    optimizer's base learning rate when the scheduler is built (its ``lr_mult``); the rest of
    the cycle (warm-up share, division factors) is ``OneCycleLR``'s.

    Args:
        optimizer (Optimizer | OptimWrapper): The (wrapped) optimizer.
        eta_max (float): Peak learning rate of a group with multiplier 1. Default: 0.
        **kwargs: ``OneCycleLR``'s (``total_steps``, ``pct_start``, ``div_factor``, ...).
    """

    def __init__(self, optimizer, eta_max: Union[float, Sequence[float]] = 0, **kwargs):
        base = optimizer.defaults['lr'] if hasattr(optimizer, 'defaults') \
            else optimizer.optimizer.defaults['lr']
        groups = optimizer.param_groups
        if not isinstance(eta_max, (list, tuple)):
            eta_max = [eta_max * g['lr'] / base for g in groups]
        super().__init__(optimizer, eta_max=eta_max, **kwargs)
