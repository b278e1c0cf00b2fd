from .modules import (GSTATranslator, IncepUTranslator, SimVPDecoder, SimVPEncoder,
                      TAUTranslator)
from .predictors import SimVPBase, SimVPFramePredictor, SimVPMaskPredictor

__all__ = ['GSTATranslator', 'IncepUTranslator', 'SimVPDecoder', 'SimVPEncoder', 'TAUTranslator',
           'SimVPBase', 'SimVPFramePredictor', 'SimVPMaskPredictor']
