"""Foundation: registries, plugins, train/test tools, checkpoint resume under torch >= 2.6."""
import os.path as osp
import re
import textwrap

import pytest
import torch
from mmengine.config import Config

from conftest import ROOT, run_tool


def test_registries_are_children_of_mmengine():
    from mmengine.registry import MODELS as ROOT_MODELS

    from futureseg.registry import FILTERS, MODELS, POSTPROCESSORS
    assert MODELS.scope == 'futureseg' and MODELS.parent is ROOT_MODELS
    assert FILTERS.scope == POSTPROCESSORS.scope == 'futureseg'


def test_mmseg_components_build_across_scopes():
    import mmseg.models  # noqa: F401  needs mmcv's compiled ops

    from futureseg.registry import MODELS
    from futureseg.apis import register_all_modules
    register_all_modules()
    head = MODELS.build(dict(type='mmseg.ASPPHead', in_channels=8, channels=4, dilations=(1, 2),
                             num_classes=49, in_index=0))
    out = head([torch.randn(1, 8, 16, 16)])
    assert out.shape == (1, 49, 16, 16)


def test_plugin_through_custom_imports(tmp_path, monkeypatch):
    pkg = tmp_path / 'my_throwaway_plugin'
    pkg.mkdir()
    (pkg / '__init__.py').write_text(textwrap.dedent('''
        import torch
        from mmengine.model import BaseModel
        from futureseg.registry import MODELS

        @MODELS.register_module()
        class ThrowawayNet(BaseModel):
            def __init__(self, width=3):
                super().__init__()
                self.fc = torch.nn.Linear(width, 1)

            def forward(self, inputs, data_samples=None, mode='tensor'):
                return self.fc(inputs)
    '''))
    (tmp_path / 'cfg.py').write_text(
        "custom_imports = dict(imports=['my_throwaway_plugin'], allow_failed_imports=False)\n"
        "model = dict(type='ThrowawayNet', width=5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from futureseg.registry import MODELS
    cfg = Config.fromfile(str(tmp_path / 'cfg.py'))
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'ThrowawayNet' and model.fc.in_features == 5


@pytest.mark.slow
def test_train_checkpoint_resume(tmp_path):
    """2 epochs, then --resume to epoch 4; optimizer state and epoch counter come back."""
    work = str(tmp_path / 'work')
    cfg = osp.join('tests', 'fixtures', 'toy_train.py')
    run_tool('tools/train.py', cfg, '--work-dir', work)
    ckpt2 = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(ckpt2)
    resume_cfg = tmp_path / 'resume_cfg.py'  # same run, plus a hook that records the resumed state
    resume_cfg.write_text(f"_base_ = [{osp.join(ROOT, cfg)!r}]\n"
                          "custom_hooks = [dict(type='RecordResumedState')]\n")
    run_tool('tools/train.py', str(resume_cfg), '--work-dir', work, '--resume',
             '--cfg-options', 'train_cfg.max_epochs=4')
    # the hook saved what the runner held right after resuming
    seen = torch.load(osp.join(work, 'resumed_state.pth'), weights_only=True)
    from mmengine.runner.checkpoint import CheckpointLoader
    saved = CheckpointLoader.load_checkpoint(ckpt2)
    assert seen['epoch'] == 2 and saved['meta']['epoch'] == 2
    state_saved = saved['optimizer']['state']
    assert state_saved, 'Adam state should be in the checkpoint'
    for key, s in state_saved.items():
        for name in ('exp_avg', 'exp_avg_sq'):
            assert torch.equal(seen['optimizer']['state'][key][name], s[name])
    final = CheckpointLoader.load_checkpoint(osp.join(work, 'epoch_4.pth'))
    assert final['meta']['epoch'] == 4
    # explicit checkpoint path form, from epoch 2 again, to epoch 3
    run_tool('tools/train.py', cfg, '--work-dir', str(tmp_path / 'work2'), '--resume', ckpt2,
             '--cfg-options', 'train_cfg.max_epochs=3')
    assert osp.isfile(tmp_path / 'work2' / 'epoch_3.pth')
    # test.py evaluates the checkpoint and dumps predictions
    out = run_tool('tools/test.py', cfg, osp.join(work, 'epoch_4.pth'), '--work-dir', work,
                   '--out', str(tmp_path / 'preds.pkl'))
    assert 'mse' in out.stdout + out.stderr and osp.isfile(tmp_path / 'preds.pkl')


class NotAllowed:
    pass


class SneakyGetattr:
    """Pickles as getattr(HistoryBuffer, '__init__'): getattr is only allowed for the
    buffer's statistic methods."""

    def __reduce__(self):
        from mmengine.logging.history_buffer import HistoryBuffer
        return getattr, (HistoryBuffer, '__init__')


def test_checkpoint_with_forbidden_type_fails_clearly(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader

    from futureseg.engine import UnsafeCheckpointError
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': {'payload': NotAllowed()}}, path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        CheckpointLoader.load_checkpoint(path)
    sneaky = str(tmp_path / 'sneaky.pth')
    torch.save({'meta': {'x': SneakyGetattr()}}, sneaky)
    with pytest.raises(UnsafeCheckpointError, match='sneaky.pth'):
        CheckpointLoader.load_checkpoint(sneaky)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))
    truncated = tmp_path / 'trunc.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, str(truncated))
    truncated.write_bytes(truncated.read_bytes()[:100])
    with pytest.raises(RuntimeError, match='trunc.pth'):
        CheckpointLoader.load_checkpoint(str(truncated))


