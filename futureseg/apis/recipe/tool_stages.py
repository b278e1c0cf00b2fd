"""Stages that run a user-facing tool as it is: inference on unlabelled videos
(tools/infer.py) and a benchmark script (tools/benchmarks/*.py); what the GPU check runs
besides training and testing."""
import os.path as osp

from futureseg.datasets.layout import list_videos
from futureseg.registry import RECIPE_STAGES
from .base import RecipeError, RecipeStage, read_json
from .config_utils import ROOT


@RECIPE_STAGES.register_module()
class Infer(RecipeStage):
    """Predicts frame 22 of a split's videos with ``python -m futureseg.cli.infer``
    (tools/infer.py) and writes the submission tensor.

    Config keys: model (a TrainModel or TestModel stage: the config and checkpoint it
    trained or tested), segmenter (the segmenter's TrainModel stage, for models that read
    masks; optional), split ('hidden': ``{data_root}/<split>``), out_dir (default the stage's
    folder), submission ('submission.pt' in out_dir; None: none), batch_size (4), no_vis
    (False: no pictures).
    Outputs: submission (main; None without), out_dir, samples (videos predicted)."""
    depends_keys = ('model', 'segmenter')

    def run(self, ctx) -> dict:
        c = self.cfg
        model = ctx.outputs(c['model'])
        if not model.get('config') or 'checkpoint' not in model:
            raise RecipeError(f'stage {self.name!r}: stage {c["model"]!r} records no config and '
                              'checkpoint (give a TrainModel or TestModel stage)')
        split_dir = osp.join(ctx.data_root, c.get('split', 'hidden'))
        out_dir = ctx.resolve(c.get('out_dir')) or ctx.stage_dir(self.name)
        name = c.get('submission', 'submission.pt')
        submission = osp.join(out_dir, name) if name else None
        args = [model['config']] + ([model['checkpoint']] if model['checkpoint'] else [])
        args += ['--input', split_dir, '--out-dir', out_dir, '--batch-size', c.get('batch_size', 4),
                 '--no-progress']
        if c.get('segmenter'):
            seg = ctx.outputs(c['segmenter'])
            args += ['--segmenter-config', seg['config'],
                     '--segmenter-checkpoint', seg['checkpoint']]
        if submission:
            args += ['--submission', submission]
        if c.get('no_vis'):
            args.append('--no-vis')
        ctx.launch(self.name, 'futureseg.cli.infer', args, 'infer.log')
        return dict(main='submission', submission=submission, out_dir=out_dir,
                    samples=len(list_videos(split_dir)), files=[submission or out_dir])


@RECIPE_STAGES.register_module()
class RunBenchmark(RecipeStage):
    """Runs a benchmark script (``tools/benchmarks/*.py``, from a source checkout) with its
    arguments and ``--json <stage folder>/rows.json``, and reads its rows back.

    Config keys: script (path, absolute or from the checkout's root; its contents are part
    of the fingerprint), args (list, resolved: ``{work_dir}``...), rate_key (a row key: the
    best row's value is the stage's samples/s; optional), peak_key (a row key in MiB where
    the rows measure their own peak memory, in processes of their own: then the stage's
    peak memory is the largest of it instead of the script's; optional).
    Outputs: json (main), rows (count), samples_s, and with peak_key peak_mib / peak_kind."""

    def _script(self) -> str:
        for path in (self.cfg['script'], osp.join(ROOT, self.cfg['script'])):
            if osp.isfile(path):
                return osp.abspath(path)
        raise RecipeError(f'stage {self.name!r}: script not found: {self.cfg["script"]}')

    def config_text(self, ctx) -> str:
        with open(self._script()) as f:  # an edited benchmark measures something else
            return f.read()

    def run(self, ctx) -> dict:
        c = self.cfg
        path = osp.join(ctx.stage_dir(self.name), 'rows.json')
        args = [str(a) for a in ctx.resolve(list(c.get('args', [])))] + ['--json', path]
        ctx.launch(self.name, self._script(), args, 'benchmark.log')
        rows = read_json(path)['rows']
        out = dict(main='json', json=path, rows=len(rows), files=[path])
        key = c.get('rate_key')
        if key:
            rates = [r[key] for r in rows if r.get(key) is not None]
            if not rates:
                raise RecipeError(f'stage {self.name!r}: no row of {path} has {key!r}')
            out['samples_s'] = max(rates)
        peak_key = c.get('peak_key')
        peaks = [r[peak_key] for r in rows if peak_key and r.get(peak_key) is not None]
        if peaks:
            out.update(peak_mib=round(max(peaks), 1), peak_kind=f'{peak_key} of its rows')
        return out
