"""The recipe runner: a config that lists stages (generate data, train, segment, evaluate...)
run in order, each stage's outputs (best checkpoint, config, metrics) handed to later ones.

A recipe config holds ``data_root``, ``work_dir`` and ``stages``, a list of RECIPE_STAGES
configs, each with a unique ``name`` (a child recipe appends its own as ``extra_stages``). Strings in a stage's config may refer to
``{data_root}``, ``{work_dir}`` and to earlier stages' outputs as ``{stage}`` (its main
output, e.g. a checkpoint) or ``{stage.key}`` (e.g. ``{segmenter.config}``).

The state of the run is kept in ``<work_dir>/recipe_state.json`` (written atomically after
every stage), so a rerun skips finished stages whose outputs still exist, reruns a stage
whose config changed and every stage that depends on it, and a killed training resumes from
its last checkpoint. Stages run the tools/ scripts as subprocesses, with their logs under
``<work_dir>/<stage>/``.
"""
import hashlib
import io
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import numpy as np

from futureseg.datasets.synthetic import GENERATOR_VERSION, is_external_root
from futureseg.registry import RECIPE_STAGES
from futureseg.utils.io import write_json_atomic
from futureseg.utils.machine import hardware_summary, machine_info

STATE_FILE = 'recipe_state.json'
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_REF = re.compile(r'\{([A-Za-z_]\w*)(?:\.(\w+))?\}')


class RecipeError(RuntimeError):
    """A stage failed or a recipe is malformed; the message names the stage and its log."""


def _read_json(path):
    with open(path) as f:
        return json.load(f)


class RecipeContext:
    """What stages share: paths, earlier outputs, and a way to run the tools."""

    def __init__(self, data_root, work_dir, state, python=None, quiet=False):
        self.data_root, self.work_dir, self.state = data_root, work_dir, state
        self.python = python or sys.executable
        self.quiet = quiet
        self.resume = False  # set per stage: True when continuing an interrupted run

    def outputs(self, name):
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
        return _REF.sub(fill, value)

    def stage_dir(self, name):
        path = osp.join(self.work_dir, name)
        os.makedirs(path, exist_ok=True)
        return path

    def run_tool(self, stage, args, log_name='run.log'):
        """Run ``python tools/...`` from the repository root; the output goes to the console
        and to ``<work_dir>/<stage>/<log_name>``. Raises RecipeError on failure."""
        log_path = osp.join(self.stage_dir(stage), log_name)
        cmd = [self.python, *[str(a) for a in args]]
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        env['PYTHONPATH'] = os.pathsep.join(p for p in [ROOT, env.get('PYTHONPATH', '')] if p)
        with open(log_path, 'a') as log:
            log.write(f'$ {" ".join(cmd)}\n')
            log.flush()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            # newline='' keeps progress bars' carriage returns, so they redraw in place
            for line in io.TextIOWrapper(proc.stdout, encoding='utf-8', errors='replace', newline=''):
                if line.endswith('\r'):
                    if not self.quiet:
                        sys.stdout.write(line)
                        sys.stdout.flush()
                    continue
                log.write(line)
                if not self.quiet and _worth_showing(line):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            code = proc.wait()
        if code != 0:
            with open(log_path) as f:
                tail = ''.join(f.readlines()[-15:])
            raise RecipeError(f'stage {stage!r} failed (exit {code}); log: {log_path}\n{tail}')
        return log_path


def _worth_showing(line):
    """Keep the console readable: progress and results, not MMEngine's init dumps."""
    noisy = ('Initialized by', 'The value is the same', 'torch.Size(', 'Config:', 'System environment',
             'will be deprecated', 'is the alias of')
    if not line.strip() or line.startswith((' ', '\t', '(', '-')) or re.match(r'^\w+:\s*$', line):
        return False  # config dumps, hook tables, environment listings
    return not any(n in line for n in noisy)


