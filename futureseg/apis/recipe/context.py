"""What stages share while a recipe runs: paths, earlier outputs (``{stage.key}``
templates) and the launcher that runs the tools as subprocesses with a console filter."""
import io
import os
import os.path as osp
import re
import subprocess
import sys
from typing import List, Optional, Sequence

import futureseg
from .base import REF, RecipeError

# the folder that holds the futureseg package the runner imported (a checkout or
# site-packages): the launched tools import the same one
_PACKAGE_PARENT = osp.dirname(osp.dirname(osp.abspath(futureseg.__file__)))


class RecipeContext:
    """Paths, the run's state and the launcher, handed to every stage's ``run``.

    Args:
        data_root (str): the data set's root (absolute).
        work_dir (str): the recipe's work dir (absolute).
        state (dict): the run's state (``recipe_state.json``), updated by the runner.
        python (str, optional): interpreter for the tools. Default: ``sys.executable``.
        quiet (bool): only the recipe's own lines on the console. Default: False.
    """

    def __init__(self, data_root: str, work_dir: str, state: dict, python: Optional[str] = None,
                 quiet: bool = False):
        self.data_root, self.work_dir, self.state = data_root, work_dir, state
        self.python = python or sys.executable
        self.quiet = quiet
        self.resume = False  # set per stage: True when continuing an interrupted run

    def outputs(self, name: str) -> dict:
        entry = self.state.get(name)
        if not entry or entry.get('status') != 'done':
            raise RecipeError(f'stage output {{{name}}} is used before stage {name!r} has finished')
        return entry['outputs']

    def resolve(self, value):
        """Fill ``{data_root}``, ``{work_dir}``, ``{stage}`` and ``{stage.key}`` in strings."""
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(v) for v in value)
        if not isinstance(value, str):
            return value

        def fill(m):
            name, key = m.group(1), m.group(2)
            if name in ('data_root', 'work_dir') and key is None:
                return getattr(self, name)
            outputs = self.outputs(name)
            key = key or 'main'
            if key == 'main':
                key = outputs.get('main')
            if key not in outputs:
                raise RecipeError(f'stage {name!r} has no output {key!r} (it has {sorted(outputs)})')
            return str(outputs[key])
        return REF.sub(fill, value)

    def stage_dir(self, name: str) -> str:
        path = osp.join(self.work_dir, name)
        os.makedirs(path, exist_ok=True)
        return path

    def launch(self, stage: str, module: str, args: Sequence, log_name: str = 'run.log',
               torchrun: Optional[List[str]] = None) -> str:
        """Run ``python -m MODULE ARGS`` (a ``futureseg.cli`` tool) in a subprocess (a
        killed run leaves the runner's state intact); the output goes to the console
        (filtered) and to ``<work_dir>/<stage>/<log_name>``.

        Args:
            stage (str): the stage's name (its folder holds the log).
            module (str): the module to run, e.g. ``'futureseg.cli.train'``.
            args (Sequence): its command line.
            log_name (str): the log's file name. Default: ``'run.log'``.
            torchrun (list[str], optional): torchrun options (``--nproc_per_node=2``...):
                start it through ``torch.distributed.run`` (one process per GPU).

        Returns:
            str: the log's path. Raises RecipeError (naming the log) on failure.
        """
        log_path = osp.join(self.stage_dir(stage), log_name)
        launcher = ['-m', 'torch.distributed.run', *torchrun] if torchrun else []
        cmd = [self.python, *launcher, '-m', module, *[str(a) for a in args]]
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        env['PYTHONPATH'] = os.pathsep.join(p for p in [_PACKAGE_PARENT, env.get('PYTHONPATH', '')] if p)
        with open(log_path, 'a') as log:
            log.write(f'$ {" ".join(cmd)}\n')
            log.flush()
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            # newline='' keeps progress bars' carriage returns, so they redraw in place
            for line in io.TextIOWrapper(proc.stdout, encoding='utf-8', errors='replace', newline=''):
                if line.endswith('\r'):
                    if not self.quiet:
                        sys.stdout.write(line)
                        sys.stdout.flush()
                    continue
                log.write(line)
                if not self.quiet and worth_showing(line):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            code = proc.wait()
        if code != 0:
            with open(log_path) as f:
                tail = ''.join(f.readlines()[-15:])
            raise RecipeError(f'stage {stage!r} failed (exit {code}); log: {log_path}\n{tail}')
        return log_path


def worth_showing(line: str) -> bool:
    """Keep the console readable: progress and results, not MMEngine's init dumps."""
    noisy = ('Initialized by', 'The value is the same', 'torch.Size(', 'Config:', 'System environment',
             'will be deprecated', 'is the alias of')
    if not line.strip() or line.startswith((' ', '\t', '(', '-')) or re.match(r'^\w+:\s*$', line):
        return False  # config dumps, hook tables, environment listings
    return not any(n in line for n in noisy)
