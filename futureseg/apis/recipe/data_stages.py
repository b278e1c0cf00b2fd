"""The stages that make data and masks: the synthetic data set, the segmenter's masks of
whole splits and the segmenter's single-frame score from them; and the motion prior's fit."""
import os
import os.path as osp

from futureseg.datasets import synthetic
from futureseg.datasets.layout import list_videos, load_mask
from futureseg.evaluation.functional import attribute_accuracy, confusion_matrix, jaccard_index
from futureseg.registry import RECIPE_STAGES
from futureseg.utils.io import write_json_atomic
from ..prior_fitting import DAMPING_GRID, extrapolation_score, fit_damping, load_split
from .base import RecipeError, RecipeStage, StageTimeout


@RECIPE_STAGES.register_module()
class GenerateData(RecipeStage):
    """Generates the synthetic data set at ``{data_root}`` (skips videos already there).

    Config keys: splits (dict split -> videos, e.g. ``dict(train=300, val=100)``), width,
    height, seed (0), workers (processes; default the CPU count; not part of the
    fingerprint), extra (list of more tools/generate_dataset.py arguments), root (where to
    generate; default ``'{data_root}'``; another folder makes extra videos beside the
    recipe's data set, e.g. the data-scaling benchmark's unlabelled ones), mujoco_gl (list
    of MuJoCo renderers tried in order, e.g. ``['egl', 'osmesa']``: the next one when the
    generator fails with one; default: the environment's ``MUJOCO_GL``). Every later
    stage depends on it: other sizes, another seed or a new generator version rerun it and
    them (the generator then refuses a root made by another version). A root of
    course-layout videos the generator did not make (the course data) is used as it is.
    Outputs: data_root (the root generated; main)."""
    unhashed_keys = ('workers',)  # the same videos whatever the process count

    def settings(self) -> dict:
        return dict(super().settings(), generator_version=synthetic.GENERATOR_VERSION)

    def run(self, ctx) -> dict:
        c = self.cfg
        root = osp.abspath(ctx.resolve(c.get('root', '{data_root}')))
        if synthetic.is_external_root(root):  # e.g. the course data: used as it is
            print(f'[recipe] {self.name}: {root} holds course-layout videos that the '
                  'generator did not make (no generator.json, no scene.json): generation '
                  'skipped (tools/check_dataset.py checks them)', flush=True)
            return dict(main='data_root', data_root=root, external=True,
                        files=[osp.join(root, s) for s in c['splits']
                               if osp.isdir(osp.join(root, s))])
        args = [root, '--seed', c.get('seed', 0), '--workers', c.get('workers') or os.cpu_count()]
        for split, n in c['splits'].items():
            args += [f'--{split}', n]
        for key in ('width', 'height'):
            if key in c:
                args += [f'--{key}', c[key]]
        renderers = list(c.get('mujoco_gl') or [None])
        for i, gl in enumerate(renderers):
            try:
                ctx.launch(self.name, 'futureseg.cli.generate_dataset',
                           args + list(c.get('extra', [])), env=dict(MUJOCO_GL=gl) if gl else None)
                break
            except StageTimeout:
                raise
            except RecipeError:
                if i + 1 == len(renderers):
                    raise
                print(f'[recipe] {self.name}: MUJOCO_GL={gl} failed, trying {renderers[i + 1]}',
                      flush=True)
        failed = f' ({", ".join(renderers[:i])} failed)' if i else ''
        note = f'rendered with MUJOCO_GL={gl}{failed}'
        return dict(main='data_root', data_root=root, mujoco_gl=gl,
                    samples=sum(c['splits'].values()), note=note if gl else '',
                    files=[osp.join(root, s) for s, n in c['splits'].items() if n])