class RecipeStage:
    """Base of the stages. Config keys: name (unique in the recipe), plus the stage's own.

    A subclass implements ``run(ctx) -> outputs`` (a JSON-able dict; ``main`` names the key
    that ``{stage}`` refers to; ``scores`` maps table rows to metric dicts) and may list
    output files in ``files`` that must still exist for the stage to count as done.
    """
    depends_keys = ()  # config keys that name other stages

    def __init__(self, name, **cfg):
        self.name, self.cfg = name, cfg

    def fingerprint(self, data_root=''):
        """Hash of what the stage's result depends on: its settings and the data set."""
        blob = json.dumps(dict(type=type(self).__name__, data_root=data_root, **self.cfg),
                          sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]

    def dependencies(self, stage_names):
        deps = {self.cfg[k] for k in self.depends_keys if self.cfg.get(k)}
        for m in _REF.finditer(json.dumps(self.cfg, default=str)):
            if m.group(1) in stage_names:
                deps.add(m.group(1))
        return deps

    @staticmethod
    def outputs_exist(outputs):
        return all(osp.exists(p) for p in outputs.get('files', []))

    def run(self, ctx):
        raise NotImplementedError


@RECIPE_STAGES.register_module()
class GenerateData(RecipeStage):
    """Generates the synthetic data set at ``{data_root}`` (skips videos already there).

    Config keys: splits (dict split -> videos, e.g. ``dict(train=300, val=100)``), width,
    height, seed (0), workers (processes; default the CPU count), extra (list of more
    tools/generate_dataset.py arguments). Every later stage depends on it, and a new generator
    version reruns it (the generator then refuses a root made by another version). A root of
    course-layout videos the generator did not make (the course data) is used as it is."""

    def fingerprint(self, data_root=''):
        return super().fingerprint(data_root) + f'-g{GENERATOR_VERSION}'

    def run(self, ctx):
        c = self.cfg
        if is_external_root(ctx.data_root):  # e.g. the course data: used as it is
            print(f'[recipe] {self.name}: {ctx.data_root} holds course-layout videos that the '
                  'generator did not make (no generator.json, no scene.json): generation '
                  'skipped (tools/check_dataset.py checks them)', flush=True)
            return dict(main='data_root', data_root=ctx.data_root, external=True,
                        files=[osp.join(ctx.data_root, s) for s in c['splits']
                               if osp.isdir(osp.join(ctx.data_root, s))])
        args = ['tools/generate_dataset.py', ctx.data_root, '--seed', c.get('seed', 0),
                '--workers', c.get('workers') or os.cpu_count()]
        for split, n in c['splits'].items():
            args += [f'--{split}', n]
        for key in ('width', 'height'):
            if key in c:
                args += [f'--{key}', c[key]]
        ctx.run_tool(self.name, args + list(c.get('extra', [])))
        return dict(main='data_root', data_root=ctx.data_root,
                    files=[osp.join(ctx.data_root, s) for s, n in c['splits'].items() if n])


@RECIPE_STAGES.register_module()
class TrainModel(RecipeStage):
    """Trains a model with tools/train.py in ``<work_dir>/<name>``; a rerun after a kill
    resumes from the last checkpoint.

    Config keys: config (path), cfg_options (dict, resolved), set_data_root (True: point
    the train/val/test datasets' ``data_root`` at the recipe's), amp (False), gpus (1; more
    starts one process per GPU with torchrun and MMEngine's DDP), port (29500).
    Outputs: checkpoint (the best by the config's ``save_best``, else the last; main),
    config (the dumped, final config), work_dir, best_score."""

    def run(self, ctx):
        c = self.cfg
        if not osp.isfile(osp.join(ROOT, c['config'])) and not osp.isfile(c['config']):
            raise RecipeError(f'stage {self.name!r}: config file not found: {c["config"]}')
        wd = ctx.stage_dir(self.name)
        options = {}
        if c.get('set_data_root', True):
            options.update(data_root_options(c['config'], ctx.data_root))
        options.update(ctx.resolve(c.get('cfg_options', {})))
        args = ['tools/train.py', c['config'], '--work-dir', wd]
        if osp.isfile(osp.join(wd, 'last_checkpoint')):
            if ctx.resume:
                args.append('--resume')
            else:  # another config trained here: keep that run, start this one afresh
                k = 1
                while osp.exists(f'{wd}.old{k}'):
                    k += 1
                os.replace(wd, f'{wd}.old{k}')
                print(f'[recipe] {self.name}: the earlier run (other settings) moved to {wd}.old{k}')
                wd = ctx.stage_dir(self.name)
        if c.get('amp'):
            args.append('--amp')
        if options:
            args += ['--cfg-options'] + [f'{k}={_option(v)}' for k, v in options.items()]
        if c.get('gpus', 1) > 1:  # one process per GPU through torchrun, as tools/dist_train.sh
            args = ['-m', 'torch.distributed.run', f'--nproc_per_node={c["gpus"]}',
                    f'--master_port={c.get("port", 29500)}', *args, '--launcher', 'pytorch']
        ctx.run_tool(self.name, args, 'train.log')
        ckpt, score = best_checkpoint(wd)
        config = osp.join(wd, osp.basename(c['config']))
        params = int(sum(v.numel() for v in _load_checkpoint(ckpt)['state_dict'].values()
                         if v.is_floating_point()))
        return dict(main='checkpoint', checkpoint=ckpt, config=config, work_dir=wd,
                    best_score=score, params=params, files=[ckpt, config],
                    source_config=c['config'],
                    hardware=hardware_summary(machine_info(gpus=c.get('gpus', 1))))


