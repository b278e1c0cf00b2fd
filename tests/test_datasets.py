"""Datasets, transforms, filters, frame cache and bad input."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from futureseg.datasets import (DataError, FutureSegFrameDataset, FutureSegVideoDataset,
                                MinObjects, NoNewObjects, build_frame_cache)
from futureseg.registry import DATASETS, FILTERS
from futureseg.apis import register_all_modules

register_all_modules()

PIPE = [dict(type='LoadVideo'), dict(type='PackVideoInputs')]


def video_ds(root, **kw):
    kw.setdefault('pipeline', PIPE)
    return FutureSegVideoDataset(data_root=root, **kw)


@pytest.fixture
def data_copy(tiny_dataset, tmp_path):
    """A private copy of the tiny data set that a test may damage."""
    dst = str(tmp_path / 'data')
    shutil.copytree(tiny_dataset, dst)
    return dst


def test_modes(tiny_dataset):
    ds = video_ds(tiny_dataset, mode='frames')
    assert len(ds) == 4 and [ds.get_data_info(i)['video_id'] for i in range(4)] == [0, 1, 2, 3]
    s = ds[0]
    assert s['inputs'].shape == (11, 3, 64, 96) and s['inputs'].dtype == torch.uint8
    assert s['data_samples'].target_frames.shape == (11, 3, 64, 96)
    assert 'gt_masks' not in s['data_samples']

    s = video_ds(tiny_dataset, mode='future_masks')[1]
    mask = np.load(osp.join(tiny_dataset, 'train', 'video_1', 'mask.npy'))
    assert torch.equal(s['data_samples'].gt_masks, torch.from_numpy(mask[11:].astype(np.int64)))
    assert 'target_frames' not in s['data_samples']

    s = video_ds(tiny_dataset, mode='last_mask', split='val')[0]
    mask = np.load(osp.join(tiny_dataset, 'val', 'video_4', 'mask.npy'))
    assert s['data_samples'].gt_masks.shape == (1, 64, 96)
    assert torch.equal(s['data_samples'].gt_masks[0], torch.from_numpy(mask[21].astype(np.int64)))
    assert s['data_samples'].video_id == 4

    ds = video_ds(tiny_dataset, mode='inputs_only', split='hidden', test_mode=True)
    s = ds[1]
    assert len(ds) == 2 and s['inputs'].shape[0] == 11 and s['data_samples'].video_id == 7
    assert ds.metainfo['classes'][26] == 'red rubber sphere' and len(ds.metainfo['palette']) == 49


def test_built_from_config_with_indices_and_pseudo_masks(tiny_dataset, tmp_path):
    ds = DATASETS.build(dict(type='FutureSegVideoDataset', data_root=tiny_dataset, mode='last_mask',
                             indices=[1, 3], pipeline=PIPE))
    assert [ds.get_data_info(i)['video_id'] for i in range(2)] == [1, 3]
    # masks from a pseudo-label folder laid out like the split
    pseudo = tmp_path / 'pseudo'
    for vid in range(4):
        (pseudo / f'video_{vid}').mkdir(parents=True)
        np.save(pseudo / f'video_{vid}' / 'mask.npy', np.full((22, 64, 96), 3, np.uint8))
    s = video_ds(tiny_dataset, mode='last_mask', mask_root=str(pseudo))[0]
    assert (s['data_samples'].gt_masks == 3).all()


def test_resize_and_consistent_flip(tiny_dataset):
    pipe = [dict(type='LoadVideo', load_input_masks=True), dict(type='ResizeVideo', scale=(32, 48)),
            dict(type='RandomVideoFlip', prob=1.0), dict(type='PackVideoInputs')]
    plain = video_ds(tiny_dataset, mode='future_masks', pipeline=[
        dict(type='LoadVideo', load_input_masks=True), dict(type='ResizeVideo', scale=(32, 48)),
        dict(type='PackVideoInputs')])[0]
    flipped = video_ds(tiny_dataset, mode='future_masks', pipeline=pipe)[0]
    assert flipped['inputs'].shape == (11, 3, 32, 48)
    assert torch.equal(flipped['inputs'], plain['inputs'].flip(-1))
    assert torch.equal(flipped['data_samples'].gt_masks, plain['data_samples'].gt_masks.flip(-1))
    assert torch.equal(flipped['data_samples'].input_masks, plain['data_samples'].input_masks.flip(-1))
    # nearest-neighbour masks keep only real class ids
    ids = set(plain['data_samples'].gt_masks.unique().tolist())
    full = np.load(osp.join(tiny_dataset, 'train', 'video_0', 'mask.npy'))
    assert ids <= set(np.unique(full).tolist())


def test_frame_dataset_with_mmseg_pipeline(tiny_dataset):
    ds = FutureSegFrameDataset(data_root=tiny_dataset, split='val', pipeline=[
        dict(type='LoadFrameAndMask'), dict(type='mmseg.RandomFlip', prob=0.5),
        dict(type='mmseg.PackSegInputs')])
    assert len(ds) == 2 * 22
    s = ds[22 + 5]  # video 5, frame 5
    mask = np.load(osp.join(tiny_dataset, 'val', 'video_5', 'mask.npy'))[5]
    got = s['data_samples'].gt_sem_seg.data[0].numpy()
    if s['data_samples'].flip:
        got = got[:, ::-1]
    assert s['inputs'].shape == (3, 64, 96) and np.array_equal(got, mask)


def test_filters_on_hand_made_masks():
    m = np.zeros((22, 8, 8), np.uint8)
    m[:, 0, 0] = 5                      # object 5 everywhere
    assert NoNewObjects()(m) and MinObjects(1)(m) and not MinObjects(2)(m)
    late = m.copy()
    late[15, 4, 4] = 9                  # object 9 appears only at frame 16
    assert not NoNewObjects()(late)
    assert NoNewObjects(min_pixels=2)(late), 'one speckle pixel is not an object'
    gone = m.copy()
    gone[11:, 0, 0] = 0                 # an object leaving is fine
    assert NoNewObjects()(gone)
    ignore = m.copy()
    ignore[20, 2, 2] = 255              # ignore pixels are no object
    assert NoNewObjects()(ignore)
    assert not MinObjects(1, frames=(11, 22))(gone)
    f = FILTERS.build(dict(type='NoNewObjects', num_input_frames=16))
    assert f(late)


def test_filters_in_dataset_and_plugin_filter(tiny_dataset):
    import json
    keep = [v for v in range(4) if NoNewObjects()(np.load(osp.join(tiny_dataset, 'train', f'video_{v}', 'mask.npy')))]
    ds = video_ds(tiny_dataset, filters=[dict(type='NoNewObjects')])
    assert [ds.get_data_info(i)['video_id'] for i in range(len(ds))] == keep

    @FILTERS.register_module(force=True)
    class OnlyEvenVideos:  # a filter added as a plugin would add it
        def __call__(self, masks, info):
            return info['video_id'] % 2 == 0
    ds = video_ds(tiny_dataset, filters=[dict(type='OnlyEvenVideos')])
    assert [ds.get_data_info(i)['video_id'] for i in range(len(ds))] == [0, 2]
    scene = json.load(open(osp.join(tiny_dataset, 'train', 'video_0', 'scene.json')))
    assert scene['video_id'] == 0


def test_cache_and_png_give_identical_tensors(data_copy):
    pipe = [dict(type='LoadVideo', load_target_frames=True, load_input_masks=True),
            dict(type='PackVideoInputs')]
    png = video_ds(data_copy, mode='future_masks', pipeline=pipe, use_cache=False)
    build_frame_cache(osp.join(data_copy, 'train'), progress=False)
    cached = video_ds(data_copy, mode='future_masks', pipeline=pipe)
    assert cached.frame_cache is not None and png.frame_cache is None
    for i in range(4):
        a, b = png[i], cached[i]
        assert torch.equal(a['inputs'], b['inputs'])
        for key in ('target_frames', 'gt_masks', 'input_masks'):
            assert torch.equal(a['data_samples'].get(key), b['data_samples'].get(key))
    frames_png = FutureSegFrameDataset(data_root=data_copy, pipeline=[dict(type='LoadFrameAndMask')],
                                       use_cache=False)[30]
    frames_cache = FutureSegFrameDataset(data_root=data_copy, pipeline=[dict(type='LoadFrameAndMask')])[30]
    assert np.array_equal(frames_png['img'], frames_cache['img'])
    assert np.array_equal(frames_png['gt_seg_map'], frames_cache['gt_seg_map'])
    # a changed split makes the cache stale: it is not used
    os.utime(osp.join(data_copy, 'train', 'video_2', 'image_3.png'), ns=(1, 1))
    assert video_ds(data_copy).frame_cache is None
    with pytest.raises(DataError, match='build_frame_cache'):
        video_ds(data_copy, use_cache='require')


def test_missing_frame_and_empty_split(data_copy):
    train = osp.join(data_copy, 'train')
    os.remove(osp.join(train, 'video_1', 'image_7.png'))
    with pytest.raises(DataError, match=r'video_1: missing image_7.png'):
        video_ds(data_copy)
    ds = video_ds(data_copy, on_error='skip')  # skipped and counted in the log
    assert [ds.get_data_info(i)['video_id'] for i in range(len(ds))] == [0, 2, 3]
    os.remove(osp.join(train, 'video_3', 'mask.npy'))
    with pytest.raises(DataError, match=r'video_3/mask.npy'):
        video_ds(data_copy, on_error='raise', split='train')
    os.makedirs(osp.join(data_copy, 'empty'))
    with pytest.raises(DataError, match='no video_<N> folders in .*empty'):
        video_ds(data_copy, split='empty')


def test_corrupt_png_raises_or_is_skipped(data_copy):
    with open(osp.join(data_copy, 'train', 'video_2', 'image_3.png'), 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n garbage')
    with pytest.raises(DataError, match=r'video_2/image_3.png'):
        video_ds(data_copy)[2]
    ds = video_ds(data_copy, on_error='skip')
    # another video is served instead (drawn at random: it may hit the bad one again), each
    # failure counted
    sample = ds[2]
    assert sample['data_samples'].video_id != 2 and ds.num_skipped >= 1


@pytest.mark.parametrize('bad, match', [
    (np.zeros((22, 10, 10), np.uint8), r'video_0/mask.npy has shape \(22, 10, 10\), expected \(22, 64, 96\)'),
    (np.zeros((21, 64, 96), np.uint8), r'video_0/mask.npy has shape \(21, 64, 96\)'),
    (np.zeros((22, 64, 96), np.float32), r'video_0/mask.npy has dtype float32'),
    (np.full((22, 64, 96), -1, np.int16), r'video_0/mask.npy has negative class ids'),
])
def test_bad_masks_are_named(data_copy, bad, match):
    np.save(osp.join(data_copy, 'train', 'video_0', 'mask.npy'), bad)
    with pytest.raises(DataError, match=match):
        video_ds(data_copy, mode='last_mask')[0]


def test_class_ids_out_of_range_become_ignore(data_copy):
    big = np.zeros((22, 64, 96), np.int64)
    big[21, 0, :3] = [49, 300, 7]
    np.save(osp.join(data_copy, 'train', 'video_0', 'mask.npy'), big)
    got = video_ds(data_copy, mode='last_mask')[0]['data_samples'].gt_masks
    assert got[0, 0, :3].tolist() == [255, 255, 7]


def test_frame_cache_names_a_mask_with_too_few_frames(data_copy):
    """tools/build_frame_cache.py on a mask of the wrong frame count names the file (it used to
    die with numpy's broadcast error)."""
    path = osp.join(data_copy, 'train', 'video_1', 'mask.npy')
    np.save(path, np.load(path)[:20])
    with pytest.raises(DataError, match=r'video_1/mask.npy has 20 frames, the video has 22'):
        build_frame_cache(osp.join(data_copy, 'train'), progress=False)
