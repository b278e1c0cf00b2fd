"""Fit and score the object-motion extrapolation (``MotionPrior`` / ``extrapolate_masks``).

Each object of the mask of frame 11 is moved on along the track of its centroid over the
last ``window + 1`` frames, slowing as a constant deceleration that leaves ``damping`` of
the constant-velocity distance at frame 22. The damping differs with what an object is made
of and how it moves (cubes and cylinders slide and stop, spheres roll on), so it is fitted
per (shape, material) on the TRUE masks of the fit split (coordinate ascent of the frame-22
Jaccard over a grid), then every setting is scored on the eval split from the true masks of
frames 1-11 and from the segmenter's (what a method sees). Output: a table on stdout, the
JSON (``--json``) and the same table as markdown beside it (``.md``); the fitted values go
into ``configs/_base_/models/motion_prior.py`` by hand, with this command beside them.

    python tools/benchmarks/motion_extrapolation.py data/quickstart \\
        --masks data/quickstart/seg_masks/val --json work_dirs/benchmarks/motion_extrapolation.json
"""
import argparse
import os.path as osp
import time

import numpy as np
import torch
from mmengine.utils import ProgressBar

from futureseg.datasets.layout import list_videos, load_mask
from futureseg.evaluation.functional import confusion_matrix, jaccard_index
from futureseg.models.simvp.motion_prior import GROUP_NAMES, NUM_GROUPS, extrapolate_masks
from futureseg.utils import write_json_atomic, write_text_atomic
from bench_common import machine_info
from to_markdown import markdown


def load_split(split_dir, masks_dir=None, limit=None):
    """[(masks of frames 1-11 (11, H, W), true mask of frame 22)] of a split's videos; the
    input masks are the true ones, or those under ``masks_dir`` (a segmenter's)."""
    out = []
    for vid, path in list_videos(split_dir)[:limit]:
        true = load_mask(osp.join(path, 'mask.npy'))
        src = true if masks_dir is None else load_mask(osp.join(masks_dir, f'video_{vid}', 'mask.npy'))
        out.append((torch.from_numpy(src[:11].astype(np.int64)), true[21]))
    return out


def score(videos, window, damping, batch=16):
    """Frame-22 Jaccard (one confusion matrix over the split) of the extrapolation."""
    cm = 0
    for i in range(0, len(videos), batch):
        chunk = videos[i:i + batch]
        if len({tuple(m.shape) for m, _ in chunk}) > 1:
            raise ValueError('videos of different sizes in one split')
        pred = extrapolate_masks(torch.stack([m for m, _ in chunk]), [11], window, damping)[:, 0]
        for p, (_, t) in zip(pred.numpy(), chunk):
            cm = cm + confusion_matrix(p, t)
    return float(jaccard_index(cm))


def fit_damping(videos, window, grid, sweeps=2):
    """Per-group damping maximising the Jaccard on ``videos`` (coordinate ascent from the
    best single value)."""
    best_single = max(grid, key=lambda d: score(videos, window, [d] * NUM_GROUPS))
    damping = [best_single] * NUM_GROUPS
    for _ in range(sweeps):
        for g in range(NUM_GROUPS):
            damping[g] = max(grid, key=lambda d: score(videos, window,
                                                       damping[:g] + [d] + damping[g + 1:]))
    return best_single, damping


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
                       **{f'{args.fit_split} (true)': round(score(fit, window, values), 4)})
            for ename, vids in evals.items():
                row[f'{args.eval_split} ({ename})'] = round(score(vids, window, values), 4)
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