def _load_checkpoint(path):
    """A checkpoint through futureseg's weights-only loader."""
    from futureseg.engine.checkpoint import load_from_local
    return load_from_local(path, 'cpu')


def data_root_options(config, data_root,
                      loaders=('train_dataloader', 'val_dataloader', 'test_dataloader')):
    """--cfg-options that move a config's datasets onto ``data_root``: every dataset's
    ``data_root``, and its other ``*_root`` paths under the config's own ``data_root``
    (pseudo-labels, segmenter masks), through ConcatDataset / RepeatDataset wrappers."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    old = cfg.get('data_root')
    options = {}

    def walk(prefix, ds):
        if not isinstance(ds, dict):
            return
        if 'datasets' in ds:
            for i, sub in enumerate(ds['datasets']):
                walk(f'{prefix}.datasets.{i}', sub)
        elif isinstance(ds.get('dataset'), dict):
            walk(f'{prefix}.dataset', ds['dataset'])
        else:
            for key, value in ds.items():
                if key == 'data_root':
                    options[f'{prefix}.{key}'] = data_root
                elif key.endswith('_root') and isinstance(value, str) and old and value.startswith(old):
                    options[f'{prefix}.{key}'] = data_root + value[len(old):]
    for loader in loaders:
        if isinstance(cfg.get(loader), dict):
            walk(f'{loader}.dataset', cfg[loader].get('dataset'))
    return options


def _option(value):
    """A value as MMEngine's --cfg-options parses it."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_option(v) for v in value) + ']'
    return str(value)


def best_checkpoint(work_dir):
    """(path, score) of the best checkpoint (``best_*.pth``) of a training, else its last."""
    best = [f for f in os.listdir(work_dir) if f.startswith('best_') and f.endswith('.pth')]
    if best:
        best.sort(key=lambda f: osp.getmtime(osp.join(work_dir, f)))
        path = osp.join(work_dir, best[-1])
        hub = _load_checkpoint(path).get('message_hub', {})
        score = hub.get('runtime_info', {}).get('best_score') if isinstance(hub, dict) else None
        return path, (float(score) if score is not None else None)
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        raise RecipeError(f'no checkpoint in {work_dir}')
    with open(last) as f:
        path = f.read().strip()
    return path, None


@RECIPE_STAGES.register_module()
class SegmentFrames(RecipeStage):
    """Runs the trained frame segmenter over every frame of some splits (tools/pseudo_label.py):
    pseudo-labels of the unlabelled videos, or the input masks of a mask-space model.

    Config keys: segmenter (the segmenter's TrainModel stage), splits (list), out
    ('{data_root}/seg_masks/{split}' by default; ``{split}`` is filled per split).
    Outputs: one folder per split (keys = split names; main = the first)."""
    depends_keys = ('segmenter',)

    def run(self, ctx):
        seg = ctx.outputs(self.cfg['segmenter'])
        out_pattern = self.cfg.get('out', '{data_root}/seg_masks/{split}')
        outputs = dict(files=[])
        for split in self.cfg['splits']:
            out = ctx.resolve(out_pattern.replace('{split}', split))
            ctx.run_tool(self.name, ['tools/pseudo_label.py', seg['config'], seg['checkpoint'],
                                     ctx.data_root, '--split', split, '--out', out, '--overwrite'])
            outputs[split] = out
            outputs['files'].append(out)
        outputs['main'] = self.cfg['splits'][0]
        return outputs