def test_cli_errors_name_the_problem(tmp_path):
    proc = run_tool('tools/train.py', 'configs/nope.py', check=False)
    assert proc.returncode != 0 and 'configs/nope.py' in proc.stderr
    bad = tmp_path / 'typo.py'
    bad.write_text(open(osp.join(ROOT, 'tests', 'fixtures', 'toy_train.py')).read().replace(
        "'../../configs/_base_/default_runtime.py'", repr(osp.join(ROOT, 'configs/_base_/default_runtime.py')))
        .replace("type='ToyRegressor'", "type='ToyRegresor'"))
    proc = run_tool('tools/train.py', str(bad), '--work-dir', str(tmp_path / 'w'), check=False)
    assert proc.returncode != 0 and 'ToyRegresor' in proc.stderr
    proc = run_tool('tools/test.py', 'tests/fixtures/toy_train.py', str(tmp_path / 'none.pth'), check=False)
    assert proc.returncode != 0 and 'none.pth' in proc.stderr


@pytest.mark.slow
def test_dist_train_and_test_two_cpu_processes(tmp_path):
    """tools/dist_train.sh and tools/dist_test.sh run MMEngine's DDP under torchrun; on CPU
    over gloo."""
    import os
    import subprocess
    import sys

    from conftest import FIXTURES
    env = dict(os.environ, PYTHON=sys.executable, PORT='29517',
               PYTHONPATH=os.pathsep.join([ROOT, FIXTURES]))
    work = str(tmp_path / 'dist')
    proc = subprocess.run(['bash', 'tools/dist_train.sh', 'tests/fixtures/toy_train.py', '2',
                           '--work-dir', work], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'Distributed training: True' in proc.stdout + proc.stderr
    # gloo threads outliving the interpreter abort at exit unless the group is destroyed
    assert 'terminate called' not in proc.stderr
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    # the trained weights tested by 2 processes: the metric gathered over both halves
    proc = subprocess.run(['bash', 'tools/dist_test.sh', 'tests/fixtures/toy_train.py',
                           osp.join(work, 'epoch_2.pth'), '2', '--work-dir', str(tmp_path / 'test')],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert 'Distributed training: True' in out and re.search(r'mse: [0-9.]+', out), out[-2000:]
    assert 'terminate called' not in proc.stderr
