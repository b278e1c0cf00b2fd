"""The stages that train and evaluate models through the ``futureseg.cli`` tools."""
import os
import os.path as osp
from typing import Optional

import torch

from futureseg.evaluation.gap import gap_summary, with_gap_breakdown
from futureseg.registry import RECIPE_STAGES
from futureseg.utils.cli import read_config
from futureseg.utils.cli import cpu_amp_decision
from futureseg.utils.machine import hardware_summary, machine_info
from futureseg.utils.scalars import samples_per_second
from .base import RecipeError, RecipeStage, read_json
from .checkpoints import best_checkpoint, count_parameters
from .config_utils import (cfg_options_args, data_root_options, find_config, resolved_config_text,
                           write_derived_config)


@RECIPE_STAGES.register_module()
class TrainModel(RecipeStage):
    """Trains a model with tools/train.py in ``<work_dir>/<name>``; a rerun after a kill
    resumes from the last checkpoint.

    Config keys: config (path; its resolved contents, not its path, are fingerprinted),
    cfg_options (dict, resolved), set_data_root (True: point the train/val/test datasets'
    ``data_root`` at the recipe's), amp (False; True or 'auto': mixed precision, on a CPU bf16
    only where it runs natively; 'bf16' / 'fp32' decide on a CPU: ``tools/train.py --amp
    --cpu-amp``), gpus (1; more starts one process per GPU with torchrun and MMEngine's DDP),
    launcher ('none'; 'pytorch' starts torchrun and MMEngine's DDP even for ``gpus=1``),
    port (29500).
    Outputs: checkpoint (the best by the config's ``save_best``, else the last; main),
    config (the dumped, final config), work_dir, best_score, precision (what it trained in),
    samples_s (the batch of all processes / the median logged iteration time, the first
    left out; None when the logger recorded no iteration)."""
    unhashed_keys = ('config', 'port')  # the config counts by its contents (config_text)

    def _options(self, ctx, config: str) -> dict:
        options = {}
        if self.cfg.get('set_data_root', True):
            options.update(data_root_options(config, ctx.data_root))
        options.update(ctx.resolve(self.cfg.get('cfg_options', {})))
        return options

    def config_text(self, ctx) -> str:
        config = find_config(self.cfg['config'], self.name)
        return resolved_config_text(config, self._options(ctx, config))

    def run(self, ctx) -> dict:
        c = self.cfg
        config = find_config(c['config'], self.name)
        wd = ctx.stage_dir(self.name)
        options = self._options(ctx, config)
        args = [config, '--work-dir', wd]
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
        amp = c.get('amp', False)
        precision = 'fp32'
        if amp:
            cpu_amp = 'auto' if amp is True else amp
            args += ['--amp', '--cpu-amp', cpu_amp]
            if c.get('gpus', 1) > 1 or torch.cuda.is_available():
                precision = 'fp16 (AMP)'
            elif cpu_amp_decision(cpu_amp)[0]:
                precision = 'bf16 (AMP)'
        args += cfg_options_args(options)
        torchrun = None
        gpus, launcher = c.get('gpus', 1), c.get('launcher', 'none')
        if launcher not in ('none', 'pytorch'):
            raise RecipeError(f"stage {self.name!r}: launcher must be 'none' or 'pytorch', "
                              f'got {launcher!r}')
        if gpus > 1 or launcher == 'pytorch':  # one process per GPU, as tools/dist_train.sh
            torchrun = [f'--nproc_per_node={gpus}', f'--master_port={c.get("port", 29500)}']
            args += ['--launcher', 'pytorch']
        ctx.launch(self.name, 'futureseg.cli.train', args, 'train.log', torchrun)
        ckpt, score = best_checkpoint(wd)
        config = osp.join(wd, osp.basename(config))  # MMEngine's dump of the config it ran
        return dict(main='checkpoint', checkpoint=ckpt, config=config, work_dir=wd,
                    best_score=score, params=count_parameters(ckpt), files=[ckpt, config],
                    source_config=c['config'], precision=precision,
                    samples_s=_train_samples_s(wd, config, gpus),
                    hardware=hardware_summary(machine_info(gpus=gpus)))


def _train_samples_s(work_dir: str, config: str, processes: int) -> Optional[float]:
    """Samples/s of a training: its batch (all processes together) / the median logged
    iteration time (``futureseg.utils.scalars``); None without a logged iteration."""
    batch = (read_config(config).get('train_dataloader') or {}).get('batch_size')
    if not batch:  # e.g. a batch sampler of its own: no fixed batch to count
        return None
    try:
        rate = samples_per_second(work_dir, batch * processes)
    except FileNotFoundError:  # nothing logged (e.g. the logger's interval above the run)
        return None
    return None if rate is None else round(rate, 2)


