"""The typed VideoDataSample (issue 33): fields type-checked on set, and everything the
untyped BaseDataElement offered (``in``, ``get``, ``del``, ``keys``, ``to_dict``, ``to``,
pickling for loader workers) still works with them."""
import pickle

import numpy as np
import pytest
import torch

from futureseg.structures import READABLE_FIELDS, SAMPLE_FIELDS, VideoDataSample


def test_fields_set_read_and_deleted_as_on_an_untyped_sample():
    masks = torch.randint(0, 49, (11, 8, 12), dtype=torch.uint8)
    s = VideoDataSample(context_masks=masks, metainfo=dict(video_id=7, flip=False))
    assert 'context_masks' in s and 'gt_masks' not in s
    assert s.context_masks is masks and s.get('context_masks') is masks
    assert s.get('gt_masks') is None
    s.pred_masks = masks[-1:].long()
    s.pred_stages = {'raw': masks[-1], 'NewObjectSuppression': masks[-1]}
    # the private storage names (_context_masks) never show as keys
    assert sorted(s.keys()) == ['context_masks', 'pred_masks', 'pred_stages']
    d = s.to_dict()
    assert d['video_id'] == 7 and torch.equal(d['context_masks'], masks)
    assert torch.equal(d['pred_stages']['raw'], masks[-1])
    del s.context_masks
    assert 'context_masks' not in s and sorted(s.keys()) == ['pred_masks', 'pred_stages']
    with pytest.raises(AttributeError):
        s.context_masks


def test_wrong_types_are_refused_and_leave_no_field_behind():
    s = VideoDataSample()
    with pytest.raises(TypeError, match='gt_masks takes a torch.Tensor'):
        s.gt_masks = np.zeros((1, 4, 4), np.uint8)
    with pytest.raises(TypeError, match='pred_stages'):
        s.pred_stages = {'raw': np.zeros((4, 4))}
    with pytest.raises(TypeError):
        VideoDataSample(pred_logits=[0.1, 0.9])
    assert s.keys() == [] and 'gt_masks' not in s
    repr(s)  # would raise on a half-set field


def test_every_typed_field_round_trips_through_pickle_and_to():
    s = VideoDataSample(metainfo=dict(video_id=1))
    for name in SAMPLE_FIELDS:
        value = {'raw': torch.ones(2, 2)} if name == 'pred_stages' else torch.full((2, 2), 3.)
        setattr(s, name, value)
    assert sorted(s.keys()) == sorted(SAMPLE_FIELDS)
    for other in (pickle.loads(pickle.dumps(s)), s.to('cpu'), s.clone()):
        assert isinstance(other, VideoDataSample) and sorted(other.keys()) == sorted(SAMPLE_FIELDS)
        assert torch.equal(other.prior_masks, s.prior_masks) and other.video_id == 1
    assert set(SAMPLE_FIELDS) < set(READABLE_FIELDS) and 'frames' in READABLE_FIELDS
