from .functional import (attribute_confusions, confusion_matrix, jaccard_index, object_error_table,
                         object_records, per_class_iou)
from .gap import GROUPS, GapBreakdown, GapTally, format_gap_table, object_groups, oracle_shift
from .prior_override import PriorOverride, override_tallies
from .metrics import (FramePredictionMetric, FutureSegJaccard, PostprocessingTable,
                      SubmissionWriter, decode_mask_rle, mask_rle,
                      prediction_of, save_submission, ssim)

__all__ = ['attribute_confusions', 'confusion_matrix', 'jaccard_index', 'object_error_table',
           'object_records', 'per_class_iou',
           'FramePredictionMetric', 'FutureSegJaccard', 'PostprocessingTable', 'SubmissionWriter',
           'ssim', 'GROUPS', 'GapBreakdown', 'GapTally', 'format_gap_table', 'object_groups',
           'oracle_shift', 'PriorOverride', 'override_tallies',
           'decode_mask_rle', 'mask_rle', 'prediction_of', 'save_submission']
