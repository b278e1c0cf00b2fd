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
from futureseg.datasets.synthetic import (GENERATOR_VERSION, Camera, SyntheticVideoWriter, plan_videos,
                                          read_generator_info)
from futureseg.datasets.synthetic.metal import intersect, pixel_rays


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
    assert sorted(os.listdir(root)) == ['generator.json', 'hidden', 'hidden_truth', 'train', 'val']
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.parametrize('shape', ['sphere', 'cube', 'cylinder'])
def test_ray_intersections(shape):
    r = 0.4
    # straight at a side face / the equator from +x: hit at x = r, normal +x
    o, d = np.array([[5.0, 0.1, 0.05]]), np.array([[-1.0, 0.0, 0.0]])
    t, n = intersect(shape, r, o, d)
    hit_x = 5.0 - t[0]
    expect_x = np.sqrt(r * r - 0.1 ** 2 - 0.05 ** 2) if shape == 'sphere' else (
        np.sqrt(r * r - 0.1 ** 2) if shape == 'cylinder' else r)
    assert hit_x == pytest.approx(expect_x, abs=1e-9)
    expect_n = {'sphere': [hit_x, 0.1, 0.05], 'cube': [r, 0, 0], 'cylinder': [hit_x, 0.1, 0]}[shape]
    assert n[0] == pytest.approx(np.array(expect_n) / r)
    # from above: cube and cylinder show their top (normal +z) at z = r, the sphere its pole
    t, n = intersect(shape, r, np.array([[0.05, -0.05, 6.0]]), np.array([[0.0, 0.0, -1.0]]))
    assert n[0, 2] > 0.98 and 6.0 - t[0] == pytest.approx(r, abs=0.01)
    # a ray tilted down onto the object from a camera-like position: unit normals facing the ray
    o = np.array([[4.0, -3.5, 3.0]] * 3)
    d = -o + np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.1], [0.0, -0.1, -0.1]])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    t, n = intersect(shape, r, o, d)
    assert np.allclose(np.linalg.norm(n, axis=1), 1) and ((n * d).sum(1) < 0).all()
    p = o + t[:, None] * d  # the hit points lie on the surface
    if shape == 'sphere':
        assert np.allclose(np.linalg.norm(p, axis=1), r)
    elif shape == 'cube':
        assert np.allclose(np.abs(p).max(1), r)
    else:
        on_side = np.isclose(np.hypot(p[:, 0], p[:, 1]), r) & (np.abs(p[:, 2]) <= r + 1e-9)
        on_cap = np.isclose(np.abs(p[:, 2]), r) & (np.hypot(p[:, 0], p[:, 1]) <= r + 1e-9)
        assert (on_side | on_cap).all()
    # a ray that just misses: a rim normal, perpendicular to the ray
    t, n = intersect(shape, r, np.array([[5.0, 0.0, 0.9]]), np.array([[-1.0, 0.0, 0.0]]))
    assert abs(n[0] @ np.array([-1.0, 0, 0])) < 1e-9 and n[0, 2] > 0.99
    with pytest.raises(ValueError, match='cone'):
        intersect('cone', r, o, d)


def test_pixel_rays_match_the_camera():
    cam = Camera(np.array([7.5, -6.5, 5.3]), np.zeros(3), 34.0, 96, 64)
    rays = pixel_rays(cam)
    assert rays.shape == (64, 96, 3) and np.allclose(np.linalg.norm(rays, axis=-1), 1)
    # a point along a pixel's ray projects back into that pixel's centre
    uv, depth = cam.project(cam.pos + 5.0 * rays[[10, 40], [20, 70]])
    assert np.allclose(uv, [[20.5, 10.5], [70.5, 40.5]]) and (depth > 0).all()


