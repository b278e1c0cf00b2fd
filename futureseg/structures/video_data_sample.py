"""The data sample of one video (typed, as mmseg's ``SegDataSample``), and the names of its
array fields."""
from typing import Any, Dict

import torch
from mmengine.structures import BaseDataElement

# RGB arrays of a sample before packing: (T, H, W, 3) uint8
FRAME_KEYS = ('input_frames', 'target_frames')
# class-id masks of a sample: (T, H, W), uint8 as packed (255 ignore), long on the device
MASK_KEYS = ('gt_masks', 'input_masks', 'context_masks')
# the typed data fields of a VideoDataSample (each a property below); ``Module.reads`` of a
# model names some of them, plus 'frames' (the RGB input frames, packed as ``inputs``)
SAMPLE_FIELDS = ('target_frames', 'gt_masks', 'input_masks', 'context_masks', 'pred_masks',
                 'pred_stages', 'pred_frames', 'pred_logits', 'prior_masks')
# what a model may declare it reads: the packed input frames or a sample field
READABLE_FIELDS = ('frames', ) + SAMPLE_FIELDS


def _refuse(sample: BaseDataElement, name: str, value: Any, expected: str) -> None:
    """Raise TypeError for a field set to the wrong type, leaving no trace of it: the public
    name is already in ``_data_fields`` when a property's setter runs."""
    sample._data_fields.discard(name)
    raise TypeError(f'VideoDataSample.{name} takes {expected}, got {type(value).__name__}')


def _tensor_field(name: str, doc: str) -> property:
    """A data field holding one tensor: set and deleted through ``BaseDataElement.set_field``
    (so that ``name in sample``, ``keys()`` and ``to_dict()`` see it), type-checked on set."""
    private = '_' + name

    def getter(self) -> torch.Tensor:
        return getattr(self, private)

    def setter(self, value: torch.Tensor) -> None:
        if not isinstance(value, torch.Tensor):
            _refuse(self, name, value, 'a torch.Tensor')
        self.set_field(value, private, dtype=torch.Tensor)

    def deleter(self) -> None:
        delattr(self, private)

    return property(getter, setter, deleter, doc)


class VideoDataSample(BaseDataElement):
    """One video's targets, context, predictions and meta (mmseg's ``SegDataSample`` for
    videos).

    Typed data fields (properties: setting one of another type raises a TypeError, where
    ``SegDataSample``'s assert; reading one that is not set raises AttributeError; ``'gt_masks'
    in sample``, ``sample.get('gt_masks')``, ``del sample.gt_masks`` and ``to_dict()`` work
    as on an untyped ``BaseDataElement``):

    - ``target_frames`` (To, 3, H, W): the true future frames, uint8 as packed, normalised
      floats after ``VideoDataPreprocessor``.
    - ``gt_masks`` (To, H, W): the true masks of the target frames.
    - ``input_masks`` (Ti, H, W): the true masks of the input frames.
    - ``context_masks`` (Ti, H, W): the input frames' masks a model or a post-processor reads
      (the segmenter's at test time). Masks are uint8 as packed (255 ignore), long after
      ``VideoDataPreprocessor``.
    - ``pred_masks`` (To or 1, H, W): the predicted class ids (post-processed where
      configured).
    - ``pred_stages`` (dict[str, Tensor]): the predicted mask of frame 22 before and after each
      post-processor (``'raw'`` first).
    - ``pred_frames`` (To, 3, H, W): a frame predictor's frames, 0-255 floats.
    - ``pred_logits`` (K, H, W): the scores of frame 22 behind ``pred_masks``, kept when the
      model's ``keep_logits`` is set (they cost K times a mask's memory per video).
    - ``prior_masks`` (To or 1, H, W): the prior's own prediction of the class ids, where a
      model keeps it, so that a test can tell the prior's share from the network's.

    Metainfo (``PackVideoInputs.META_KEYS``): video_id, video_dir, video_name, split,
    input_frame_ids, target_frame_ids, context_frame_ids, ori_shape, img_shape, flip,
    context_source.
    """

    target_frames = _tensor_field('target_frames', 'The true future frames (To, 3, H, W).')
    gt_masks = _tensor_field('gt_masks', 'The true masks of the target frames (To, H, W).')
    input_masks = _tensor_field('input_masks', 'The true masks of the input frames (Ti, H, W).')
    context_masks = _tensor_field('context_masks',
                                  'The input frames\' masks a model reads (Ti, H, W).')
    pred_masks = _tensor_field('pred_masks', 'The predicted class ids (To or 1, H, W).')
    pred_frames = _tensor_field('pred_frames', 'A frame predictor\'s frames (To, 3, H, W).')
    pred_logits = _tensor_field('pred_logits', 'The scores of frame 22 (K, H, W).')
    prior_masks = _tensor_field('prior_masks', 'The prior\'s own class ids (To or 1, H, W).')

    @property
    def pred_stages(self) -> Dict[str, torch.Tensor]:
        """The mask of frame 22 before and after each post-processor, by stage name."""
        return self._pred_stages

    @pred_stages.setter
    def pred_stages(self, value: Dict[str, torch.Tensor]) -> None:
        # a dict of tensors: checked entry by entry, as set_field checks only the container
        if not isinstance(value, dict) or not all(isinstance(v, torch.Tensor)
                                                  for v in value.values()):
            _refuse(self, 'pred_stages', value, 'a dict of tensors by stage name')
        self.set_field(value, '_pred_stages', dtype=dict)

    @pred_stages.deleter
    def pred_stages(self) -> None:
        del self._pred_stages