# the rows the gap is measured between: what a method must beat and what it can reach
BASELINE_ROWS = dict(baseline='copy frame 11 (segmenter mask)',
                     ceiling='segment true frame 22 (ceiling)')


def gap_closed(jaccard, baseline, ceiling):
    """Share of the way from the copy-frame-11 baseline to the segmenter ceiling."""
    return (jaccard - baseline) / (ceiling - baseline) if ceiling > baseline else float('nan')


@RECIPE_STAGES.register_module()
class Baselines(RecipeStage):
    """The reference rows of the table, from the segmenter's masks of a labelled split:
    copy-frame-11 (the segmenter's mask of frame 11 as the prediction of frame 22; also with
    the true mask of frame 11) and the ceiling (the segmenter on the true frame 22).

    Config keys: masks (the SegmentFrames stage), split ('val')."""
    depends_keys = ('masks',)

    def run(self, ctx):
        from futureseg.datasets.layout import list_videos, load_mask
        from futureseg.evaluation.functional import confusion_matrix, jaccard_index
        from futureseg.evaluation.metrics import seen_new_iou, seen_new_tallies
        split = self.cfg.get('split', 'val')
        seg_dir = ctx.outputs(self.cfg['masks'])[split]
        cms = {k: 0 for k in ('copy_seg', 'copy_true', 'ceiling')}
        tallies = {k: [] for k in cms}
        for vid, path in list_videos(osp.join(ctx.data_root, split)):
            true = load_mask(osp.join(path, 'mask.npy'))
            seg = load_mask(osp.join(seg_dir, f'video_{vid}', 'mask.npy'))
            preds = dict(copy_seg=seg[10], copy_true=true[10], ceiling=seg[21])
            for k, p in preds.items():
                cms[k] = cms[k] + confusion_matrix(p, true[21])
                tallies[k].append(seen_new_tallies(p, true[21], true[:11]))
        labels = dict(copy_seg=BASELINE_ROWS['baseline'], copy_true='copy frame 11 (true mask)',
                      ceiling=BASELINE_ROWS['ceiling'])
        scores = {labels[k]: dict(jaccard=jaccard_index(cms[k]), **seen_new_iou(tallies[k]))
                  for k in cms}
        path = osp.join(ctx.stage_dir(self.name), 'metrics.json')
        write_json_atomic(path, scores)
        return dict(main='metrics', metrics=path, scores=scores, files=[path])


