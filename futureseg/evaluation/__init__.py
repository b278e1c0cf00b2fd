from .functional import confusion_matrix, jaccard_index, per_class_iou
from .functional import attribute_confusions
from .metrics import (FramePredictionMetric, FutureSegJaccard, PostprocessingTable,
                      SubmissionWriter, confusion_matrix_torch, decode_mask_rle, mask_rle,
                      prediction_of, save_submission, ssim)

__all__ = ['confusion_matrix', 'jaccard_index', 'per_class_iou', 'FramePredictionMetric',
           'FutureSegJaccard', 'PostprocessingTable', 'SubmissionWriter', 'confusion_matrix_torch', 'ssim',
           'attribute_confusions', 'decode_mask_rle', 'mask_rle', 'prediction_of', 'save_submission']
