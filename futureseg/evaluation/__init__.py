from .functional import (attribute_confusions, confusion_matrix, jaccard_index, object_error_table,
                         object_records, per_class_iou)
from .gap import GROUPS, GapBreakdown, GapTally, format_gap_table, object_groups, oracle_shift
from .image_quality import FramePredictionMetric, psnr, ssim
from .metrics import EmbeddingSpreadMetric, FutureSegJaccard, PostprocessingTable, seen_new_iou, seen_new_tallies
from .submission import (SubmissionWriter, decode_mask_rle, mask_rle, prediction_of,
                         save_submission)
from .prior_override import PriorOverride, override_tallies

__all__ = ['attribute_confusions', 'confusion_matrix', 'jaccard_index', 'object_error_table',
           'object_records', 'per_class_iou',
           'EmbeddingSpreadMetric', 'FramePredictionMetric', 'FutureSegJaccard', 'PostprocessingTable', 'SubmissionWriter',
           'psnr', 'ssim', 'seen_new_iou', 'seen_new_tallies', 'GROUPS', 'GapBreakdown',
           'GapTally', 'format_gap_table', 'object_groups', 'oracle_shift', 'decode_mask_rle',
           'mask_rle', 'prediction_of', 'save_submission', 'PriorOverride',
           'override_tallies']
