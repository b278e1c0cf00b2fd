"""The stages that make data and masks: the synthetic data set, the segmenter's masks of
whole splits and the reference rows computed from them (copy frame 11, the ceiling)."""
import os
import os.path as osp

import numpy as np

from futureseg.datasets import synthetic
from futureseg.registry import RECIPE_STAGES
from futureseg.utils.io import write_json_atomic
from .base import RecipeStage
from .report import BASELINE_ROWS

MOTION_ROWS = dict(segmenter='extrapolate objects (segmenter masks)',
                   true='extrapolate objects (true masks)')


@RECIPE_STAGES.register_module()
class GenerateData(RecipeStage):
    """Generates the synthetic data set at ``{data_root}`` (skips videos already there).

    Config keys: splits (dict split -> videos, e.g. ``dict(train=300, val=100)``), width,
    height, seed (0), workers (processes; default the CPU count; not part of the
    fingerprint), extra (list of more tools/generate_dataset.py arguments). Every later
    stage depends on it: other sizes, another seed or a new generator version rerun it and
    them (the generator then refuses a root made by another version). A root of
    course-layout videos the generator did not make (the course data) is used as it is."""
    unhashed_keys = ('workers',)  # the same videos whatever the process count

    def settings(self) -> dict:
        return dict(super().settings(), generator_version=synthetic.GENERATOR_VERSION)

    def run(self, ctx) -> dict:
        c = self.cfg
        if synthetic.is_external_root(ctx.data_root):  # e.g. the course data: used as it is
            print(f'[recipe] {self.name}: {ctx.data_root} holds course-layout videos that the '
                  'generator did not make (no generator.json, no scene.json): generation '
                  'skipped (tools/check_dataset.py checks them)', flush=True)
            return dict(main='data_root', data_root=ctx.data_root, external=True,
                        files=[osp.join(ctx.data_root, s) for s in c['splits']
                               if osp.isdir(osp.join(ctx.data_root, s))])
        args = [ctx.data_root, '--seed', c.get('seed', 0), '--workers', c.get('workers') or os.cpu_count()]
        for split, n in c['splits'].items():
            args += [f'--{split}', n]
        for key in ('width', 'height'):
            if key in c:
                args += [f'--{key}', c[key]]
        ctx.launch(self.name, 'futureseg.cli.generate_dataset', args + list(c.get('extra', [])))
        return dict(main='data_root', data_root=ctx.data_root,
                    files=[osp.join(ctx.data_root, s) for s, n in c['splits'].items() if n])


@RECIPE_STAGES.register_module()
class SegmentFrames(RecipeStage):
    """Runs the trained frame segmenter over every frame of some splits (tools/pseudo_label.py):
    pseudo-labels of the unlabelled videos, or the input masks of a mask-space model.

    Config keys: segmenter (the segmenter's TrainModel stage), splits (list), out
    ('{data_root}/seg_masks/{split}' by default; ``{split}`` is filled per split).
    Outputs: one folder per split (keys = split names; main = the first)."""
    depends_keys = ('segmenter',)

    def run(self, ctx) -> dict:
        seg = ctx.outputs(self.cfg['segmenter'])
        out_pattern = self.cfg.get('out', '{data_root}/seg_masks/{split}')
        outputs = dict(files=[])
        for split in self.cfg['splits']:
            out = ctx.resolve(out_pattern.replace('{split}', split))
            ctx.launch(self.name, 'futureseg.cli.pseudo_label',
                       [seg['config'], seg['checkpoint'], ctx.data_root, '--split', split,
                        '--out', out, '--overwrite'])
            outputs[split] = out
            outputs['files'].append(out)
        outputs['main'] = self.cfg['splits'][0]
        return outputs


@RECIPE_STAGES.register_module()
class Baselines(RecipeStage):
    """The reference rows of the table, from the segmenter's masks of a labelled split:
    copy-frame-11 (the segmenter's mask of frame 11 as the prediction of frame 22; also with
    the true mask of frame 11) and the ceiling (the segmenter on the true frame 22); and the
    segmenter's own single-frame score on every frame of the split (``frame_scores``: Jaccard,
    shape / material / colour accuracy on the object pixels found, object IoU), printed under
    the table.

    With ``motion`` (a ``MotionPrior`` config: window, damping), also the objects of those
    masks extrapolated to frame 22 along their tracks (``extrapolate_masks``), from the
    segmenter's masks of frames 1-11 and, for reference, from the true ones.

    Config keys: masks (the SegmentFrames stage), split ('val'), motion (None)."""
    depends_keys = ('masks',)

    def run(self, ctx) -> dict:
        import torch
        from futureseg.models.simvp.motion_prior import extrapolate_masks
        from futureseg.datasets.layout import list_videos, load_mask
        from futureseg.evaluation.baselines import COPY_SEGMENTER, COPY_TRUE, copy_frame11_predictions
        from futureseg.evaluation.functional import attribute_accuracy, confusion_matrix, jaccard_index
        from futureseg.evaluation.metrics import seen_new_iou, seen_new_tallies
        split = self.cfg.get('split', 'val')
        frames_cm, num_frames = 0, 0  # the segmenter on every frame: its single-frame score
        seg_dir = ctx.outputs(self.cfg['masks'])[split]
        labels = {COPY_SEGMENTER: BASELINE_ROWS['baseline'], COPY_TRUE: 'copy frame 11 (true mask)',
                  'ceiling': BASELINE_ROWS['ceiling']}
        motion = self.cfg.get('motion')
        if motion:
            labels.update(motion_segmenter=MOTION_ROWS['segmenter'], motion_true=MOTION_ROWS['true'])
        cms = {k: 0 for k in labels}
        tallies = {k: [] for k in labels}
        for vid, path in list_videos(osp.join(ctx.data_root, split)):
            true = load_mask(osp.join(path, 'mask.npy'))
            seg = load_mask(osp.join(seg_dir, f'video_{vid}', 'mask.npy'))
            frames_cm = frames_cm + confusion_matrix(seg, true)
            num_frames += len(true)
            preds = copy_frame11_predictions(dict(context_masks=seg[:11], context_source='segmenter',
                                                   input_masks=true[:11]))
            preds['ceiling'] = seg[21]
            if motion:
                inputs = torch.from_numpy(np.stack([seg[:11], true[:11]]).astype(np.int64))
                moved = extrapolate_masks(inputs, [11], motion.get('window', 3),
                                          motion.get('damping', 1.0))[:, 0].numpy()
                preds['motion_segmenter'], preds['motion_true'] = moved
            for k, p in preds.items():
                cms[k] = cms[k] + confusion_matrix(p, true[21])
                tallies[k].append(seen_new_tallies(p, true[21], true[:11]))
        scores = {labels[k]: dict(jaccard=jaccard_index(cms[k]), **seen_new_iou(tallies[k]))
                  for k in labels}
        frame_scores = dict(jaccard=jaccard_index(frames_cm), **attribute_accuracy(frames_cm),
                            frames=num_frames, split=split)
        path = osp.join(ctx.stage_dir(self.name), 'metrics.json')
        write_json_atomic(path, dict(scores, segmenter_frames=frame_scores))
        return dict(main='metrics', metrics=path, scores=scores, frame_scores=frame_scores,
                    files=[path])
