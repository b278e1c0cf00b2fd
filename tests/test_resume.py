"""A run killed (SIGKILL) after a checkpoint and resumed ends with exactly the weights of an
uninterrupted run (issue #20): epoch-based with random transforms and iteration-based with 2
loader workers, both through tools/train.py --resume (what tools/run_recipe.py launches for a
killed training: tests/test_recipe.py)."""
import os
import os.path as osp
import pickle
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import FIXTURES, ROOT

MASKSPACE = osp.join(FIXTURES, 'maskspace_tiny_preemptible.py')  # 4 epochs, killed after 2
SEGMENTER = osp.join(FIXTURES, 'deeplabv3_tiny_preemptible.py')  # 8 iterations, killed after 3


def train(config, work_dir, data_root, *extra, preempt=None):
    """tools/train.py in its own process group (the preemption hook kills the whole group);
    with ``preempt`` (a marker file) the config's SimulatedPreemption hook fires once."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, FIXTURES, os.environ.get('PYTHONPATH', '')]))
    env.pop('FUTURESEG_TEST_PREEMPT', None)
    if preempt is not None:
        env['FUTURESEG_TEST_PREEMPT'] = str(preempt)
    roots = [f'{loader}.dataset.data_root={data_root}' for loader in ('train_dataloader', 'val_dataloader')]
    return subprocess.run([sys.executable, 'tools/train.py', config, '--work-dir', str(work_dir),
                           '--cfg-options', *roots, *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, start_new_session=True)


def output(proc):
    return f'exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'


def weights(path):
    from futureseg.engine.checkpoint import load_from_local
    return load_from_local(str(path), 'cpu')['state_dict']


def assert_same_weights(path_a, path_b):
    a, b = weights(path_a), weights(path_b)
    assert a.keys() == b.keys()
    differ = {k: float((a[k].double() - b[k].double()).abs().max()) for k in a if not torch.equal(a[k], b[k])}
    assert not differ, f'{len(differ)} of {len(a)} tensors differ, e.g. {sorted(differ.items())[:3]}'


def kill_and_resume(config, work_dir, data_root, killed_ckpt, next_ckpt, tmp_path):
    marker = tmp_path / 'preempted'
    proc = train(config, work_dir, data_root, preempt=marker)
    assert proc.returncode == -signal.SIGKILL and marker.exists(), output(proc)
    assert osp.isfile(osp.join(work_dir, killed_ckpt)) and not osp.exists(osp.join(work_dir, next_ckpt))
    proc = train(config, work_dir, data_root, '--resume', preempt=marker)
    assert proc.returncode == 0, output(proc)
    log = proc.stdout + proc.stderr
    assert 'random generators restored from iteration' in log, log[-3000:]
    assert 'RandomStateHook: ' not in log.replace('RandomStateHook: random generators restored', ''), log[-3000:]
    return log


@pytest.mark.slow
def test_epoch_based_run_killed_after_epoch_2_ends_as_uninterrupted(tiny_dataset, tmp_path):
    straight = tmp_path / 'straight'
    proc = train(MASKSPACE, straight, tiny_dataset)
    assert proc.returncode == 0, output(proc)
    work = tmp_path / 'killed'
    kill_and_resume(MASKSPACE, work, tiny_dataset, 'epoch_2.pth', 'epoch_3.pth', tmp_path)
    assert_same_weights(straight / 'epoch_4.pth', work / 'epoch_4.pth')
    # what the checkpoint holds loads under the weights-only rules
    from futureseg.engine.checkpoint import load_from_local
    state = load_from_local(str(work / 'epoch_2.pth'), 'cpu')['random_state']
    assert isinstance(state['torch'], torch.Tensor) and isinstance(state['numpy'][1], np.ndarray)
    assert state['num_workers'] == 0 and state['world_size'] == 1 and state['per_sample_seeds']


@pytest.mark.slow
def test_iter_based_run_with_2_workers_killed_mid_epoch(tiny_dataset, tmp_path):
    """The segmenter's iteration-based run with 2 persistent loader workers, killed (its
    whole process group, the workers with it) after iteration 3 of the 6 a pass over the 24
    frames takes (mid-epoch), resumed with tools/train.py --resume: what the recipe runner
    launches for a killed TrainModel stage (tests/test_recipe.py checks that it does)."""
    straight = tmp_path / 'straight'
    proc = train(SEGMENTER, straight, tiny_dataset)
    assert proc.returncode == 0, output(proc)
    work = tmp_path / 'killed'
    log = kill_and_resume(SEGMENTER, work, tiny_dataset, 'iter_3.pth', 'iter_6.pth', tmp_path)
    assert 'random generators restored from iteration 3' in log
    assert 'Advance dataloader 3 steps' in log  # MMEngine re-reads the batches trained before
    assert_same_weights(straight / 'iter_8.pth', work / 'iter_8.pth')


def test_sample_seeds_do_not_depend_on_workers_or_history():
    """The samplers' seeds: the same for a sample whatever process loads it, a resumed
    sampler continues the same seeds, and a seeded block leaves the caller's streams alone."""
    from mmengine.dataset import DefaultSampler

    from futureseg.datasets import SeededDefaultSampler, SeededIndex, SeededInfiniteSampler
    from futureseg.utils.random_state import get_random_state, seeded_random_state
    data = list(range(10))
    sampler = SeededDefaultSampler(data, seed=3)
    sampler.set_epoch(1)
    seeded = list(sampler)
    plain = DefaultSampler(data, seed=3)
    plain.set_epoch(1)
    assert seeded == list(plain)  # the same order as MMEngine's
    assert len({s.seed for s in seeded}) == 10
    sampler.set_epoch(2)
    assert [s.seed for s in sampler] != [s.seed for s in seeded]
    again = pickle.loads(pickle.dumps(seeded))  # as sent to a worker
    assert [(int(s), s.seed) for s in again] == [(int(s), s.seed) for s in seeded]
    assert isinstance(again[0], SeededIndex)
    infinite = iter(SeededInfiniteSampler(data, seed=3))
    first = [next(infinite) for _ in range(25)]
    assert sorted(first[:10]) == data and sorted(first[10:20]) == data
    assert len({s.seed for s in first}) == 25

    np.random.seed(5)
    before = get_random_state()
    with seeded_random_state(first[0].seed):
        a = (np.random.rand(), torch.rand(1))
    with seeded_random_state(first[0].seed):
        np.random.rand(3)  # whatever drew before in the same process
    with seeded_random_state(first[0].seed):
        b = (np.random.rand(), torch.rand(1))
    assert a[0] == b[0] and torch.equal(a[1], b[1])
    after = get_random_state()
    assert torch.equal(before['torch'], after['torch']) and np.array_equal(before['numpy'][1], after['numpy'][1])


