from .functional import (attribute_confusions, confusion_matrix, jaccard_index, object_error_table,
                         object_records, per_class_iou)
from .gap import GROUPS, GapBreakdown, GapTally, format_gap_table, object_groups, oracle_shift
from .metrics import (EmbeddingSpreadMetric, FramePredictionMetric, FutureSegJaccard, PostprocessingTable,
                      SubmissionWriter, decode_mask_rle, mask_rle,
                      prediction_of, save_submission, ssim)

__all__ = ['attribute_confusions', 'confusion_matrix', 'jaccard_index', 'object_error_table',
           'object_records', 'per_class_iou',
           'EmbeddingSpreadMetric', 'FramePredictionMetric', 'FutureSegJaccard', 'PostprocessingTable', 'SubmissionWriter',
           'ssim', 'GROUPS', 'GapBreakdown', 'GapTally', 'format_gap_table', 'object_groups',
           'oracle_shift', 'decode_mask_rle', 'mask_rle', 'prediction_of', 'save_submission']
