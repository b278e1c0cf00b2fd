"""SimVP models, by model: ``base`` (``SimVPBase``), ``frame_predictor``
(``SimVPFramePredictor``), ``mask_predictor`` (``SimVPMaskPredictor``); the prior plumbing is
``futureseg.models.priors``. This module keeps the old import paths."""
from ..priors.builder import (OLD_PRIOR_PREFIXES, build_prior, prior_argument,  # noqa: F401
                              rename_old_prior_keys, with_future_steps)
from .base import SimVPBase  # noqa: F401
from .frame_predictor import SimVPFramePredictor, differential_divergence  # noqa: F401
from .mask_predictor import SimVPMaskPredictor  # noqa: F401

__all__ = ['SimVPBase', 'SimVPFramePredictor', 'SimVPMaskPredictor', 'differential_divergence',
           'build_prior', 'prior_argument', 'rename_old_prior_keys', 'with_future_steps',
           'OLD_PRIOR_PREFIXES']