def test_hook_restores_streams_warns_on_other_settings_and_validation_draws_nothing(monkeypatch):
    """RandomStateHook on a stand-in runner: what a checkpoint holds comes back at resume,
    a resume with other world size / loader workers warns, validation leaves the streams."""
    from types import SimpleNamespace

    from torch.utils.data import DataLoader

    from futureseg.datasets import SeededDefaultSampler
    from futureseg.engine import RandomStateHook
    from futureseg.engine import random_state as hook_module
    warnings = []
    monkeypatch.setattr(hook_module, '_warn', warnings.append)
    class Dataset(list):
        accepts_sample_seeds = True  # as futureseg's datasets (SeededSamplesMixin)
    data = Dataset(range(8))
    loader = DataLoader(data, batch_size=2, sampler=SeededDefaultSampler(data, seed=0))
    runner = SimpleNamespace(seed=0, iter=0, train_loop=SimpleNamespace(dataloader=loader))
    hook = RandomStateHook()
    hook.before_train(runner)
    assert loader.generator is not None  # iterators no longer draw from the main generator
    np.random.seed(1)
    torch.manual_seed(1)
    checkpoint = dict(meta=dict(iter=4))
    hook.before_save_checkpoint(runner, checkpoint)
    hook.before_val(runner)
    np.random.rand(5), torch.rand(5)  # validation's draws
    hook.after_val(runner)
    expected = (np.random.rand(), torch.rand(1))  # as if validation had drawn nothing
    np.random.seed(1)
    torch.manual_seed(1)
    assert np.random.rand() == expected[0] and torch.equal(torch.rand(1), expected[1])

    np.random.seed(2)  # a fresh start ...
    torch.manual_seed(2)
    runner.iter = 4  # ... resumed at the checkpoint's iteration
    hook.after_load_checkpoint(runner, checkpoint)
    hook.before_train_epoch(runner)
    assert np.random.rand() == expected[0] and torch.equal(torch.rand(1), expected[1])
    assert warnings == []

    checkpoint['random_state'].update(world_size=2, num_workers=4)
    hook.after_load_checkpoint(runner, checkpoint)
    hook.before_train_epoch(runner)
    assert any('world size' in w for w in warnings) and any('loader workers: 4' in w for w in warnings)
    # load_from (initial weights for a new run) restores nothing
    warnings.clear()
    runner.iter = 0
    hook.after_load_checkpoint(runner, checkpoint)
    state = np.random.get_state()[1].copy()
    hook.before_train_epoch(runner)
    assert warnings == [] and np.array_equal(np.random.get_state()[1], state)
