from .data_preprocessor import VideoDataPreprocessor, stack_field
from .losses import SoftJaccardLoss, WeightedCrossEntropyLoss, soft_jaccard
from .full_resolution import FullResolutionASPPHead, FullResolutionBranch
from .attribute_heads import (AttributeASPPHead, AttributeFCNHead, AttributeFullResolutionASPPHead,
                              attribute_argmax, attribute_cross_entropy, attribute_log_probs)
from .loading import build_model
from .segment import segment_frames, segment_last_predicted_frames, segment_tensors
from .segmentors import FrameSegmenter
from .priors import (AddFusion, BasePrior, CopyPrior, DynamicsPrior, MotionPrior,
                     PriorHostMixin, TrustFusion)
from .simvp import *  # noqa: F401,F403
from .copy_last_mask import CopyLastMaskPredictor
from .dynamics import ObjectDynamicsPredictor
from .future_outputs import FutureMaskOutputs
from .tta import FutureSegTTAModel

__all__ = ['AttributeASPPHead', 'AttributeFCNHead', 'AttributeFullResolutionASPPHead',
           'FullResolutionASPPHead', 'FullResolutionBranch', 'attribute_argmax', 'attribute_cross_entropy',
           'attribute_log_probs', 'CopyLastMaskPredictor', 'FrameSegmenter', 'FutureMaskOutputs',
           'ObjectDynamicsPredictor',
           'AddFusion', 'BasePrior', 'DynamicsPrior', 'PriorHostMixin', 'TrustFusion',
           'VideoDataPreprocessor', 'stack_field', 'SoftJaccardLoss', 'WeightedCrossEntropyLoss',
           'soft_jaccard', 'FutureSegTTAModel', 'build_model', 'segment_frames',
           'segment_last_predicted_frames', 'segment_tensors']
