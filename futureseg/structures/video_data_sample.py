"""The data sample of one video, and the names of its array fields."""
from mmengine.structures import BaseDataElement

# RGB arrays of a sample before packing: (T, H, W, 3) uint8
FRAME_KEYS = ('input_frames', 'target_frames')
# class-id masks of a sample: (T, H, W), uint8 as packed (255 ignore), long on the device
MASK_KEYS = ('gt_masks', 'input_masks', 'context_masks')


class VideoDataSample(BaseDataElement):
    """One video's targets and meta (mmseg's ``SegDataSample`` for videos).

    Fields: ``target_frames`` (To, 3, H, W) uint8; ``gt_masks`` (To, H, W), ``input_masks`` /
    ``context_masks`` (Ti, H, W), uint8 as packed and long after ``VideoDataPreprocessor``;
    after inference ``pred_masks`` (To or 1, H, W) and ``pred_stages`` (dict of the
    post-processing stages). Metainfo: video_id, video_dir, split, frame ids, shapes, flip,
    context_source.
    """