@RECIPE_STAGES.register_module()
class TestModel(RecipeStage):
    """Evaluates a trained model with tools/test.py and puts its scores in the table.

    Config keys: model (its TrainModel stage), config (default: the model's own; e.g. a
    ``*_nos.py`` child to add post-processing), model_overrides (dict merged into the
    config's ``model``, e.g. ``postprocessors=[...]``), cfg_options (dict, resolved), set_data_root
    (True), rows (dict metric key -> table row; default ``{'future/jaccard': name}``; keys
    of the ``stages/...`` post-processing table work too: ``stages/raw``,
    ``stages/NewObjectSuppression``), tta (False: test-time augmentation, ``tools/test.py
    --tta``).
    Outputs: metrics (JSON path; main), scores, model (stage), config and checkpoint tested."""
    depends_keys = ('model',)

    def run(self, ctx):
        model = ctx.outputs(self.cfg['model'])
        config = ctx.resolve(self.cfg.get('config') or model['config'])
        if self.cfg.get('model_overrides'):
            config = self._derived_config(ctx, config, ctx.resolve(self.cfg['model_overrides']))
        options = {}
        if self.cfg.get('set_data_root', True):
            options.update(data_root_options(config, ctx.data_root, ('test_dataloader',)))
        options.update(ctx.resolve(self.cfg.get('cfg_options', {})))
        wd = ctx.stage_dir(self.name)
        metrics_path = osp.join(wd, 'metrics.json')
        args = ['tools/test.py', config, model['checkpoint'], '--work-dir', wd,
                '--metrics-out', metrics_path] + (['--tta'] if self.cfg.get('tta') else [])
        if options:
            args += ['--cfg-options'] + [f'{k}={_option(v)}' for k, v in options.items()]
        ctx.run_tool(self.name, args, 'test.log')
        metrics = _read_json(metrics_path)
        rows = self.cfg.get('rows') or {'future/jaccard': self.name}
        scores = {}
        for key, label in rows.items():
            if key not in metrics:
                raise RecipeError(f'stage {self.name!r}: metric {key!r} not in {sorted(metrics)}')
            row = dict(jaccard=metrics[key])
            for extra in ('seen_iou', 'new_iou'):  # the seen / new-object breakdown
                name = f'future/{extra}' if key == 'future/jaccard' else f'{key}_{extra}'
                if name in metrics:
                    row[extra] = metrics[name]
            row['params'] = model.get('params')
            row['train_s'] = ctx.state.get(self.cfg['model'], {}).get('seconds')
            scores[label] = row
        return dict(main='metrics', metrics=metrics_path, scores=scores, files=[metrics_path],
                    model=self.cfg['model'], config=config, checkpoint=model['checkpoint'],
                    tta=bool(self.cfg.get('tta')))

    def _derived_config(self, ctx, base, overrides):
        """A config file inheriting ``base`` with ``model`` updated (e.g. post-processors).
        In a sub-folder: tools/test.py dumps the config it ran (with --tta: the TTA-wrapped
        model) into the stage dir under the same name, and inference wants this one."""
        path = osp.join(ctx.stage_dir(self.name), 'config', 'test_config.py')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path + '.tmp', 'w') as f:
            f.write(f'# written by the recipe stage {self.name!r}\n'
                    f'_base_ = [{osp.abspath(base)!r}]\nmodel = {overrides!r}\n')
        os.replace(path + '.tmp', path)
        return path


@RECIPE_STAGES.register_module()
class PredictThenSegment(RecipeStage):
    """The seed's first result: the segmenter applied to the frame predictor's frame 22
    (tools/predict_then_segment.py).

    Config keys: predictor (a frame predictor's TrainModel stage), segmenter (the
    segmenter's), split ('val'), row (table label; default the stage name)."""
    depends_keys = ('predictor', 'segmenter')

    def run(self, ctx):
        pred, seg = ctx.outputs(self.cfg['predictor']), ctx.outputs(self.cfg['segmenter'])
        path = osp.join(ctx.stage_dir(self.name), 'metrics.json')
        ctx.run_tool(self.name, ['tools/predict_then_segment.py', pred['config'], pred['checkpoint'],
                                 seg['config'], seg['checkpoint'], '--data-root', ctx.data_root,
                                 '--split', self.cfg.get('split', 'val'), '--metrics-out', path])
        metrics = _read_json(path)
        scores = {self.cfg.get('row', self.name): dict(jaccard=metrics['jaccard'],
                                                       seen_iou=metrics.get('seen_iou', float('nan')),
                                                       new_iou=metrics.get('new_iou', float('nan')))}
        return dict(main='metrics', metrics=path, scores=scores, files=[path])


