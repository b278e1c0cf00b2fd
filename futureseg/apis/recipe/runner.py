"""The recipe runner: builds the stages, decides which are stale and runs those in order,
keeping the state of the run in ``<work_dir>/recipe_state.json``."""
import copy
import os.path as osp
import time
from typing import Dict, Optional, Sequence, Set

from mmengine.config import Config

from futureseg.registry import RECIPE_STAGES
from futureseg.utils.io import write_json_atomic, write_text_atomic
from . import report
from .base import STATE_FILE, RecipeError, StageTimeout, read_json
from .context import RecipeContext
from .data_stages import GenerateData

_RESERVED = ('data_root', 'work_dir')
ON_FAILURE = ('stop', 'continue')


def visible_gpus(env: Dict[str, str]) -> int:
    """CUDA devices the launched tools will see: this process's, narrowed by a
    ``CUDA_VISIBLE_DEVICES`` in the recipe's ``env`` (``''``: none)."""
    import torch
    count = torch.cuda.device_count()
    if 'CUDA_VISIBLE_DEVICES' in env:
        ids = [d for d in str(env['CUDA_VISIBLE_DEVICES']).split(',') if d.strip()]
        count = min(count, len(ids))
    return count


class RecipeRunner:
    """Runs a recipe config's stages in order; see ``futureseg.apis.recipe``.

    A stage runs again when it has not finished, when a stage it depends on ran again, when
    its fingerprint changed (its settings, its resolved config's contents, the data root or
    a dependency's fingerprint) or when its outputs are gone. The data stages
    (GenerateData) are dependencies of every later stage.

    Recipe keys besides the stages: ``on_failure`` ('stop', the default: a failing stage
    ends the run with a RecipeError, its state left 'running'; 'continue': it is recorded
    'failed' or 'timeout', the stages that depend on it 'skipped', and the others run),
    ``budget`` (seconds for the whole run: each stage's time is capped by what is left, a
    stage with none left is skipped), ``env`` (extra environment of the launched tools; not
    fingerprinted) and ``stage_overrides`` (dict stage name -> settings merged into that
    stage, as a child config merges dicts: how a child recipe changes inherited stages).
    Every stage takes ``timeout`` (seconds; its tools are killed after it) and
    ``requires_gpus`` (skipped when fewer CUDA devices are visible), neither fingerprinted.

    Args:
        cfg (Config | dict): the recipe: data_root, work_dir, stages (+ extra_stages), title,
            and the keys above.
        work_dir (str, optional): overrides the recipe's.
        data_root (str, optional): overrides the recipe's.
        python (str, optional): interpreter for the tools. Default: ``sys.executable``.
        quiet (bool): only the recipe's own lines on the console. Default: False.
        only (Sequence[str], optional): run only these stages (when stale); the others are
            skipped, their dependencies not run for them (their finished outputs are used).
            Default: None (all).
    """

    def __init__(self, cfg, work_dir: Optional[str] = None, data_root: Optional[str] = None,
                 python: Optional[str] = None, quiet: bool = False,
                 only: Optional[Sequence[str]] = None):
        self.work_dir = osp.abspath(work_dir or cfg.get('work_dir') or 'work_dirs/recipe')
        self.data_root = osp.abspath(data_root or cfg['data_root'])
        self.title = cfg.get('title', 'recipe')
        self.on_failure = cfg.get('on_failure') or 'stop'
        if self.on_failure not in ON_FAILURE:
            raise RecipeError(f'on_failure must be one of {ON_FAILURE}, got {self.on_failure!r}')
        self.budget = cfg.get('budget')
        env = dict(cfg.get('env') or {})
        # a recipe that inherits another adds its stages as extra_stages
        stages = list(cfg.get('stages') or []) + list(cfg.get('extra_stages') or [])
        if not stages:
            raise RecipeError('the recipe has no stages')
        overrides = dict(cfg.get('stage_overrides') or {})
        self.stages, names = [], set()
        for s in stages:
            s = dict(s)
            name = s.get('name')
            if not name or name in names or name in _RESERVED:
                raise RecipeError(f'every stage needs a unique name (not data_root/work_dir); got {name!r}')
            if name in overrides:  # MMEngine's merge: dicts merged key by key, the rest replaced
                merged = Config(dict(stage=copy.deepcopy(s)))
                merged.merge_from_dict(dict(stage=overrides.pop(name)))
                s = merged.to_dict()['stage']
            names.add(name)
            self.stages.append(RECIPE_STAGES.build(s))
        if overrides:
            raise RecipeError(f'stage_overrides names unknown stage(s) {sorted(overrides)}')
        self.only = set(only) if only else None
        if self.only and self.only - names:
            raise RecipeError(f'--only names unknown stage(s) {sorted(self.only - names)}; '
                              f'the stages: {" ".join(st.name for st in self.stages)}')
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
        self.ctx = RecipeContext(self.data_root, self.work_dir, self.state, python, quiet, env)
        self.outcomes: Dict[str, dict] = {}  # this run's: {stage: dict(status, detail)}

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

    def _blocked(self, stage, not_ok: Dict[str, str]) -> Optional[str]:
        """Why a stage cannot run this time: a stage it depends on failed or was skipped, or
        (with ``only``) has not finished; None when it can."""
        bad = sorted(self.deps[stage.name] & set(not_ok))
        if bad:
            return 'needs ' + ', '.join(f'{d} ({not_ok[d]})' for d in bad)
        if self.only is not None:
            missing = sorted(d for d in self.deps[stage.name] - self.only
                             if self.state.get(d, {}).get('status') != 'done')
            if missing:
                return f'needs {", ".join(missing)}, not finished (not in --only)'
        return None

    def _unrunnable(self, stage, left: Optional[float]) -> Optional[str]:
        """Why a stale stage is not run here: too few GPUs, no time left; or None."""
        need = stage.cfg.get('requires_gpus')
        if need and visible_gpus(self.ctx.env) < need:
            return f'needs {need} GPUs, {visible_gpus(self.ctx.env)} visible'
        if left is not None and left < 1:
            return 'no time left in the budget'
        return None

    def _record(self, stage, status: str, detail: str = '', **entry):
        """This run's outcome of a stage; a stage that did not finish is written to the
        state too (it runs again next time)."""
        self.outcomes[stage.name] = dict(status=status, detail=detail)
        if status != 'done':
            self.state[stage.name] = dict(entry, status=status, type=type(stage).__name__,
                                          detail=detail)
            write_json_atomic(self.state_path, self.state)
        self._log(f'{stage.name}: {status}' + (f' ({detail.splitlines()[0]})' if detail else ''))

    def _fail(self, stage, err: Exception, not_ok: Dict[str, str], **entry):
        """A stage that raised: with on_failure='stop' the error ends the run (the stage's
        state left as it was); with 'continue' it is recorded 'failed' or 'timeout'."""
        if self.on_failure == 'stop':
            raise err
        status = 'timeout' if isinstance(err, StageTimeout) else 'failed'
        not_ok[stage.name] = status
        detail = str(err) if isinstance(err, RecipeError) else f'{type(err).__name__}: {err}'
        self._record(stage, status, detail, **entry)

    def run(self) -> dict:
        """Run the stale stages in order; write and print the tables. Returns ``results()``."""
        rerun, not_ok = set(), {}
        t_all = time.time()
        self.outcomes = {}
        for stage in self.stages:
            if self.only is not None and stage.name not in self.only:
                self.outcomes[stage.name] = dict(status='skipped', detail='not in --only')
                continue
            skip = self._blocked(stage, not_ok)
            try:  # resolving its config: a missing file is this stage's failure
                why, own, fingerprint = self._why(stage, rerun) if not skip else ('', None, None)
                if not skip and why is not None and fingerprint is None:
                    own, fingerprint = self._fingerprints(stage)  # its dependencies have run
            except Exception as err:  # noqa: BLE001 - recorded, the run goes on
                self._fail(stage, err, not_ok)
                continue
            if why is None:
                self.outcomes[stage.name] = dict(status='done', detail='finished in an earlier run')
                self._log(f'{stage.name}: done, skipped')
                continue
            left = None if self.budget is None else self.budget - (time.time() - t_all)
            skip = skip or self._unrunnable(stage, left)
            if skip:
                not_ok[stage.name] = 'skipped'
                self._record(stage, 'skipped', skip)
                continue
            self._log(f'{stage.name} ({type(stage).__name__}): running ({why})')
            entry = self.state.get(stage.name, {})
            # an interrupted (or timed-out) run of the same stage config continues where it
            # stopped
            self.ctx.resume = (entry.get('status') in ('running', 'timeout')
                               and entry.get('fingerprint') == fingerprint)
            self.state[stage.name] = dict(status='running', fingerprint=fingerprint,
                                          own_fingerprint=own, started=time.time())
            write_json_atomic(self.state_path, self.state)
            limits = [t for t in (stage.cfg.get('timeout'), left) if t is not None]
            t0 = time.time()
            self.ctx.begin_stage(t0 + min(limits) if limits else None)
            try:
                outputs = stage.run(self.ctx)
            except Exception as err:  # noqa: BLE001 - recorded, the run goes on
                peak, kind = self.ctx.peak_memory()
                self._fail(stage, err, not_ok, fingerprint=fingerprint, own_fingerprint=own,
                           seconds=round(time.time() - t0, 1), peak_mib=peak, peak_kind=kind)
                continue
            seconds = round(time.time() - t0, 1)
            peak, kind = self.ctx.peak_memory()
            if outputs.get('peak_mib') is not None:  # measured by the tool itself (benchmarks)
                peak, kind = outputs['peak_mib'], outputs.get('peak_kind')
            rate = outputs.get('samples_s')
            if rate is None and outputs.get('samples'):
                rate = outputs['samples'] / max(seconds, 1e-3)
            self.state[stage.name] = dict(status='done', type=type(stage).__name__,
                                          fingerprint=fingerprint, own_fingerprint=own,
                                          outputs=outputs, seconds=seconds, peak_mib=peak,
                                          peak_kind=kind,
                                          samples_s=None if rate is None else round(rate, 2))
            write_json_atomic(self.state_path, self.state)
            rerun.add(stage.name)
            self.outcomes[stage.name] = dict(status='done', detail=outputs.get('note', ''))
            self._log(f'{stage.name}: done in {time.time() - t0:.0f} s')
        res = self.results()
        parts = [report.table(res)] if res['rows'] else []
        parts += [report.frame_scores_text(res), report.gap_text(res), report.stage_table(res)]
        text = '\n\n'.join(p for p in parts if p)
        write_text_atomic(osp.join(self.work_dir, 'results.md'), f'# {self.title}\n\n{text}\n')
        write_json_atomic(osp.join(self.work_dir, 'results.json'), res)
        what = f'Jaccard on {self.results_split()} ' if res['rows'] else ''
        print(f'\n{self.title}: {what}(data: {self.data_root})\n{text}', flush=True)
        counts = report.status_counts(res)
        self._log(f'finished in {time.time() - t_all:.0f} s ({counts}); table in '
                  f'{self.work_dir}/results.md')
        return res

    def failed(self) -> bool:
        """True when a stage of the last ``run()`` failed or timed out."""
        return any(o['status'] in ('failed', 'timeout') for o in self.outcomes.values())

    def results_split(self) -> str:
        return 'val'

    def results(self) -> dict:
        """``report.results`` of the stages, with this run's stage table rows."""
        return report.results([s.name for s in self.stages], self.state,
                              {s.name: type(s).__name__ for s in self.stages}, self.outcomes)

    def table(self) -> str:
        """Markdown table: one row per score, with the seen / new-object IoU and stage time."""
        return report.table(self.results())
