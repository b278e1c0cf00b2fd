from .data_preprocessor import VideoDataPreprocessor, stack_field
from .losses import SoftJaccardLoss, WeightedCrossEntropyLoss, soft_jaccard
from .attribute_heads import AttributeASPPHead, AttributeFCNHead, attribute_log_probs
from .segmentors import FrameSegmenter
from .simvp import *  # noqa: F401,F403
from .tta import FutureSegTTAModel

__all__ = ['AttributeASPPHead', 'AttributeFCNHead', 'attribute_log_probs', 'FrameSegmenter',
           'VideoDataPreprocessor', 'stack_field', 'SoftJaccardLoss', 'WeightedCrossEntropyLoss',
           'soft_jaccard', 'FutureSegTTAModel']