class RecipeRunner:
    """Runs a recipe config's stages in order; see the module docstring.

    Args: cfg (mmengine Config or dict with data_root, work_dir, stages), work_dir /
    data_root (override the recipe's), python (interpreter for the tools), quiet.
    """

    def __init__(self, cfg, work_dir=None, data_root=None, python=None, quiet=False):
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
            if not name or name in names or name in ('data_root', 'work_dir'):
                raise RecipeError(f'every stage needs a unique name (not data_root/work_dir); got {name!r}')
            names.add(name)
            self.stages.append(RECIPE_STAGES.build(s))
        for st in self.stages:
            unknown = {d for d in st.dependencies(names | {'data_root', 'work_dir'})
                       if d not in names} - {'data_root', 'work_dir'}
            if unknown:
                raise RecipeError(f'stage {st.name!r} refers to unknown stage(s) {sorted(unknown)}')
        self.state_path = osp.join(self.work_dir, STATE_FILE)
        self.state = _read_json(self.state_path) if osp.isfile(self.state_path) else {}
        self.ctx = RecipeContext(self.data_root, self.work_dir, self.state, python, quiet)

    def _log(self, msg):
        print(f'[recipe] {msg}', flush=True)

    def run(self):
        names = {s.name for s in self.stages}
        rerun = set()
        t_all = time.time()
        data_stages = set()  # stages that (re)make the data set: every later stage uses it
        for stage in self.stages:
            entry = self.state.get(stage.name, {})
            deps = (stage.dependencies(names) & names) | data_stages
            if isinstance(stage, GenerateData):
                data_stages.add(stage.name)
            fingerprint = stage.fingerprint(self.data_root)
            why = None
            if entry.get('status') != 'done':
                why = 'not run yet' if not entry else f'unfinished ({entry.get("status")})'
            elif entry.get('fingerprint') != fingerprint:
                why = 'its config changed'
            elif deps & rerun:
                why = f'{", ".join(sorted(deps & rerun))} ran again'
            elif not stage.outputs_exist(entry.get('outputs', {})):
                why = 'its outputs are gone'
            if why is None:
                self._log(f'{stage.name}: done, skipped')
                continue
            self._log(f'{stage.name} ({type(stage).__name__}): running ({why})')
            # an interrupted run of the same stage config continues where it stopped
            self.ctx.resume = (entry.get('status') == 'running'
                               and entry.get('fingerprint') == fingerprint)
            self.state[stage.name] = dict(status='running', fingerprint=fingerprint,
                                          started=time.time())
            write_json_atomic(self.state_path, self.state)
            t0 = time.time()
            outputs = stage.run(self.ctx)
            self.state[stage.name] = dict(status='done', type=type(stage).__name__,
                                          fingerprint=fingerprint, outputs=outputs,
                                          seconds=round(time.time() - t0, 1))
            write_json_atomic(self.state_path, self.state)
            rerun.add(stage.name)
            self._log(f'{stage.name}: done in {time.time() - t0:.0f} s')
        table = self.table()
        with open(osp.join(self.work_dir, 'results.md'), 'w') as f:
            f.write(f'# {self.title}\n\n{table}\n')
        write_json_atomic(osp.join(self.work_dir, 'results.json'), self.results())
        print(f'\n{self.title}: Jaccard on {self.results_split()} (data: {self.data_root})\n{table}',
              flush=True)
        self._log(f'finished in {time.time() - t_all:.0f} s; table in {self.work_dir}/results.md')
        return self.results()

    def results_split(self):
        return 'val'

    def results(self):
        rows = []
        for stage in self.stages:
            entry = self.state.get(stage.name, {})
            for label, row in entry.get('outputs', {}).get('scores', {}).items():
                rows.append(dict(row=label, stage=stage.name, **row))
        return dict(rows=rows, seconds={s.name: self.state.get(s.name, {}).get('seconds')
                                        for s in self.stages})

    def table(self):
        """Markdown table: one row per score, with the seen / new-object IoU and stage time."""
        res = self.results()

        def fmt(v):
            return '-' if v is None or (isinstance(v, float) and np.isnan(v)) else f'{v:.4f}'
        by_row = {r['row']: r.get('jaccard') for r in res['rows']}
        base, ceiling = (by_row.get(BASELINE_ROWS[k]) for k in ('baseline', 'ceiling'))
        lines = ['| result | Jaccard | gap closed | seen objects IoU | new objects IoU | training time | parameters |',
                 '|---|---|---|---|---|---|---|']
        for r in res['rows']:
            secs, params = r.get('train_s'), r.get('params')
            gap = '-'
            if base is not None and ceiling is not None and r.get('jaccard') is not None \
                    and r['row'] not in BASELINE_ROWS.values():
                gap = f"{100 * gap_closed(r['jaccard'], base, ceiling):.1f} %"
            lines.append(f"| {r['row']} | {fmt(r.get('jaccard'))} | {gap} | {fmt(r.get('seen_iou'))} | "
                         f"{fmt(r.get('new_iou'))} | {'-' if secs is None else f'{secs:.0f} s'} | "
                         f"{'-' if params is None else f'{params / 1e6:.3f} M'} |")
        return '\n'.join(lines)


