from .functional import confusion_matrix, jaccard_index, per_class_iou
from .metrics import FramePredictionMetric, FutureSegJaccard, confusion_matrix_torch, ssim

__all__ = ['confusion_matrix', 'jaccard_index', 'per_class_iou', 'FramePredictionMetric',
           'FutureSegJaccard', 'confusion_matrix_torch', 'ssim']
