from .data_preprocessor import VideoDataPreprocessor, stack_field
from .losses import SoftJaccardLoss, WeightedCrossEntropyLoss, soft_jaccard
from .segmentors import FrameSegmenter
from .simvp import *  # noqa: F401,F403

__all__ = ['FrameSegmenter', 'VideoDataPreprocessor', 'stack_field', 'SoftJaccardLoss', 'WeightedCrossEntropyLoss', 'soft_jaccard']