# -- reading a finished recipe's work dir (inference, model zoo) ----------------------------
def read_recipe_state(work_dir):
    """A recipe work dir's ``recipe_state.json``; FileNotFoundError naming it if absent."""
    path = osp.join(work_dir, STATE_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{work_dir} is not a recipe work dir (no {STATE_FILE})')
    return _read_json(path)


def stage_type(work_dir, name, entry):
    """'TrainModel', 'TestModel', ... of a finished stage (older states do not record it:
    then told from its outputs)."""
    if entry.get('type'):
        return entry['type']
    out = entry.get('outputs', {})
    if 'checkpoint' in out and 'config' in out:
        return 'TrainModel'
    if osp.isfile(osp.join(work_dir, name, 'test.log')):
        return 'TestModel'
    return 'other'


def tested_model(work_dir, name, entry):
    """(config, checkpoint, model stage) a TestModel stage tested. Older states do not record
    them; they are then read from the stage's command line in its test.log."""
    out = entry.get('outputs', {})
    if out.get('config') and out.get('checkpoint'):
        return out['config'], out['checkpoint'], out.get('model')
    with open(osp.join(work_dir, name, 'test.log')) as f:
        for line in f:
            if line.startswith('$ ') and 'tools/test.py' in line:
                words = line.split()
                k = next(i for i, w in enumerate(words) if w.endswith('tools/test.py'))
                return words[k + 1], words[k + 2], None
    raise RecipeError(f'stage {name!r}: no tools/test.py command in {work_dir}/{name}/test.log')


def is_segmenter_config(config):
    """True for a frame segmenter's config: an mmsegmentation segmentor (EncoderDecoder or a
    subclass such as futureseg's FrameSegmenter), i.e. a model with a decode head."""
    from mmengine.config import Config
    return Config.fromfile(config).model.get('decode_head') is not None


def recipe_model(work_dir, stage=None):
    """The model a recipe run ends with, for inference: dict(stage, config, checkpoint,
    segmenter=dict(config, checkpoint) or None).

    Args:
        work_dir (str): the recipe's work dir (holding recipe_state.json).
        stage (str, optional): a TestModel stage (its config, post-processors included) or a
            TrainModel stage. Default: the last TestModel stage that finished.
    """
    state = read_recipe_state(work_dir)
    done = {n: e for n, e in state.items() if e.get('status') == 'done'}
    kinds = {n: stage_type(work_dir, n, e) for n, e in done.items()}
    trained = [n for n in done if kinds[n] == 'TrainModel']
    segmenters = [n for n in trained if is_segmenter_config(done[n]['outputs']['config'])]
    if stage is None:
        tests = [n for n in done if kinds[n] == 'TestModel']
        if not tests:
            raise RecipeError(f'{work_dir}: no finished TestModel stage; name one with stage=')
        stage = tests[-1]
    if stage not in done:
        raise RecipeError(f'{work_dir}: no finished stage {stage!r} (finished: {sorted(done)})')
    if kinds[stage] == 'TestModel':
        config, checkpoint, _ = tested_model(work_dir, stage, done[stage])
    elif kinds[stage] == 'TrainModel':
        config, checkpoint = done[stage]['outputs']['config'], done[stage]['outputs']['checkpoint']
    else:
        raise RecipeError(f'stage {stage!r} is a {kinds[stage]}, not a model (TrainModel / TestModel)')
    seg = None
    if segmenters:
        out = done['segmenter' if 'segmenter' in segmenters else segmenters[0]]['outputs']
        seg = dict(config=out['config'], checkpoint=out['checkpoint'])
    return dict(stage=stage, config=config, checkpoint=checkpoint, segmenter=seg)