@RECIPE_STAGES.register_module()
class SegmentFrames(RecipeStage):
    """Runs the trained frame segmenter over every frame of some splits (tools/pseudo_label.py):
    pseudo-labels of the unlabelled videos, or the input masks of a mask-space model.

    Config keys: segmenter (the segmenter's TrainModel stage), splits (list), out
    ('{data_root}/seg_masks/{split}' by default; ``{split}`` is filled per split), data_root
    (the videos' root; default ``'{data_root}'``), limit (only the first N videos of each
    split, by number; None: all). Videos already labelled by the same weights are kept, so a
    larger ``limit`` into the same ``out`` labels only the new ones.
    Outputs: one folder per split (keys = split names; main = the first)."""
    depends_keys = ('segmenter',)

    def run(self, ctx) -> dict:
        seg = ctx.outputs(self.cfg['segmenter'])
        out_pattern = self.cfg.get('out', '{data_root}/seg_masks/{split}')
        root = ctx.resolve(self.cfg.get('data_root', '{data_root}'))
        limit = self.cfg.get('limit')
        outputs = dict(files=[])
        for split in self.cfg['splits']:
            out = ctx.resolve(out_pattern.replace('{split}', split))
            ctx.launch(self.name, 'futureseg.cli.pseudo_label',
                       [seg['config'], seg['checkpoint'], root, '--split', split,
                        '--out', out, '--overwrite'] + ([] if limit is None else ['--limit', limit]))
            outputs[split] = out
            outputs['files'].append(out)
        outputs['main'] = self.cfg['splits'][0]
        return outputs


@RECIPE_STAGES.register_module()
class SegmenterFrameScores(RecipeStage):
    """The segmenter's own score on single frames, printed under the table (not a row: it
    predicts no frame 22; the table's rows, the baseline and the ceiling included, are models
    scored by tools/test.py): its masks of every frame of a labelled split (a SegmentFrames
    stage's, already written) against the true masks: Jaccard, shape / material / colour
    accuracy on the object pixels found, object IoU.

    Config keys: masks (the SegmentFrames stage), split ('val').
    Outputs: frame_scores, metrics (JSON path; main)."""
    depends_keys = ('masks',)

    def run(self, ctx) -> dict:
        split = self.cfg.get('split', 'val')
        seg_dir = ctx.outputs(self.cfg['masks'])[split]
        cm, num_frames = 0, 0
        for vid, path in list_videos(osp.join(ctx.data_root, split)):
            true = load_mask(osp.join(path, 'mask.npy'))
            seg = load_mask(osp.join(seg_dir, f'video_{vid}', 'mask.npy'))
            cm = cm + confusion_matrix(seg, true)
            num_frames += len(true)
        frame_scores = dict(jaccard=jaccard_index(cm), **attribute_accuracy(cm),
                            frames=num_frames, split=split)
        path = osp.join(ctx.stage_dir(self.name), 'metrics.json')
        write_json_atomic(path, dict(segmenter_frames=frame_scores))
        return dict(main='metrics', metrics=path, frame_scores=frame_scores, files=[path])


@RECIPE_STAGES.register_module()
class FitMotionPrior(RecipeStage):
    """The motion prior's damping per (shape, material), fitted on the true masks of a split
    (``prior_fitting.fit_damping``: coordinate ascent of the frame-22 Jaccard of the
    extrapolation over a grid), so that the stages after it read the fit instead of a value
    copied into a config by hand: ``cfg_options={'model.prior.damping': '{fit_prior}'}`` (the
    main output is the damping as a ``--cfg-options`` list).

    Config keys: split ('train'), window (3), grid (0.2, 0.3, ..., 1.0), limit (first N
    videos; None: all).
    Outputs: damping (main), damping_values, best_single, window, jaccard (the fit split's,
    with the fitted damping), fit (JSON path)."""

    def run(self, ctx) -> dict:
        split, window = self.cfg.get('split', 'train'), int(self.cfg.get('window', 3))
        videos = load_split(osp.join(ctx.data_root, split), limit=self.cfg.get('limit'))
        single, damping = fit_damping(videos, window, self.cfg.get('grid', DAMPING_GRID))
        jaccard = extrapolation_score(videos, window, damping)
        path = osp.join(ctx.stage_dir(self.name), 'fit.json')
        result = dict(split=split, videos=len(videos), window=window, best_single=single,
                      damping_values=damping, jaccard=jaccard)
        write_json_atomic(path, result)
        return dict(result, main='damping', damping='[' + ','.join(f'{d:g}' for d in damping) + ']',
                    fit=path, files=[path])
