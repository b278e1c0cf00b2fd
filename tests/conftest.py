import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
FIXTURES = osp.join(ROOT, 'tests', 'fixtures')
sys.path.insert(0, FIXTURES)  # the toy plugin package
os.environ.setdefault('MUJOCO_GL', 'osmesa')

# Tiny generated videos: big enough for real objects, small enough to be quick.
TINY = dict(width=96, height=64)


def load_benchmark(name):
    """Import tools/benchmarks/<name>.py by its module name, as the scripts import each other
    and as their spawned benchmark processes will."""
    import importlib
    bench = osp.join(ROOT, 'tools', 'benchmarks')
    if bench not in sys.path:
        sys.path.insert(0, bench)
    return importlib.import_module(name)


def load_tool(path):
    """Import a tools/ script (path from the repository root) as a module, to call its
    ``main(argv)`` in the test's process (no interpreter start-up)."""
    import importlib.util
    name = 'tool_' + osp.splitext(path)[0].replace('/', '_').replace('-', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(*args, env=None, timeout=300, check=True):
    """Run a tools/ script as a user would; returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join([ROOT, FIXTURES, full_env.get('PYTHONPATH', '')])
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    """A generated data set: 4 train, 2 val, 2 hidden videos at 64 x 96."""
    from futureseg.datasets.synthetic import SyntheticVideoWriter
    root = str(tmp_path_factory.mktemp('synth'))
    writer = SyntheticVideoWriter(root, seed=7, hidden_truth=True, **TINY)
    writer.run(dict(train=4, val=2, hidden=2), workers=1, progress=False)
    return root
