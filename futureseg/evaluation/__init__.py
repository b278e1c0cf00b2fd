from .functional import confusion_matrix, jaccard_index, per_class_iou
from .metrics import (FramePredictionMetric, FutureSegJaccard, PostprocessingTable,
                      SubmissionWriter, confusion_matrix_torch, ssim)

__all__ = ['confusion_matrix', 'jaccard_index', 'per_class_iou', 'FramePredictionMetric',
           'FutureSegJaccard', 'PostprocessingTable', 'SubmissionWriter', 'confusion_matrix_torch', 'ssim']
