"""What stages share while a recipe runs: paths, earlier outputs (``{stage.key}``
templates) and the launcher that runs the tools as subprocesses with a console filter."""
import glob
import io
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

import futureseg
from .base import REF, RecipeError, StageTimeout, read_json

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
        env (dict, optional): extra environment of the launched tools. Default: None.
    """

    def __init__(self, data_root: str, work_dir: str, state: dict, python: Optional[str] = None,
                 quiet: bool = False, env: Optional[Dict[str, str]] = None):
        self.data_root, self.work_dir, self.state = data_root, work_dir, state
        self.python = python or sys.executable
        self.quiet = quiet
        self.env = {k: str(v) for k, v in (env or {}).items()}
        self.resume = False  # set per stage: True when continuing an interrupted run
        self.begin_stage()

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

    def begin_stage(self, deadline: Optional[float] = None):
        """Start a stage's bookkeeping: its tools are killed at ``deadline`` (``time.time()``
        seconds; None: no limit) and their peak memory is collected from here on."""
        self.deadline, self.measures, self._launches = deadline, [], 0

    def peak_memory(self) -> Tuple[Optional[float], Optional[str]]:
        """(MiB, kind) of the stage's launches so far: the largest ``torch.cuda`` allocation
        ('GPU allocated') when a tool used CUDA, else the largest resident set of a tool or
        of a process it started ('RSS'); (None, None) for a stage that launched nothing."""
        gpu = [m['cuda_peak_allocated_mib'] for m in self.measures
               if m.get('cuda_peak_allocated_mib') is not None]
        if gpu:
            return round(max(gpu), 1), 'GPU allocated'
        rss = [m.get(k) or 0 for m in self.measures
               for k in ('max_rss_mib', 'children_max_rss_mib')]
        return (round(max(rss), 1), 'RSS') if rss else (None, None)

    def launch(self, stage: str, module: str, args: Sequence, log_name: str = 'run.log',
               torchrun: Optional[List[str]] = None, env: Optional[Dict[str, str]] = None) -> str:
        """Run ``python -m MODULE ARGS`` (a ``futureseg.cli`` tool; or ``python SCRIPT ARGS``
        for a path ending in ``.py``) in a subprocess (a killed run leaves the runner's state
        intact), under ``futureseg.cli.run_measured`` (its peak memory goes to
        ``peak_memory()``); the output goes to the console (filtered) and to
        ``<work_dir>/<stage>/<log_name>``. Past the stage's deadline (``begin_stage``) the
        tool and every process it started are killed.

        Args:
            stage (str): the stage's name (its folder holds the log).
            module (str): the module to run, e.g. ``'futureseg.cli.train'``, or a script.
            args (Sequence): its command line.
            log_name (str): the log's file name. Default: ``'run.log'``.
            torchrun (list[str], optional): torchrun options (``--nproc_per_node=2``...):
                start it through ``torch.distributed.run``.
            env (dict, optional): environment of this launch, over the recipe's ``env``.

        Returns:
            str: the log's path. Raises RecipeError (naming the log) on failure,
            StageTimeout past the deadline.
        """
        log_path = osp.join(self.stage_dir(stage), log_name)
        measure = osp.join(self.stage_dir(stage), 'measure',
                           f'{osp.splitext(log_name)[0]}.{self._launches}.json')
        self._launches += 1
        for old in glob.glob(osp.splitext(measure)[0] + '*.json'):  # an earlier attempt's
            os.remove(old)
        launcher = ['-m', 'torch.distributed.run', *torchrun] if torchrun else []
        tool = [osp.abspath(module)] if module.endswith('.py') else ['-m', module]
        cmd = [self.python, *launcher, '-m', 'futureseg.cli.run_measured', measure, *tool,
               *[str(a) for a in args]]
        full_env = dict(os.environ, PYTHONUNBUFFERED='1', **self.env, **(env or {}))
        full_env['PYTHONPATH'] = os.pathsep.join(
            p for p in [_PACKAGE_PARENT, full_env.get('PYTHONPATH', '')] if p)
        limit = None if self.deadline is None else self.deadline - time.time()
        if limit is not None and limit <= 0:
            raise StageTimeout(f'stage {stage!r}: no time left for {module}')
        killed = threading.Event()
        with open(log_path, 'a') as log:
            extra = ''.join(f'{k}={v} ' for k, v in (env or {}).items())
            log.write(f'$ {extra}{" ".join(cmd)}\n')
            log.flush()
            proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)

            def kill():
                killed.set()
                kill_tree(proc.pid)
            timer = threading.Timer(limit, kill) if limit is not None else None
            try:
                if timer:
                    timer.start()
                self._relay(proc, log)
                code = proc.wait()
            except BaseException:  # Ctrl-C: the tool (and e.g. its torchrun ranks) goes too
                kill_tree(proc.pid)
                raise
            finally:
                if timer:
                    timer.cancel()
        for path in sorted(glob.glob(osp.splitext(measure)[0] + '*.json')):
            self.measures.append(read_json(path))
        if code != 0:
            with open(log_path, errors='replace') as f:
                tail = ''.join(f.readlines()[-15:])
            if killed.is_set():
                raise StageTimeout(f'stage {stage!r} timed out after {limit:.0f} s (killed); '
                                   f'log: {log_path}\n{tail}')
            raise RecipeError(f'stage {stage!r} failed (exit {code}); log: {log_path}\n{tail}')
        return log_path

    def _relay(self, proc, log):
        """The tool's output to its log, and (filtered) to the console."""
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


def kill_tree(pid: int):
    """SIGKILL a process and every process it started (children, grandchildren: dataloader
    workers, torchrun's ranks), found through /proc. The tool stays in the runner's process
    group, so that a kill of the runner's group (Ctrl-C, a job's time limit) ends it too."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir('/proc') if osp.isdir('/proc') else []:
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            tree.append(child)
            todo.append(child)
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def worth_showing(line: str) -> bool:
    """Keep the console readable: progress and results, not MMEngine's init dumps."""
    noisy = ('Initialized by', 'The value is the same', 'torch.Size(', 'Config:', 'System environment',
             'will be deprecated', 'is the alias of')
    if not line.strip() or line.startswith((' ', '\t', '(', '-')) or re.match(r'^\w+:\s*$', line):
        return False  # config dumps, hook tables, environment listings
    return not any(n in line for n in noisy)
