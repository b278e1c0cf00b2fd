"""The GPU-node kit in its CPU dry modes: tools/install.sh --wheels (offline install from a
wheel folder) and tools/gpu_check.sh --cpu (the check's recipe, configs/recipes/gpu_check_cpu.py:
its stages, tiny, on the CPU)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from conftest import ROOT, load_tool

CORE = ['mmcv-2.1.0-cp{v}-cp{v}-linux_x86_64.whl', 'mmengine-0.10.7-py3-none-any.whl',
        'mmsegmentation-1.2.2-py3-none-any.whl', 'torchmetrics-1.8.2-py3-none-any.whl',
        'mujoco-4.0.0-cp{v}-cp{v}-manylinux_2_28_x86_64.whl', 'setuptools-80.9.0-py3-none-any.whl']


def install(*args, env=None):
    """bash tools/install.sh ARGS with this interpreter as PYTHON; no index reachable."""
    full = dict(os.environ, PYTHON=sys.executable, PIP_INDEX_URL='http://127.0.0.1:9/simple')
    full.update(env or {})
    return subprocess.run(['bash', osp.join(ROOT, 'tools', 'install.sh'), *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def fake_folder(tmp_path, torch_version=None):
    """A wheel folder as build_wheelhouse.sh lays it out (empty placeholder wheels) with a
    manifest for this interpreter (or another torch)."""
    wheelhouse = load_tool('tools/wheelhouse.py')
    folder = tmp_path / 'wheels'
    folder.mkdir()
    v = f'{sys.version_info[0]}{sys.version_info[1]}'
    for name in CORE:
        (folder / name.format(v=v)).write_bytes(b'')
    wheelhouse.write_manifest(str(folder), 'cpu', ['mmcv==2.1.0'])
    if torch_version:
        path = folder / 'wheelhouse.json'
        manifest = json.loads(path.read_text())
        manifest['torch'] = torch_version
        path.write_text(json.dumps(manifest))
    return folder


def test_offline_install_names_a_missing_or_empty_folder(tmp_path):
    proc = install('--wheels', str(tmp_path / 'nowhere'))
    assert proc.returncode == 1 and 'does not exist' in proc.stderr, proc.stderr
    (tmp_path / 'empty').mkdir()
    proc = install('--wheels', str(tmp_path / 'empty'))
    assert proc.returncode == 1
    for name in ('mmcv', 'mmengine', 'mmsegmentation', 'torchmetrics', 'mujoco', 'setuptools',
                 'wheelhouse.json is missing'):
        assert name in proc.stderr, proc.stderr
    assert not (tmp_path / 'empty' / '.venv').exists()


def test_offline_install_dry_run_plans_no_index_and_keeps_torch(tmp_path):
    folder = fake_folder(tmp_path)
    venv = tmp_path / 'venv'
    proc = install('--wheels', str(folder), '--dry-run', env=dict(FUTURESEG_VENV=str(venv)))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f'torch {torch.__version__}: kept)' in out
    assert f'-m venv --system-site-packages {venv}' in out
    pip = [line for line in out.splitlines() if ' -m pip install ' in line]
    assert len(pip) == 1 and f'--no-index --find-links {folder}' in pip[0], out
    assert 'mmcv-2.1.0-' in pip[0] and f'-e {ROOT}' in pip[0]
    # the folder's resolution as it stands, then pip check (the node meets some needs its own way)
    assert '--no-deps' in pip[0] and f'-r {folder}/requirements.txt' in pip[0]
    assert 'pip check' in out
    if sys.prefix != sys.base_prefix:  # this interpreter is a venv: its packages through a .pth
        assert '_futureseg_base_env.pth' in out
    assert not venv.exists()  # a dry run creates nothing
    # the environment variable does what --wheels does
    proc = install('--dry-run', env=dict(FUTURESEG_VENV=str(venv), FUTURESEG_WHEELS=str(folder)))
    assert proc.returncode == 0 and '--no-index' in proc.stdout


def test_offline_install_refuses_a_folder_for_another_torch(tmp_path):
    folder = fake_folder(tmp_path, torch_version='2.11.0+cu130')
    (folder / 'mmengine-0.10.7-py3-none-any.whl').unlink()
    proc = install('--wheels', str(folder), '--dry-run', env=dict(FUTURESEG_VENV=str(tmp_path / 'v')))
    assert proc.returncode == 1
    have = torch.__version__.split('+')[0]
    assert f'built against torch 2.11.0+cu130' in proc.stderr and f'--torch {have}' in proc.stderr
    assert 'mmengine-0.10.7-py3-none-any.whl' in proc.stderr  # listed in the manifest, gone


def test_unmet_requirements_of_our_packages_count_opencv_headless_as_opencv(tmp_path):
    """After the --no-deps install, pip check's lines: ours stop it, the node's own do not, and
    mmengine's opencv-python is met by the GPU image's opencv-python-headless."""
    wheelhouse = load_tool('tools/wheelhouse.py')
    log = tmp_path / 'check.log'
    log.write_text('mmengine 0.10.7 requires opencv-python, which is not installed.\n'
                   'mmengine 0.10.7 requires termcolor, which is not installed.\n'
                   'jax 0.11.2 requires ml-dtypes, which is not installed.\n'
                   'mmsegmentation 1.2.2 has requirement numpy<2, but you have numpy 2.5.2.\n')
    ours = ['mmengine', 'mmsegmentation', 'termcolor']
    got = wheelhouse.unmet_requirements(str(log), ours, ['opencv-python-headless', 'jax'])
    assert got == ['mmengine 0.10.7 requires termcolor, which is not installed.',
                   'mmsegmentation 1.2.2 has requirement numpy<2, but you have numpy 2.5.2.']
    # without the headless build, opencv-python is unmet too
    got = wheelhouse.unmet_requirements(str(log), ours, ['jax'])
    assert got[0].startswith('mmengine 0.10.7 requires opencv-python') and len(got) == 3


def test_missing_requirements_read_from_a_real_pip_log(tmp_path):
    """pip with no index and an empty folder: what tools/install.sh reports as missing."""
    log = tmp_path / 'pip.log'
    (tmp_path / 'empty').mkdir()
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-index', '--find-links',
                               str(tmp_path / 'empty'), '-d', str(tmp_path / 'dl'), 'mmengine==0.10.7'],
                              stdout=f, stderr=subprocess.STDOUT, timeout=60)
    assert proc.returncode != 0
    wheelhouse = load_tool('tools/wheelhouse.py')
    assert wheelhouse.missing_requirements(str(log)) == ['mmengine==0.10.7']


def test_install_rejects_unknown_arguments():
    proc = install('--whels', 'x')
    assert proc.returncode == 2 and 'unknown argument --whels' in proc.stderr
    proc = install('--dry-run')
    assert proc.returncode == 2 and 'offline' in proc.stderr


@pytest.mark.slow
def test_gpu_check_cpu_dry_mode(tmp_path):
    """The check's stages on the CPU at the tiniest sizes, through the recipe runner; every
    stage run passes (2-process DDP is skipped: no GPUs) and the stage table (status, peak
    memory, samples/s) is printed and written as markdown and JSON.

    A subset of the stages (data, a training, pseudo-labels on the device, inference, the skip
    rule; ``--steps``: the others are skipped, nothing runs for them), to keep the suite fast;
    the whole dry mode (14 stages) takes minutes on 2 cores: ``bash tools/gpu_check.sh --cpu``."""
    work = tmp_path / 'check'
    steps = ['data', 'segmenter_train', 'pseudo_label', 'maskspace_train', 'infer', 'ddp2_train']
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--cpu', '--work-dir', str(work),
                           '--steps', *steps], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHON=sys.executable, MUJOCO_GL='osmesa'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    res = json.loads((work / 'results.json').read_text())
    rows = {r['stage']: r for r in res['stages']}
    assert list(rows)[:4] == ['data', 'segmenter_train', 'segmenter_test', 'pseudo_label']
    assert len(rows) == 14
    assert rows['ddp2_train']['status'] == 'skipped'
    assert rows['ddp2_train']['detail'] == 'needs 2 GPUs, 0 visible'
    for name, r in rows.items():
        if name not in steps:
            assert r['status'] == 'skipped' and r['detail'] == 'not in --only', r
        elif name != 'ddp2_train':
            assert r['status'] == 'done' and r['seconds'] > 0, r
            assert r['peak_kind'] == 'RSS' and r['peak_mib'] > 100, r  # CUDA hidden
            if name != 'pseudo_label':  # videos, training samples (median iteration), videos
                assert r['samples_s'] > 0, r
    assert rows['data']['detail'] == 'rendered with MUJOCO_GL=osmesa'
    table = (work / 'results.md').read_text()
    assert '| stage | type | status | seconds | peak memory | samples/s | detail |' in table
    assert '| ddp2_train | TrainModel | skipped |' in table
    assert table.split('\n', 2)[2] in proc.stdout  # the same tables on the console
    assert (work / 'infer' / 'submission.pt').is_file()
    masks = list((work / 'data' / 'seg_masks' / 'unlabeled').glob('video_*/mask.npy'))
    assert [p.name for p in masks] == ['mask.npy']
