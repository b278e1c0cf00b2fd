"""Data scaling of the learned object dynamics: the winner's semi-supervision, measured.

    python tools/benchmarks/dynamics_scaling.py [--multipliers 1 4 16] \
        [--recipe configs/recipes/quickstart_cpu.py] [--work-dir work_dirs/quickstart]

The quickstart recipe (run first if it has not, reused where it has: the same work dir) is
extended with, for each multiplier m > 1, stages that

- generate unlabelled videos (``GenerateData`` into ``<work_dir>/dynamics_scaling/data``,
  seed 1, the quickstart's size) so that the data set holds m times the quickstart's videos
  (train + val + unlabelled);
- label them with the quickstart's segmenter (``SegmentFrames``, the first N of them; the
  videos a smaller m labelled are kept);
- train the learned dynamics (the quickstart's ``dynamics`` stage, its pseudo-labelled part
  pointed at those videos: ``indices`` = N) and test it as the quickstart's ``dynamics_nos``
  stage is tested (the segmenter's masks of val, fill holes + NOS, the gap breakdown).

1x is the quickstart's own ``dynamics`` / ``dynamics_nos`` stages (its 60 pseudo-labelled
videos); its control (the floor prior alone, ``extrapolate``) and the image extrapolation
(``extrapolate_image``) are the quickstart's rows. Every row goes through tools/test.py.
All of it is stages of one recipe, so a killed benchmark resumes where it stopped, and each
stage's time is the recipe's.
Output: a table on stdout, ``WORK_DIR/dynamics_scaling.json`` and ``.md``.
"""
import argparse
import copy
import os.path as osp
import sys
from typing import List, Tuple

from mmengine.config import Config

from futureseg.apis import register_all_modules
from futureseg.apis.recipe import gap_closed
from futureseg.utils.io import write_json_atomic, write_text_atomic
from futureseg.utils.machine import hardware_summary, machine_info
from bench_common import run_extended_recipe

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the quickstart's stages this benchmark reads and copies
DATA, DYNAMICS, TEST, CONTROL, IMAGE = 'data', 'dynamics', 'dynamics_nos', 'extrapolate', 'extrapolate_image'
PSEUDO_KEY = 'train_dataloader.dataset.datasets.1'  # the pseudo-labelled part of its training set
OUT = '{work_dir}/dynamics_scaling'


def scaled_stages(stages: dict, mult: int, extra_unlabeled: int, seed: int) -> List[dict]:
    """The stages of one multiplier: generate, label, train, test."""
    data = stages[DATA]
    tag = f'x{mult:g}'
    gen = dict(type='GenerateData', name=f'dyn_data_{tag}', root=f'{OUT}/data',
               splits=dict(unlabeled=extra_unlabeled), seed=seed,
               **{k: data[k] for k in ('width', 'height') if k in data})
    masks = dict(type='SegmentFrames', name=f'dyn_masks_{tag}', segmenter='segmenter',
                 data_root=f'{{{gen["name"]}}}', splits=['unlabeled'], limit=extra_unlabeled,
                 out=f'{OUT}/seg_masks/{{split}}')
    train = copy.deepcopy(stages[DYNAMICS])
    train['name'] = f'{DYNAMICS}_{tag}'
    train['cfg_options'] = dict(train.get('cfg_options') or {}, **{
        f'{PSEUDO_KEY}.data_root': f'{{{gen["name"]}}}',
        f'{PSEUDO_KEY}.mask_root': f'{{{masks["name"]}.unlabeled}}',
        f'{PSEUDO_KEY}.indices': extra_unlabeled})
    test = copy.deepcopy(stages[TEST])
    test.update(name=f'{TEST}_{tag}', model=train['name'],
                rows={k: f'{v} [{tag}]' for k, v in test['rows'].items()})
    return [gen, masks, train, test]


