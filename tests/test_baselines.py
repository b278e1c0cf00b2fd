"""The table's reference rows as parameter-free models scored by tools/test.py: copy frame 11
(the segmenter's mask and the true one) and the ceiling (the segmenter's mask of the true
frame 22), each checked against the Jaccard computed here from the mask files."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from conftest import ROOT, load_tool
from futureseg.apis import register_all_modules
from futureseg.datasets.layout import list_videos, load_mask
from futureseg.evaluation.functional import confusion_matrix, jaccard_index
from futureseg.models import CopyLastMaskPredictor
from futureseg.registry import DATASETS, MODELS

register_all_modules()
COPY = osp.join(ROOT, 'configs', 'baselines', 'copy_frame11.py')
CEILING = osp.join(ROOT, 'configs', 'baselines', 'segmenter_ceiling.py')


@pytest.fixture(scope='module')
def seg_masks(tiny_dataset, tmp_path_factory):
    """A stand-in for the segmenter's masks of every val frame (what the SegmentFrames stage
    writes): the true masks shifted by two pixels, with one object class renamed in frames
    11 and 22, so that they differ from the true ones where the rows read them."""
    root = tmp_path_factory.mktemp('seg_masks')
    for vid, path in list_videos(osp.join(tiny_dataset, 'val')):
        true = load_mask(osp.join(path, 'mask.npy'))
        seg = np.roll(true, 2, axis=2)
        for k in (10, 21):
            objects = [c for c in np.unique(seg[k]) if 0 < c < 48]
            seg[k][seg[k] == objects[0]] = 48
        out = root / f'video_{vid}'
        out.mkdir()
        np.save(out / 'mask.npy', seg)
    return str(root)


def split_jaccard(data_root, frame_of, seg_root=None):
    """The competition Jaccard over val of the mask ``frame_of(true, seg)`` against the true
    mask of frame 22, from the files (futureseg.evaluation.functional)."""
    cm = 0
    for vid, path in list_videos(osp.join(data_root, 'val')):
        true = load_mask(osp.join(path, 'mask.npy'))
        seg = load_mask(osp.join(seg_root, f'video_{vid}', 'mask.npy')) if seg_root else None
        cm = cm + confusion_matrix(frame_of(true, seg), true[21])
    return jaccard_index(cm)


def run_test_tool(config, data_root, work_dir, seg_root, *extra):
    """tools/test.py CONFIG (no checkpoint) on the tiny val; its metrics."""
    metrics = osp.join(work_dir, 'metrics.json')
    load_tool('tools/test.py').main([
        config, '--work-dir', work_dir, '--metrics-out', metrics, *extra, '--cfg-options',
        f'test_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.context_mask_root={seg_root}'])
    with open(metrics) as f:
        return json.load(f)


def test_copy_frame11_through_the_test_tool_is_the_jaccard_of_frame11_vs_frame22(
        tiny_dataset, seg_masks, tmp_path):
    seg = run_test_tool(COPY, tiny_dataset, str(tmp_path / 'seg'), seg_masks)
    expected = split_jaccard(tiny_dataset, lambda true, s: s[10], seg_masks)
    assert seg['future/jaccard'] == pytest.approx(expected, abs=1e-6)
    # the same as the post-processing table's raw row, and the seen / new split is there
    assert seg['stages/raw'] == pytest.approx(expected, abs=1e-6)
    assert 0 <= seg['future/seen_iou'] <= 1
    true = run_test_tool(COPY, tiny_dataset, str(tmp_path / 'true'), None)  # the true masks
    assert true['future/jaccard'] == pytest.approx(
        split_jaccard(tiny_dataset, lambda t, s: t[10]), abs=1e-6)
    assert true['future/jaccard'] != pytest.approx(seg['future/jaccard'])


def test_ceiling_through_the_test_tool_scores_the_segmenters_mask_of_frame22(
        tiny_dataset, seg_masks, tmp_path):
    metrics = run_test_tool(CEILING, tiny_dataset, str(tmp_path / 'w'), seg_masks)
    expected = split_jaccard(tiny_dataset, lambda true, s: s[21], seg_masks)
    assert metrics['future/jaccard'] == pytest.approx(expected, abs=1e-6) and expected < 1
    # --tta: its pipeline reads the same context frame; flipped views agree with the plain one
    tta = run_test_tool(CEILING, tiny_dataset, str(tmp_path / 'tta'), seg_masks, '--tta')
    assert tta['future/jaccard'] == pytest.approx(expected, abs=1e-6)


def test_ceiling_model_returns_the_segmenter_mask_of_frame22(tiny_dataset, seg_masks):
    """In process: the ceiling config's dataset hands the model the segmenter's mask of frame
    22 (context frame 22), and the prediction is that mask."""
    cfg = Config.fromfile(CEILING)
    ds_cfg = dict(cfg.test_dataloader.dataset, data_root=tiny_dataset, context_mask_root=seg_masks)
    dataset = DATASETS.build(ds_cfg)
    model = MODELS.build(cfg.model).eval()
    assert sum(p.numel() for p in model.parameters()) == 0
    items = [dataset[i] for i in range(len(dataset))]
    data = model.data_preprocessor(dict(inputs=[x['inputs'] for x in items],
                                        data_samples=[x['data_samples'] for x in items]))
    with torch.no_grad():
        samples = model(**data, mode='predict')
    for s in samples:
        seg = load_mask(osp.join(seg_masks, f'video_{s.video_id}', 'mask.npy'))
        assert s.context_frame_ids == [21] and s.context_source == 'segmenter'
        assert torch.equal(s.pred_masks[-1], torch.from_numpy(seg[21]).long())
        assert s.pred_masks.shape[0] == 1 and s.gt_masks.shape[0] == 1
    # without a segmenter's masks the context frame 22 is the true one (and input_masks stay
    # frames 1-11, what the seen / new-object split reads)
    item = DATASETS.build(dict(ds_cfg, context_mask_root=None))[0]['data_samples']
    assert item.context_source == 'true' and torch.equal(item.context_masks, item.gt_masks)
    assert item.input_masks.shape[0] == 11


def test_copy_last_mask_scores_and_post_processing():
    """One-hot scores of the newest context mask (ignored pixels -> background); the
    post-processors run on it as on any future-mask model; nothing to train."""
    from futureseg.structures import VideoDataSample
    masks = torch.randint(0, 49, (2, 3, 8, 12))
    masks[0, -1, 0, 0] = 255
    model = CopyLastMaskPredictor(postprocessors=[dict(type='FillHoles')],
                                  known_objects=dict(source='context_masks'))
    samples = [VideoDataSample(context_masks=m) for m in masks]
    scores = model(torch.zeros(2, 11, 3, 8, 12), samples, mode='tensor')
    assert scores.shape == (2, 1, 49, 8, 12) and torch.all(scores.sum(2) == 1)
    out = model(torch.zeros(2, 11, 3, 8, 12), samples, mode='predict')
    expected = masks[:, -1].clone()
    expected[0, 0, 0] = 0
    assert torch.equal(torch.stack([s.pred_stages['raw'] for s in out]), expected)
    assert all('FillHoles' in s.pred_stages for s in out)
    with pytest.raises(ValueError, match='nothing to train'):
        model(torch.zeros(2, 11, 3, 8, 12), samples, mode='loss')
