"""tools/check_dataset.py: every kind of defect in a broken copy of a generated root is
reported, with its count and files, and the exit status says so."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from conftest import load_tool, run_tool
from futureseg.datasets.check import NOTE_KINDS, check_root


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


def sections(out):
    """The tool's report split into its errors section, notes section and summary line."""
    lines = out.strip().split('\n')
    starts = {name: next((i for i, line in enumerate(lines) if line.startswith(name + ' (')), None)
              for name in ('errors', 'notes')}
    bounds = sorted(i for i in starts.values() if i is not None) + [len(lines) - 1]
    part = {name: ('\n'.join(lines[i:bounds[bounds.index(i) + 1]]) if i is not None else '')
            for name, i in starts.items()}
    return part['errors'], part['notes'], lines[-1]


def test_clean_root_passes(tiny_dataset, capsys):
    report = check_root(tiny_dataset)
    assert report.count() == 0 and report.count(strict=True) == 0, report.format()
    assert report.videos == {'train': 4, 'val': 2, 'hidden': 2}
    assert load_tool('tools/check_dataset.py').main([tiny_dataset, '--no-progress', '--strict']) == 0
    assert capsys.readouterr().out.strip().endswith('\nno problems found')


def test_every_kind_of_defect_is_reported(broken_root):
    root, where = broken_root
    report = check_root(root)
    for kind, needle in where.items():
        messages = report.problems[kind]
        assert messages and any(needle in m for m in messages), (kind, messages, report.format())
    assert len(report.problems['numbering gap']) == 1 and len(report.problems['missing frame']) == 1
    assert not report.problems['extra frame'] and not report.problems['missing split']
    # the same through the tool, in parallel workers: exit 1, errors and notes apart, per kind
    # its count and files
    proc = run_tool('tools/check_dataset.py', root, '--workers', '2', '--no-progress', check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors, notes, summary = sections(proc.stdout)
    for kind, needle in where.items():
        part = notes if kind in NOTE_KINDS else errors
        assert f'\n  {kind}: ' in part and needle in part, (kind, proc.stdout)
    n_notes = sum(len(report.problems[k]) for k in NOTE_KINDS)
    assert summary == (f'{report.count()} error(s) of {len(where) - 2} kinds; '
                       f'{n_notes} note(s) of 2 kinds (the loaders handle these)'), proc.stdout


def _numeric(names):
    return sorted(names, key=lambda n: int(n.split('_')[1]))


@pytest.fixture()
def quirky_root(tiny_dataset, tmp_path):
    """A copy of the tiny root with only the quirks of the course data: a gap in the train
    videos' numbering (0, 1, 2, 5) and a val mask with a few class ids >= 49."""
    root = str(tmp_path / 'quirky')
    shutil.copytree(tiny_dataset, root, ignore=shutil.ignore_patterns('.futureseg_cache'))
    os.rename(osp.join(root, 'train', 'video_3'), osp.join(root, 'train', 'video_5'))
    high = osp.join(root, 'val', _numeric(os.listdir(osp.join(root, 'val')))[1], 'mask.npy')
    mask = np.load(high).astype(np.int16)
    mask[15, :2, :3] = 60
    mask[15, 5, 5] = 300
    np.save(high, mask)
    return root, high


def test_quirks_only_are_notes_and_pass(quirky_root, capsys):
    root, high = quirky_root
    tool = load_tool('tools/check_dataset.py')
    assert tool.main([root, '--no-progress']) == 0
    errors, notes, summary = sections(capsys.readouterr().out)
    assert errors == ''
    assert ('\n  video numbering gap: 1 ' in notes and
            f'{osp.join(root, "train")}: video_3..video_4 missing between video_2 and video_5' in notes)
    assert f'\n  ids >= 49: 1 ' in notes and f'mask {high} has 7 pixels with class ids >= 49' in notes
    assert summary == 'no errors; 2 note(s) of 2 kinds (the loaders handle these)'
    # --strict: the notes count as errors
    assert tool.main([root, '--no-progress', '--strict']) == 1
    errors, notes, summary = sections(capsys.readouterr().out)
    assert notes == '' and high in errors and summary == '2 error(s) of 2 kinds'
    # the old flag is still accepted, says it is not needed, and changes nothing
    assert tool.main([root, '--no-progress', '--allow-ignore-ids']) == 0
    out = capsys.readouterr()
    assert '--allow-ignore-ids is deprecated' in out.err and out.out.endswith(
        'no errors; 2 note(s) of 2 kinds (the loaders handle these)\n')
    # and the loaders do handle them: every train video listed, the ids read as ignore
    from futureseg.apis import register_all_modules
    from futureseg.datasets import FutureSegVideoDataset
    register_all_modules()
    pipe = [dict(type='LoadVideo'), dict(type='PackVideoInputs')]
    train = FutureSegVideoDataset(data_root=root, split='train', pipeline=pipe, use_cache=False)
    assert [train.get_data_info(i)['video_id'] for i in range(len(train))] == [0, 1, 2, 5]
    val = FutureSegVideoDataset(data_root=root, split='val', pipeline=pipe, use_cache=False)
    gt = val[1]['data_samples'].gt_masks  # frames 12-22: frame index 15 is the fifth
    assert (gt[4, :2, :3] == 255).all() and gt[4, 5, 5] == 255 and gt.max() == 255


def _corrupt_frame(root):
    path = osp.join(root, 'train', 'video_0', 'image_3.png')
    with open(path, 'wb') as f:
        f.write(b'\x89PNG garbage')
    return path


def _missing_frame(root):
    path = osp.join(root, 'train', 'video_1', 'image_21.png')
    os.remove(path)
    return path


def _val_mask(root, change):
    path = osp.join(root, 'val', 'video_4', 'mask.npy')  # video_5's mask has the ids >= 49
    np.save(path, change(np.load(path)))
    return path


def _negative_id(mask):
    mask = mask.astype(np.int16)
    mask[0, 0, 0] = -1
    return mask


def _empty_video(root):
    path = osp.join(root, 'train', 'video_4')
    os.makedirs(path)
    return path


@pytest.mark.parametrize('kind, defect', [
    ('corrupt frame', _corrupt_frame),
    ('missing frame', _missing_frame),
    ('mask shape', lambda root: _val_mask(root, lambda m: m[:21])),
    ('mask dtype', lambda root: _val_mask(root, lambda m: m.astype(np.float32))),
    ('mask range', lambda root: _val_mask(root, _negative_id)),
    ('empty video', _empty_video),
])
def test_each_defect_fails_among_the_quirks(quirky_root, kind, defect, capsys):
    root, _ = quirky_root
    path = defect(root)
    assert load_tool('tools/check_dataset.py').main([root, '--no-progress']) == 1
    errors, notes, summary = sections(capsys.readouterr().out)
    assert f'\n  {kind}: 1\n    ' in errors and path in errors, errors
    assert '\n  ids >= 49: 1 ' in notes and '\n  video numbering gap: 1 ' in notes, notes
    assert summary == '1 error(s) of 1 kind; 2 note(s) of 2 kinds (the loaders handle these)'


def test_a_missing_split_is_an_error(tiny_dataset, capsys):
    tool = load_tool('tools/check_dataset.py')
    assert tool.main([tiny_dataset, '--splits', 'unlabeled', '--no-progress']) == 1
    errors, _, summary = sections(capsys.readouterr().out)
    assert f'  missing split: 1\n    {osp.join(tiny_dataset, "unlabeled")}: no such folder' in errors
    assert summary == '1 error(s) of 1 kind'


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