def plan(recipe: dict, multipliers, counts: dict, seed: int) -> Tuple[list, list]:
    """(extra stages, [(multiplier, pseudo-labelled videos, train stage, test stage)])."""
    listed = list(recipe['stages']) + list(recipe.get('extra_stages') or [])
    stages = {s['name']: s for s in listed}
    missing = {DATA, DYNAMICS, TEST, CONTROL, IMAGE} - set(stages)
    if missing:
        raise SystemExit(f'the recipe has no stage(s) {sorted(missing)}: this benchmark extends '
                         'configs/recipes/quickstart_cpu.py')
    total = sum(counts.values())
    extra, rows = [], []
    for m in sorted(multipliers):
        if m == 1:
            rows.append((m, counts['unlabeled'], DYNAMICS, TEST))
            continue
        n = m * total - counts['train'] - counts['val']
        new = scaled_stages(stages, m, n, seed)
        extra += new
        rows.append((m, n, new[2]['name'], new[3]['name']))
    return extra, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--recipe', default=osp.join(ROOT, 'configs/recipes/quickstart_cpu.py'))
    p.add_argument('--work-dir', default='work_dirs/quickstart',
                   help="the recipe's work dir (the quickstart's: its stages are reused)")
    p.add_argument('--multipliers', type=int, nargs='+', default=[1, 4])
    p.add_argument('--seed', type=int, default=1, help='generator seed of the extra videos')
    args = p.parse_args(argv)
    register_all_modules()
    recipe = Config.fromfile(args.recipe).to_dict()
    counts = dict(recipe['stages'][0]['splits'])
    extra, rows_plan = plan(recipe, args.multipliers, counts, args.seed)
    runner, scores, base, ceiling, n_train = run_extended_recipe(recipe, extra, args.work_dir)
    state = runner.state

    def row(setting, test_stage, videos, pseudo, train_stage=None):
        out = state[test_stage]['outputs']
        labels = list(out['scores'])  # raw, then + fill holes + NOS
        raw, nos = out['scores'][labels[0]], out['scores'][labels[-1]]
        gap = out.get('gap') or {}
        return dict(setting=setting, stage=test_stage, videos=videos, pseudo_labelled=pseudo,
                    jaccard=raw['jaccard'], jaccard_nos=nos['jaccard'],
                    gap_closed_nos=gap_closed(nos['jaccard'], base, ceiling),
                    moving_iou=gap.get('moving', {}).get('mean_iou'),
                    collided_iou=gap.get('collided', {}).get('mean_iou'),
                    train_s=state[train_stage]['seconds'] if train_stage else None)

    rows = [row('image extrapolation alone (MotionPrior)', IMAGE, 0, 0),
            row('floor extrapolation alone (control)', CONTROL, 0, 0)]
    for m, pseudo, train_stage, test_stage in rows_plan:
        r = row(f'learned dynamics, {m}x the videos', test_stage, n_train + pseudo, pseudo, train_stage)
        r['multiplier'] = m
        if m != 1:
            r['generate_s'] = state[f'dyn_data_x{m}']['seconds']
            r['pseudo_label_s'] = state[f'dyn_masks_x{m}']['seconds']
        rows.append(r)
    control = rows[1]
    lines = [f'baseline (copy frame 11, segmenter mask) {base:.4f}, ceiling (segmenter on true frame 22) '
             f'{ceiling:.4f}; val of {args.work_dir}', '',
             '| setting | training videos (pseudo-labelled) | val Jaccard | + fill + NOS | gap closed (+ NOS) '
             '| vs control (+ NOS) | moving objects IoU | collided objects IoU | training time |',
             '|---|---|---|---|---|---|---|---|---|']

    def fmt(v, spec='.4f'):
        return '-' if v is None else format(v, spec)
    for r in rows:
        lines.append(f"| {r['setting']} | {r['videos']} ({r['pseudo_labelled']}) | {r['jaccard']:.4f} | "
                     f"{r['jaccard_nos']:.4f} | {100 * r['gap_closed_nos']:.1f} % | "
                     f"{r['jaccard_nos'] - control['jaccard_nos']:+.4f} | {fmt(r['moving_iou'])} | "
                     f"{fmt(r['collided_iou'])} | {fmt(r['train_s'], '.0f')} s |")
    table = '\n'.join(lines)
    print(table)
    info = machine_info()
    write_json_atomic(osp.join(runner.work_dir, 'dynamics_scaling.json'),
                      dict(rows=rows, baseline=base, ceiling=ceiling, machine=info,
                           hardware=hardware_summary(info), recipe=args.recipe))
    write_text_atomic(osp.join(runner.work_dir, 'dynamics_scaling.md'), table + '\n')
    return rows


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
