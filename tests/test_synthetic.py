"""The synthetic generator: layout, determinism, masks agreeing with scenes, resume."""
import filecmp
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from conftest import FIXTURES, ROOT, TINY, run_tool
from futureseg.datasets.metainfo import class_id
from futureseg.datasets.synthetic import Camera, SyntheticVideoWriter, plan_videos


def _tree_equal(a, b):
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(
        _tree_equal(osp.join(a, d), osp.join(b, d)) for d in cmp.common_dirs)


def test_plan_numbers_splits_consecutively():
    plan = plan_videos(dict(train=2, val=1, hidden=2))
    assert plan == [('train', 0), ('train', 1), ('val', 2), ('hidden', 3), ('hidden', 4)]
    with pytest.raises(ValueError, match='trian'):
        plan_videos(dict(trian=1))


def test_layout(tiny_dataset):
    root = tiny_dataset
    assert sorted(os.listdir(root)) == ['hidden', 'hidden_truth', 'train', 'val']
    assert sorted(os.listdir(osp.join(root, 'train'))) == [f'video_{i}' for i in range(4)]
    assert sorted(os.listdir(osp.join(root, 'val'))) == ['video_4', 'video_5']
    for vid in range(4):
        d = osp.join(root, 'train', f'video_{vid}')
        names = set(os.listdir(d))
        assert names == {f'image_{k}.png' for k in range(22)} | {'mask.npy', 'scene.json'}
        im = Image.open(osp.join(d, 'image_0.png'))
        assert im.mode == 'RGB' and im.size == (TINY['width'], TINY['height'])
        mask = np.load(osp.join(d, 'mask.npy'))
        assert mask.shape == (22, TINY['height'], TINY['width']) and mask.dtype == np.uint8
        assert mask.max() < 49
    for vid in (6, 7):
        names = set(os.listdir(osp.join(root, 'hidden', f'video_{vid}')))
        assert names == {f'image_{k}.png' for k in range(11)}  # no mask, no scene
        assert np.load(osp.join(root, 'hidden_truth', f'video_{vid}', 'mask.npy')).shape[0] == 22


def test_masks_agree_with_scenes(tiny_dataset):
    for split, vids in (('train', range(4)), ('val', (4, 5))):
        for vid in vids:
            d = osp.join(tiny_dataset, split, f'video_{vid}')
            scene = json.load(open(osp.join(d, 'scene.json')))
            mask = np.load(osp.join(d, 'mask.npy'))
            ids = {o['class_id'] for o in scene['objects']}
            assert len(ids) == len(scene['objects']), 'no two objects alike'
            assert set(np.unique(mask)) - {0} <= ids, 'mask holds a class the scene lacks'
            cam = Camera(np.array(scene['camera']['pos']), np.array(scene['camera']['target']),
                         scene['camera']['fovy'], scene['width'], scene['height'])
            for obj in scene['objects']:
                assert class_id(obj['shape'], obj['material'], obj['color']) == obj['class_id']
                # where the object's centre is well inside the image, its class is in the mask
                # unless another object, nearer to the camera, hides it
                traj = np.array(obj['trajectory'])
                uv, depth = cam.project(traj)
                for t in range(22):
                    u, v = uv[t]
                    if not (3 <= u < cam.width - 3 and 3 <= v < cam.height - 3):
                        continue
                    px = mask[t, int(v), int(u)]
                    if px != obj['class_id']:
                        other = next(o for o in scene['objects'] if o['class_id'] == px) if px else None
                        assert other is not None, f'video {vid} frame {t}: {obj["class_id"]} missing'
                        _, d_other = cam.project(np.array(other['trajectory'])[t:t + 1])
                        assert d_other[0] < depth[t] + 2 * scene['object_radius']
                first = np.flatnonzero((mask == obj['class_id']).any((1, 2)))
                assert obj['entry_frame'] == (int(first[0]) if len(first) else None)
                if obj['role'] == 'in_view':
                    assert obj['entry_frame'] == 0


def test_deterministic_whatever_the_worker_count(tmp_path, tiny_dataset):
    sizes = dict(train=4, val=2, hidden=2)
    two = str(tmp_path / 'two')
    SyntheticVideoWriter(two, seed=7, hidden_truth=True, **TINY).run(sizes, workers=2, progress=False)
    assert _tree_equal(tiny_dataset, two)
    # shards: two halves written separately make the same data set
    sharded = str(tmp_path / 'sharded')
    for i in range(2):
        SyntheticVideoWriter(sharded, seed=7, hidden_truth=True, **TINY).run(
            sizes, shard=(i, 2), progress=False)
    assert _tree_equal(tiny_dataset, sharded)
    other = str(tmp_path / 'seed8')
    SyntheticVideoWriter(other, seed=8, **TINY).run(dict(train=1), progress=False)
    assert not np.array_equal(np.load(osp.join(other, 'train', 'video_0', 'mask.npy')),
                              np.load(osp.join(tiny_dataset, 'train', 'video_0', 'mask.npy')))


def test_killed_run_resumes(tmp_path, tiny_dataset):
    root = str(tmp_path / 'killed')
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'generate_dataset.py'), root, '--train', '4',
           '--val', '2', '--hidden', '2', '--hidden-truth', '--seed', '7', '--width', str(TINY['width']),
           '--height', str(TINY['height']), '--no-progress']
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, FIXTURES]))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while (time.time() < deadline and proc.poll() is None
           and not osp.isdir(osp.join(root, 'train', 'video_1'))):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, 'the generator finished before it could be killed'
    done = len([n for n in os.listdir(osp.join(root, 'train')) if n.startswith('video_')])
    out = run_tool(*cmd[1:])
    assert 'skipped' in out.stdout
    assert _tree_equal(tiny_dataset, root), 'resumed run differs from an uninterrupted one'
    assert not [n for n in os.listdir(osp.join(root, 'train')) if n.startswith('.tmp')]
    assert 2 <= done < 8


def test_stats_tool(tiny_dataset, tmp_path):
    png = str(tmp_path / 'samples.png')
    out = run_tool('tools/dataset_stats.py', tiny_dataset, '--png', png)
    assert 'copy-frame-11 Jaccard' in out.stdout and osp.isfile(png)
