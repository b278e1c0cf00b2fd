"""Generate a synthetic CLEVRER-like data set in the course layout.

Examples:
    python tools/generate_dataset.py data/synth --train 1000 --val 1000 --unlabeled 13000 --hidden 2000 --workers 8
    python tools/generate_dataset.py data/synth --train 200 --shard 3/10     # cluster array job 3 of 10
    python tools/generate_dataset.py data/synth --train 50 --sampler-cfg late_entry_prob=0.5
"""
import argparse
import time

from mmengine.config import DictAction

from futureseg.datasets.synthetic import SyntheticVideoWriter


def parse_shard(text):
    try:
        i, n = (int(x) for x in text.split('/'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'--shard must look like i/n (e.g. 0/4), got {text!r}')
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f'--shard i/n needs 0 <= i < n, got {text!r}')
    return i, n


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generate synthetic videos in the course data layout')
    p.add_argument('root', help='output data set root')
    for split, default in (('train', 0), ('val', 0), ('unlabeled', 0), ('hidden', 0)):
        p.add_argument(f'--{split}', type=int, default=default, help=f'videos in {split}/')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=1, help='processes')
    p.add_argument('--shard', type=parse_shard, default=(0, 1), help='i/n: write every n-th video from i')
    p.add_argument('--width', type=int, default=240)
    p.add_argument('--height', type=int, default=160)
    p.add_argument('--frames', type=int, default=22, help='frames per video')
    p.add_argument('--frame-stride', type=int, default=2,
                   help='physics frames (25 fps) between two video frames')
    p.add_argument('--sampler', default='CLEVRERSceneSampler', help='registered scene sampler')
    p.add_argument('--sampler-cfg', nargs='+', action=DictAction, default={},
                   help='extra sampler settings, key=value (e.g. late_entry_prob=0.5)')
    p.add_argument('--metal', default='reflection', choices=['reflection', 'phong'],
                   help='metal shading: CLEVR-like tinted mirror (default) or MuJoCo\'s own, which '
                        'looks like rubber (the look of generator version 1)')
    p.add_argument('--hidden-truth', action='store_true',
                   help='also write the hidden split\'s masks to ROOT/hidden_truth (offline scoring)')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sampler = dict(type=args.sampler, num_frames=args.frames, frame_dt=args.frame_stride / 25.0)
    sampler.update(args.sampler_cfg)
    writer = SyntheticVideoWriter(args.root, sampler=sampler, width=args.width, height=args.height,
                                  seed=args.seed, hidden_truth=args.hidden_truth, metal=args.metal)
    sizes = dict(train=args.train, val=args.val, unlabeled=args.unlabeled, hidden=args.hidden)
    start = time.time()
    try:
        written, skipped = writer.run(sizes, workers=args.workers, shard=args.shard,
                                      progress=not args.no_progress)
    except ValueError as err:  # a root of another generator version or other settings
        raise SystemExit(f'error: {err}')
    took = time.time() - start
    rate = f', {took / written:.2f} s/video wall' if written else ''
    print(f'{args.root}: wrote {written} videos, skipped {skipped} already complete, '
          f'{took:.1f} s{rate}')


if __name__ == '__main__':
    main()
