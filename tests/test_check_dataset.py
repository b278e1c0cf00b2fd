"""tools/check_dataset.py: every kind of defect in a broken copy of a generated root is
reported, with its count and files, and the exit status says so."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from conftest import load_tool, run_tool
from futureseg.datasets.check import check_root


@pytest.fixture()
def broken_root(tiny_dataset, tmp_path):
    """A copy of the tiny generated root with one defect of each kind; returns (root, where)."""
    root = str(tmp_path / 'broken')
    shutil.copytree(tiny_dataset, root)
    train = sorted(os.listdir(osp.join(root, 'train')), key=lambda n: int(n.split('_')[1]))
    v = [osp.join(root, 'train', n) for n in train]
    val = [osp.join(root, 'val', n) for n in sorted(os.listdir(osp.join(root, 'val')))]
    where = {}
    os.remove(osp.join(v[0], 'image_5.png'))                        # hole in the numbering
    where['numbering gap'] = osp.join(v[0], 'image_5.png')
    os.remove(osp.join(v[0], 'image_21.png'))                       # the video stops early
    where['missing frame'] = osp.join(v[0], 'image_21.png')
    with open(osp.join(v[1], 'image_3.png'), 'wb') as f:             # not a PNG any more
        f.write(b'\x89PNG garbage')
    where['corrupt frame'] = osp.join(v[1], 'image_3.png')
    from PIL import Image
    Image.new('RGB', (50, 40)).save(osp.join(v[1], 'image_7.png'))  # another size
    where['frame size'] = osp.join(v[1], 'image_7.png')
    mask = np.load(osp.join(v[2], 'mask.npy'))
    np.save(osp.join(v[2], 'mask.npy'), mask[:21])                  # one frame short
    where['mask shape'] = osp.join(v[2], 'mask.npy')
    np.save(osp.join(v[3], 'mask.npy'), mask.astype(np.float32))     # floats
    where['mask dtype'] = osp.join(v[3], 'mask.npy')
    bad = mask.astype(np.int16)
    bad[0, 0, 0] = -1
    np.save(osp.join(val[0], 'mask.npy'), bad)                       # a negative id
    where['mask range'] = osp.join(val[0], 'mask.npy')
    high = mask.copy()
    high[4, :2, :3] = 60
    np.save(osp.join(val[1], 'mask.npy'), high)                      # ids >= 49
    where['ids >= 49'] = osp.join(val[1], 'mask.npy')
    os.makedirs(osp.join(root, 'train', 'video_99'))                 # an empty video
    where['empty video'] = osp.join(root, 'train', 'video_99')
    where['video numbering gap'] = 'video_4..video_98'
    extra = osp.join(root, 'val', 'video_50')                         # a video without mask
    shutil.copytree(val[0], extra)
    os.remove(osp.join(extra, 'mask.npy'))
    where['missing mask'] = osp.join(extra, 'mask.npy')
    hidden = sorted(os.listdir(osp.join(root, 'hidden')))[0]
    with open(osp.join(root, 'hidden', hidden, 'mask.npy'), 'wb') as f:  # an unreadable mask
        f.write(b'not numpy')
    where['corrupt mask'] = osp.join(root, 'hidden', hidden, 'mask.npy')
    return root, where


def test_clean_root_passes(tiny_dataset):
    report = check_root(tiny_dataset)
    assert report.count() == 0, report.format()
    assert report.videos == {'train': 4, 'val': 2, 'hidden': 2}


def test_every_kind_of_defect_is_reported(broken_root):
    root, where = broken_root
    report = check_root(root)
    for kind, needle in where.items():
        messages = report.problems[kind]
        assert messages and any(needle in m for m in messages), (kind, messages, report.format())
    assert len(report.problems['numbering gap']) == 1 and len(report.problems['missing frame']) == 1
    assert not report.problems['extra frame'] and not report.problems['missing split']
    # the same through the tool, in parallel workers: exit 1, counts and files per kind
    proc = run_tool('tools/check_dataset.py', root, '--workers', '2', '--no-progress', check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for kind, needle in where.items():
        assert f'\n{kind}: ' in proc.stdout and needle in proc.stdout, (kind, proc.stdout)
    assert f'{report.count()} problem(s) of {len(where)} kind(s)' in proc.stdout


def test_only_ignore_ids_can_be_allowed(tiny_dataset, tmp_path, capsys):
    tool = load_tool('tools/check_dataset.py')
    root = str(tmp_path / 'ids')
    shutil.copytree(tiny_dataset, root)
    path = osp.join(root, 'val', sorted(os.listdir(osp.join(root, 'val')))[0], 'mask.npy')
    mask = np.load(path)
    mask[0, 0, 0] = 200
    np.save(path, mask)
    assert tool.main([root, '--no-progress']) == 1
    capsys.readouterr()
    assert tool.main([root, '--splits', 'val', 'train', '--allow-ignore-ids', '--no-progress']) == 0
    assert 'ids >= 49: 1 (not counted' in capsys.readouterr().out
    assert tool.main([root, '--splits', 'unlabeled', '--no-progress']) == 1
    assert 'missing split: 1' in capsys.readouterr().out


def test_recipe_uses_course_data_as_it_is(tiny_dataset, tmp_path, capsys):
    """A root of course-layout videos that the generator did not make (no generator.json, no
    scene.json: the course's own data) is not regenerated: the data stage is skipped."""
    from futureseg.apis import RecipeRunner
    root = tmp_path / 'course'
    shutil.copytree(tiny_dataset, root, ignore=shutil.ignore_patterns('scene.json', 'generator.json'))
    before = sorted(os.listdir(root / 'train'))
    recipe = dict(data_root=str(root), work_dir=str(tmp_path / 'work'), stages=[
        dict(type='GenerateData', name='data', splits=dict(train=10, val=2), width=96, height=64)])
    RecipeRunner(recipe, quiet=True).run()
    assert 'generation skipped' in capsys.readouterr().out
    assert sorted(os.listdir(root / 'train')) == before and not (root / 'generator.json').exists()
