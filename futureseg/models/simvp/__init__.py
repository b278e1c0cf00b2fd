from .modules import (GSTATranslator, IncepUTranslator, SimVPDecoder, SimVPEncoder,
                      TAUTranslator)
from .copy_prior import CopyPrior
from .predictors import SimVPBase, SimVPFramePredictor, SimVPMaskPredictor

__all__ = ['CopyPrior', 'GSTATranslator', 'IncepUTranslator', 'SimVPDecoder', 'SimVPEncoder', 'TAUTranslator',
           'SimVPBase', 'SimVPFramePredictor', 'SimVPMaskPredictor']
from .mask_space import MaskEmbedding, SimVPMaskSpacePredictor  # noqa: E402

__all__ += ['MaskEmbedding', 'SimVPMaskSpacePredictor']
from .motion_prior import MotionPrior, extrapolate_masks, extrapolate_occupancy  # noqa: E402

__all__ += ['MotionPrior', 'extrapolate_masks', 'extrapolate_occupancy']
from .predformer import PredFormerTranslator  # noqa: E402

__all__ += ['PredFormerTranslator']
from .jepa import JEPAPredictor, SimVPJEPA  # noqa: E402

__all__ += ['JEPAPredictor', 'SimVPJEPA']
