"""Priors of the future masks (``MODELS``): each predicts the future frames from the input
frames' masks and votes on a future predictor's class logits; fusions combine the votes with
the network's logits; ``PriorHostMixin`` is what a model with priors does."""
from .base import PRIOR_OUTPUTS, BasePrior, HorizonWeightedPrior
from .copy_prior import CopyPrior
from .motion_prior import MotionPrior, extrapolate_masks, extrapolate_occupancy
from .fusion import AddFusion, TrustFusion
from .builder import build_prior, prior_argument, rename_old_prior_keys, with_future_steps
from .host import PriorHostMixin
from .dynamics_prior import DynamicsPrior

__all__ = ['PRIOR_OUTPUTS', 'BasePrior', 'HorizonWeightedPrior', 'CopyPrior', 'MotionPrior',
           'DynamicsPrior', 'AddFusion', 'TrustFusion', 'PriorHostMixin', 'build_prior',
           'prior_argument', 'rename_old_prior_keys', 'with_future_steps',
           'extrapolate_masks', 'extrapolate_occupancy']
