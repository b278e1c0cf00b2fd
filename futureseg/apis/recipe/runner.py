"""The recipe runner: builds the stages, decides which are stale and runs those in order,
keeping the state of the run in ``<work_dir>/recipe_state.json``."""
import os.path as osp
import time
from typing import Dict, Optional, Set

from futureseg.registry import RECIPE_STAGES
from futureseg.utils.io import write_json_atomic, write_text_atomic
from . import report
from .base import STATE_FILE, RecipeError, read_json
from .context import RecipeContext
from .data_stages import GenerateData

_RESERVED = ('data_root', 'work_dir')


class RecipeRunner:
    """Runs a recipe config's stages in order; see ``futureseg.apis.recipe``.

    A stage runs again when it has not finished, when a stage it depends on ran again, when
    its fingerprint changed (its settings, its resolved config's contents, the data root or
    a dependency's fingerprint) or when its outputs are gone. The data stages
    (GenerateData) are dependencies of every later stage.

    Args:
        cfg (Config | dict): the recipe: data_root, work_dir, stages (+ extra_stages), title.
        work_dir (str, optional): overrides the recipe's.
        data_root (str, optional): overrides the recipe's.
        python (str, optional): interpreter for the tools. Default: ``sys.executable``.
        quiet (bool): only the recipe's own lines on the console. Default: False.
    """

    def __init__(self, cfg, work_dir: Optional[str] = None, data_root: Optional[str] = None,
                 python: Optional[str] = None, quiet: bool = False):
        self.work_dir = osp.abspath(work_dir or cfg.get('work_dir') or 'work_dirs/recipe')
        self.data_root = osp.abspath(data_root or cfg['data_root'])
        self.title = cfg.get('title', 'recipe')
        # a recipe that inherits another adds its stages as extra_stages
        stages = list(cfg.get('stages') or []) + list(cfg.get('extra_stages') or [])
        if not stages:
            raise RecipeError('the recipe has no stages')
        self.stages, names = [], set()
        for s in stages:
            s = dict(s)
            name = s.get('name')
            if not name or name in names or name in _RESERVED:
                raise RecipeError(f'every stage needs a unique name (not data_root/work_dir); got {name!r}')
            names.add(name)
            self.stages.append(RECIPE_STAGES.build(s))
        self.deps: Dict[str, Set[str]] = {}
        data_stages = set()  # stages that (re)make the data set: every later stage uses it
        for st in self.stages:
            found = st.dependencies(names | set(_RESERVED)) - set(_RESERVED)
            if found - names:
                raise RecipeError(f'stage {st.name!r} refers to unknown stage(s) {sorted(found - names)}')
            self.deps[st.name] = found | data_stages
            if isinstance(st, GenerateData):
                data_stages.add(st.name)
        self.state_path = osp.join(self.work_dir, STATE_FILE)
        self.state = read_json(self.state_path) if osp.isfile(self.state_path) else {}
        self.ctx = RecipeContext(self.data_root, self.work_dir, self.state, python, quiet)

    def _log(self, msg: str):
        print(f'[recipe] {msg}', flush=True)

    def _why(self, stage, rerun: Set[str], ran_again: str = 'ran again'):
        """(why the stage must run or None, own fingerprint, full fingerprint). The
        fingerprints are None when a dependency is to run first (they cannot be known yet)."""
        entry = self.state.get(stage.name, {})
        if entry.get('status') != 'done':
            return ('not run yet' if not entry else f'unfinished ({entry.get("status")})'), None, None
        if self.deps[stage.name] & rerun:
            return f'{", ".join(sorted(self.deps[stage.name] & rerun))} {ran_again}', None, None
        own, full = self._fingerprints(stage)
        if entry.get('own_fingerprint', entry.get('fingerprint')) != own:
            return 'its config changed', own, full
        if entry.get('fingerprint') != full:
            return 'a stage it depends on changed', own, full
        if not stage.outputs_exist(entry.get('outputs', {})):
            return 'its outputs are gone', own, full
        return None, own, full

    def _fingerprints(self, stage):
        own = stage.own_fingerprint(self.ctx)
        deps = {d: self.state.get(d, {}).get('fingerprint') for d in sorted(self.deps[stage.name])}
        return own, stage.fingerprint(self.ctx, own, deps)

    def plan(self) -> Dict[str, Optional[str]]:
        """What ``run()`` would do, without running anything: {stage: why it would run, or
        None when it would be skipped}, in order."""
        stale, plan = set(), {}
        for stage in self.stages:
            plan[stage.name] = self._why(stage, stale, 'will run again')[0]
            if plan[stage.name]:
                stale.add(stage.name)
        return plan

    def run(self) -> dict:
        """Run the stale stages in order; write and print the table. Returns ``results()``."""
        rerun = set()
        t_all = time.time()
        for stage in self.stages:
            why, own, fingerprint = self._why(stage, rerun)
            if why is None:
                self._log(f'{stage.name}: done, skipped')
                continue
            if fingerprint is None:  # its dependencies have run now
                own, fingerprint = self._fingerprints(stage)
            self._log(f'{stage.name} ({type(stage).__name__}): running ({why})')
            entry = self.state.get(stage.name, {})
            # an interrupted run of the same stage config continues where it stopped
            self.ctx.resume = (entry.get('status') == 'running'
                               and entry.get('fingerprint') == fingerprint)
            self.state[stage.name] = dict(status='running', fingerprint=fingerprint,
                                          own_fingerprint=own, started=time.time())
            write_json_atomic(self.state_path, self.state)
            t0 = time.time()
            outputs = stage.run(self.ctx)
            self.state[stage.name] = dict(status='done', type=type(stage).__name__,
                                          fingerprint=fingerprint, own_fingerprint=own,
                                          outputs=outputs, seconds=round(time.time() - t0, 1))
            write_json_atomic(self.state_path, self.state)
            rerun.add(stage.name)
            self._log(f'{stage.name}: done in {time.time() - t0:.0f} s')
        table = self.table()
        res = self.results()
        extra = [report.frame_scores_text(res), report.gap_text(res), report.seconds_text(res)]
        table = '\n\n'.join([table] + [e for e in extra if e])
        write_text_atomic(osp.join(self.work_dir, 'results.md'), f'# {self.title}\n\n{table}\n')
        write_json_atomic(osp.join(self.work_dir, 'results.json'), self.results())
        print(f'\n{self.title}: Jaccard on {self.results_split()} (data: {self.data_root})\n{table}',
              flush=True)
        self._log(f'finished in {time.time() - t_all:.0f} s; table in {self.work_dir}/results.md')
        return self.results()

    def results_split(self) -> str:
        return 'val'

    def results(self) -> dict:
        return report.results([s.name for s in self.stages], self.state)

    def table(self) -> str:
        """Markdown table: one row per score, with the seen / new-object IoU and stage time."""
        return report.table(self.results())
