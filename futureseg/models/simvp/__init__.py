from .modules import (GSTATranslator, IncepUTranslator, SimVPDecoder, SimVPEncoder,
                      TAUTranslator)
from .predictors import SimVPBase, SimVPFramePredictor, SimVPMaskPredictor

__all__ = ['GSTATranslator', 'IncepUTranslator', 'SimVPDecoder', 'SimVPEncoder', 'TAUTranslator',
           'SimVPBase', 'SimVPFramePredictor', 'SimVPMaskPredictor']
from .mask_space import MaskEmbedding, SimVPMaskSpacePredictor  # noqa: E402

__all__ += ['MaskEmbedding', 'SimVPMaskSpacePredictor']
