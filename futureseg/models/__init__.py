from .data_preprocessor import VideoDataPreprocessor, stack_field
from .losses import SoftJaccardLoss, WeightedCrossEntropyLoss, soft_jaccard
from .simvp import *  # noqa: F401,F403
from .tta import FutureSegTTAModel

__all__ = ['VideoDataPreprocessor', 'stack_field', 'SoftJaccardLoss', 'WeightedCrossEntropyLoss', 'soft_jaccard',
           'FutureSegTTAModel']