@RECIPE_STAGES.register_module()
class TestModel(RecipeStage):
    """Evaluates a trained model with tools/test.py and puts its scores in the table.

    Config keys: model (its TrainModel stage; none for a model without trained parameters, a
    baseline: then ``config`` is required and no checkpoint is loaded), config (default: the
    model's own; e.g. a ``*_nos.py`` child to add post-processing), model_overrides (dict merged into the
    config's ``model``, e.g. ``postprocessors=[...]``), cfg_options (dict, resolved), set_data_root
    (True), rows (dict metric key -> table row; default ``{'future/jaccard': name}``; ``{}``:
    no row; keys
    of the ``stages/...`` post-processing table work too: ``stages/raw``,
    ``stages/NewObjectSuppression``), tta (False: test-time augmentation, ``tools/test.py
    --tta``), gap (False: also the gap breakdown, ``GapBreakdown``; it goes under the table).
    Outputs: metrics (JSON path; main), scores, model (stage), config and checkpoint tested,
    source_config (the ``config`` key as given, None when it tests a model stage's own), gap
    (the breakdown's summary, with gap=True)."""
    depends_keys = ('model',)
    unhashed_keys = ('config',)  # counted by its contents (config_text)

    def _base_config(self, ctx) -> str:
        given = self.cfg.get('config')
        if not given and not self.cfg.get('model'):
            raise RecipeError(f'stage {self.name!r}: give model (a TrainModel stage) or config '
                              '(a model without trained parameters)')
        return find_config(ctx.resolve(given), self.name) if given else \
            ctx.outputs(self.cfg['model'])['config']

    def _options(self, ctx, config: str) -> dict:
        options = {}
        if self.cfg.get('set_data_root', True):  # the derived config moves as its base does
            options.update(data_root_options(config, ctx.data_root, ('test_dataloader',)))
        options.update(ctx.resolve(self.cfg.get('cfg_options', {})))
        return options

    def _overrides(self, ctx, base: str) -> dict:
        """Top-level keys of the derived test config: ``model`` (model_overrides) and, with
        gap=True, ``test_evaluator`` with the ``GapBreakdown`` metric added."""
        overrides = {}
        if self.cfg.get('model_overrides'):
            overrides['model'] = ctx.resolve(self.cfg['model_overrides'])
        if self.cfg.get('gap'):
            overrides['test_evaluator'] = with_gap_breakdown(read_config(base).get('test_evaluator'))
        return overrides

    def config_text(self, ctx) -> str:
        base = self._base_config(ctx)
        return resolved_config_text(base, self._options(ctx, base),
                                    ctx.resolve(self.cfg.get('model_overrides')))

    def run(self, ctx) -> dict:
        model = ctx.outputs(self.cfg['model']) if self.cfg.get('model') else {}
        config = base = self._base_config(ctx)
        overrides = self._overrides(ctx, base)
        if overrides:
            # in a sub-folder: tools/test.py dumps the config it ran (with --tta: the
            # TTA-wrapped model) into the stage dir under the same name; inference wants this one
            config = write_derived_config(
                osp.join(ctx.stage_dir(self.name), 'config', 'test_config.py'), base, overrides,
                self.name)
        wd = ctx.stage_dir(self.name)
        metrics_path = osp.join(wd, 'metrics.json')
        checkpoint = model.get('checkpoint')
        args = [config] + ([checkpoint] if checkpoint else []) + \
            ['--work-dir', wd, '--metrics-out', metrics_path]
        args += (['--tta'] if self.cfg.get('tta') else []) + cfg_options_args(self._options(ctx, base))
        ctx.launch(self.name, 'futureseg.cli.test', args, 'test.log')
        metrics = read_json(metrics_path)
        rows = self.cfg.get('rows')
        if rows is None:  # rows={}: a test without a row in the table (e.g. a frame predictor)
            rows = {'future/jaccard': self.name}
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
            row['train_s'] = ctx.state.get(self.cfg['model'], {}).get('seconds') if model else None
            scores[label] = row
        out = dict(main='metrics', metrics=metrics_path, scores=scores, files=[metrics_path],
                   model=self.cfg.get('model'), config=config, checkpoint=checkpoint,
                   source_config=self.cfg.get('config'), tta=bool(self.cfg.get('tta')))
        if self.cfg.get('gap'):
            out['gap'] = gap_summary(metrics)
        return out


@RECIPE_STAGES.register_module()
class PredictThenSegment(RecipeStage):
    """The seed's first result: the segmenter applied to the frame predictor's frame 22
    (tools/predict_then_segment.py).

    Config keys: predictor (a frame predictor's TrainModel stage), segmenter (the
    segmenter's), split ('val'), row (table label; default the stage name)."""
    depends_keys = ('predictor', 'segmenter')

    def run(self, ctx) -> dict:
        pred, seg = ctx.outputs(self.cfg['predictor']), ctx.outputs(self.cfg['segmenter'])
        path = osp.join(ctx.stage_dir(self.name), 'metrics.json')
        ctx.launch(self.name, 'futureseg.cli.predict_then_segment',
                   [pred['config'], pred['checkpoint'], seg['config'], seg['checkpoint'],
                    '--data-root', ctx.data_root, '--split', self.cfg.get('split', 'val'),
                    '--metrics-out', path])
        metrics = read_json(path)
        nan = float('nan')
        scores = {self.cfg.get('row', self.name): dict(
            jaccard=metrics['jaccard'], seen_iou=metrics.get('seen_iou', nan),
            new_iou=metrics.get('new_iou', nan))}
        return dict(main='metrics', metrics=path, scores=scores, files=[path])
