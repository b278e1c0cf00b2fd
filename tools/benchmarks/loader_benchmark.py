"""Data-loading throughput: PNG decoding vs the frame cache, for several worker counts.

    python tools/benchmarks/loader_benchmark.py [--root DATA] [--videos 200] [--workers 0 2]

Without --root it generates --videos videos (160 x 240) under work_dirs/bench_data once.
Prints a table (samples/s; a sample = 11 input frames + 11 target masks) and writes JSON.
"""
import argparse
import json
import os
import os.path as osp
import platform
import time

import torch
from mmengine.dataset import pseudo_collate
from prettytable import PrettyTable
from torch.utils.data import DataLoader

from futureseg.datasets import FutureSegVideoDataset, build_frame_cache
from futureseg.datasets.frame_cache import cache_dir_for
from futureseg.datasets.synthetic import SyntheticVideoWriter
from futureseg.utils import register_all_modules

PIPELINES = {
    'future_masks': [dict(type='LoadVideo'), dict(type='PackVideoInputs')],
    'frames': [dict(type='LoadVideo'), dict(type='PackVideoInputs')],
}


def throughput(dataset, workers, batch_size, persistent=False):
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, shuffle=False,
                        collate_fn=pseudo_collate, persistent_workers=persistent and workers > 0)
    start = time.perf_counter()
    n = 0
    for batch in loader:
        n += len(batch['inputs'])
    return n / (time.perf_counter() - start)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', help='existing data set (default: generate one)')
    p.add_argument('--videos', type=int, default=200)
    p.add_argument('--split', default='train')
    p.add_argument('--mode', default='future_masks', choices=sorted(PIPELINES))
    p.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--json', default='work_dirs/benchmarks/loader.json')
    args = p.parse_args(argv)

    root = args.root or 'work_dirs/bench_data'
    if not args.root:
        SyntheticVideoWriter(root, seed=0).run({args.split: args.videos}, workers=os.cpu_count())
    split_dir = osp.join(root, args.split)
    if not osp.isfile(osp.join(cache_dir_for(split_dir), 'meta.json')):
        start = time.perf_counter()
        build_frame_cache(split_dir, progress=False)
        print(f'cache built in {time.perf_counter() - start:.1f} s')

    register_all_modules()
    torch.set_num_threads(1)
    rows = []
    for source in ('png', 'cache'):
        ds = FutureSegVideoDataset(data_root=root, split=args.split, mode=args.mode,
                                   pipeline=PIPELINES[args.mode], use_cache=source == 'cache')
        assert (ds.frame_cache is not None) == (source == 'cache')
        for workers in args.workers:
            throughput(ds, workers, args.batch_size)  # warm the page cache: compare decoding, not disk
            rate = throughput(ds, workers, args.batch_size)
            rows.append(dict(source=source, workers=workers, samples_per_s=round(rate, 1), videos=len(ds)))
    table = PrettyTable(['source', 'workers', 'samples/s'])
    for r in rows:
        table.add_row([r['source'], r['workers'], r['samples_per_s']])
    print(f'{args.mode} samples from {root}/{args.split} ({rows[0]["videos"]} videos), '
          f'batch {args.batch_size}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}')
    print(table)
    os.makedirs(osp.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(dict(mode=args.mode, batch_size=args.batch_size, rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
