"""Fit and score the object-motion extrapolation (``MotionPrior`` / ``extrapolate_masks``).

Each object of the mask of frame 11 is moved on along the track of its centroid over the
last ``window + 1`` frames, slowing as a constant deceleration that leaves ``damping`` of
the constant-velocity distance at frame 22. The damping differs with what an object is made
of and how it moves (cubes and cylinders slide and stop, spheres roll on), so it is fitted
per (shape, material) on the TRUE masks of the fit split (coordinate ascent of the frame-22
Jaccard over a grid, ``futureseg.apis.prior_fitting``), then every setting is scored on the
eval split from the true masks of frames 1-11 and from the segmenter's (what a method sees). Output: a table on stdout, the
JSON (``--json``) and the same table as markdown beside it (``.md``). The recipes fit the
damping in a ``FitMotionPrior`` stage instead, whose result flows into the stages after it;
``configs/_base_/models/motion_prior.py`` holds this command's fit for configs run alone.

    python tools/benchmarks/motion_extrapolation.py data/quickstart \\
        --masks data/quickstart/seg_masks/val --json work_dirs/benchmarks/motion_extrapolation.json
"""
import argparse
import os.path as osp
import time

from mmengine.utils import ProgressBar

from futureseg.apis.prior_fitting import extrapolation_score, fit_damping, load_split
from futureseg.models.priors.motion_prior import GROUP_NAMES, NUM_GROUPS
from futureseg.utils import write_json_atomic, write_text_atomic
from bench_common import machine_info
from to_markdown import markdown


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('data_root')
    p.add_argument('--masks', help="the segmenter's masks of the eval split (DIR/video_N/mask.npy)")
    p.add_argument('--fit-split', default='train')
    p.add_argument('--eval-split', default='val')
    p.add_argument('--windows', type=int, nargs='+', default=[1, 2, 3, 4])
    p.add_argument('--grid', type=float, nargs='+',
                   default=[0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    p.add_argument('--limit', type=int, help='first N videos of each split (a quick look)')
    p.add_argument('--json', default='work_dirs/benchmarks/motion_extrapolation.json',
                   help='where the rows go (the markdown table beside it, .md)')
    args = p.parse_args(argv)
    fit = load_split(osp.join(args.data_root, args.fit_split), limit=args.limit)
    evals = {'true masks': load_split(osp.join(args.data_root, args.eval_split), limit=args.limit)}
    if args.masks:
        evals['segmenter masks'] = load_split(osp.join(args.data_root, args.eval_split), args.masks,
                                              args.limit)
    start = time.perf_counter()
    rows = []
    bar = ProgressBar(len(args.windows))
    for window in args.windows:
        single, damping = fit_damping(fit, window, args.grid)
        for name, d in (('copy frame 11', 0.0), ('constant velocity', 1.0),
                        ('one damping', single), ('damping per shape, material', damping)):
            if name == 'copy frame 11' and window != args.windows[0]:
                continue
            values = d if isinstance(d, list) else [d] * NUM_GROUPS
            row = dict(setting=name, window=window,
                       damping=d if isinstance(d, float) else ' / '.join(f'{v:g}' for v in d),
                       **{f'{args.fit_split} (true)':
                          round(extrapolation_score(fit, window, values), 4)})
            for ename, vids in evals.items():
                row[f'{args.eval_split} ({ename})'] = round(
                    extrapolation_score(vids, window, values), 4)
            row['damping_values'] = values
            rows.append(row)
        bar.update()
    print()
    columns = [c for c in rows[0] if c != 'damping_values']
    table = markdown(rows, columns)
    best = max((r for r in rows if r['setting'] == 'damping per shape, material'),
               key=lambda r: r[f'{args.fit_split} (true)'])
    text = (f'machine: {machine_info()}\n\nfitted on {len(fit)} {args.fit_split} videos, scored on '
            f'{len(evals["true masks"])} {args.eval_split} videos; damping order: '
            f'{", ".join(GROUP_NAMES)}\n\n{table}\n\nbest on {args.fit_split}: window {best["window"]}, '
            f'damping {best["damping_values"]} ({time.perf_counter() - start:.0f} s)\n')
    print(text)
    out = dict(machine=machine_info(), data_root=args.data_root, fit_split=args.fit_split,
               eval_split=args.eval_split, groups=list(GROUP_NAMES), rows=rows,
               best=dict(window=best['window'], damping=best['damping_values']))
    write_json_atomic(args.json, out)
    write_text_atomic(osp.splitext(args.json)[0] + '.md', text)


if __name__ == '__main__':
    main()