_RENDER_PAIRS = """
import json, sys
import numpy as np
from futureseg.datasets.metainfo import class_id
from futureseg.datasets.synthetic.render import MujocoSceneRenderer
metal_mode, out = sys.argv[1], sys.argv[2]
saved = {}
for shape in ('sphere', 'cube', 'cylinder'):
    objs = []
    for k, (material, x) in enumerate((('metal', -0.9), ('rubber', 0.9))):
        objs.append(dict(class_id=class_id(shape, material, 'red'), shape=shape, material=material,
                         color='red', position=[x, 0.0, 0.4], yaw=0.3, velocity=[0.0, 0.0]))
    scene = dict(num_frames=2, frame_dt=0.08, object_radius=0.4, objects=objs,
                 camera=dict(pos=[7.5, -6.5, 5.3], target=[0, 0, 0], fovy=22.0),
                 light=dict(pos=[-1.0, -6.0, 10.0]))
    res = MujocoSceneRenderer(160, 120, metal=metal_mode).render(scene)
    saved.update({f'{shape}_frame': res['frames'][-1], f'{shape}_mask': res['masks'][-1],
                  f'{shape}_ids': [o['class_id'] for o in objs]})
np.savez(out, **saved)
"""


def test_metal_and_rubber_look_different(tmp_path):
    """For each shape, two objects alike but for the material, side by side: metal is a
    darker, high-contrast tinted mirror, rubber is matte. MuJoCo's own shading ('phong') makes
    them alike. (One process per shading mode renders the three shapes' scenes.)"""
    renders = {}
    for mode in ('reflection', 'phong'):
        out = str(tmp_path / f'{mode}.npz')
        run_tool('-c', _RENDER_PAIRS, mode, out)  # rendering stays out of this process
        renders[mode] = np.load(out)
    for shape in ('sphere', 'cube', 'cylinder'):
        stats = {}
        for mode, z in renders.items():
            lum = z[f'{shape}_frame'].astype(float).mean(-1)
            for cid, material in zip(z[f'{shape}_ids'], ('metal', 'rubber')):
                px = lum[z[f'{shape}_mask'] == cid]
                assert px.size > 100, f'{material} {shape} barely visible'
                stats[mode, material] = (px.mean(), px.std())
        (m_mean, m_std), (r_mean, r_std) = stats['reflection', 'metal'], stats['reflection', 'rubber']
        assert m_std > 1.5 * r_std, f'{shape}: metal should show reflections and highlights: {stats}'
        assert m_mean < r_mean + 5, f'{shape}: metal should not be brighter than matte rubber: {stats}'
        (pm_mean, pm_std), (pr_mean, pr_std) = stats['phong', 'metal'], stats['phong', 'rubber']
        assert abs(pm_mean - pr_mean) < 25, f'{shape}: MuJoCo shading alone should be the old, similar look'


def test_generator_version_is_recorded_and_never_mixed(tmp_path, tiny_dataset):
    info = read_generator_info(tiny_dataset)
    assert info['version'] == GENERATOR_VERSION and (info['width'], info['height'], info['seed']) == (
        TINY['width'], TINY['height'], 7)
    scene = json.load(open(osp.join(tiny_dataset, 'train', 'video_0', 'scene.json')))
    assert scene['generator_version'] == GENERATOR_VERSION
    # other settings into the same root: refused, nothing written
    with pytest.raises(ValueError, match='width: 96 there, 48 now'):
        SyntheticVideoWriter(tiny_dataset, seed=7, width=48, height=64).run(dict(train=5), progress=False)
    assert not osp.isdir(osp.join(tiny_dataset, 'train', 'video_4'))
    # a root of generator version 1 (videos, no generator.json) still loads but is not extended
    import shutil
    old = str(tmp_path / 'v1')
    shutil.copytree(tiny_dataset, old)
    os.remove(osp.join(old, 'generator.json'))
    from futureseg.datasets import FutureSegVideoDataset
    ds = FutureSegVideoDataset(data_root=old, split='train', mode='last_mask', pipeline=[])
    assert len(ds) == 4
    out = run_tool('tools/generate_dataset.py', old, '--train', '5', '--seed', '7', '--width', '96',
                   '--height', '64', '--no-progress', check=False)
    assert out.returncode != 0 and 'generator version 1' in out.stderr and old in out.stderr
    assert not osp.isdir(osp.join(old, 'train', 'video_4'))
    with open(osp.join(old, 'generator.json'), 'w') as f:
        f.write('{"broken')
    with pytest.raises(ValueError, match='generator.json: unreadable'):
        read_generator_info(old)
