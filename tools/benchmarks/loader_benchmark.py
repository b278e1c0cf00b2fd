"""Data-loading throughput: PNG decoding vs the frame cache, for several worker counts.

    python tools/benchmarks/loader_benchmark.py                       # sizes x video counts x workers
    python tools/benchmarks/loader_benchmark.py --root DATA           # one existing data set
    python tools/benchmarks/loader_benchmark.py --quick --data-dir /tmp/bench   # seconds (tests)

Without --root it generates, once, a data set per resolution (--sizes HxW) and video count
(--videos) under DATA_DIR/<H>x<W>_<N> (default DATA_DIR: work_dirs/bench_data) and builds its
frame cache once; later runs reuse both. Each (size, videos, source, workers) is timed over
--epochs epochs through a torch DataLoader (``pseudo_collate``, as MMEngine's runner) after the
files were read once, so that the page cache is warm and the numbers compare decoding, not the
disk. A sample = 11 input frames + 11 target masks (--mode future_masks); MB/s counts the
decoded uint8 pixels handed to the model (RGB frames 3 bytes a pixel, masks 1 byte).

Speed-ups: for the fastest setting with workers > 0 on the course-size data set (160x240 when
measured, else the largest), before/after of ``persistent_workers`` (workers start once, not
once an epoch) and ``pin_memory``. Pinned memory only speeds up host-to-GPU copies, so with
CUDA every speed-up row also copies the batch to the GPU (as MMEngine's data preprocessor
does), and without CUDA the pin_memory rows are reported as skipped, not measured.

Worker counts above the machine's core count (printed) oversubscribe the CPU on purpose.
Prints tables and writes JSON (machine, data sets, rows, speed-ups) to --json.
"""
import argparse
import os
import os.path as osp
import shutil
import time

import torch
from mmengine.dataset import pseudo_collate
from prettytable import PrettyTable
from torch.utils.data import DataLoader

from bench_common import ensure_cache, machine_info, parse_size
from futureseg.datasets import FutureSegVideoDataset
from futureseg.datasets.frame_cache import cache_dir_for
from futureseg.datasets.synthetic import SyntheticVideoWriter
from futureseg.apis import register_all_modules
from futureseg.utils import write_json_atomic

PIPELINES = {
    'future_masks': [dict(type='LoadVideo'), dict(type='PackVideoInputs')],
    'frames': [dict(type='LoadVideo'), dict(type='PackVideoInputs')],
}
SOURCES = ('png', 'cache')
COURSE_SIZE = (160, 240)
FULL = dict(sizes=['80x120', '160x240', '320x480'], videos=[50, 200], workers=[0, 2, 4], epochs=3)
# 2 epochs, so that the persistent-workers row reuses its workers at least once
QUICK = dict(sizes=['40x60'], videos=[8], workers=[0, 2], epochs=2)
SAMPLE_KEYS = ('target_frames', 'gt_masks', 'input_masks', 'context_masks')
PIN_SKIP_REASON = 'skipped: no CUDA device; pinned memory only speeds up host-to-GPU copies'


# ---------------------------------------------------------------------------------------------
# data sets
# ---------------------------------------------------------------------------------------------
def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)


def link_prefix(src_split, dst_split, videos):
    """Hard-link videos 0..videos-1 of a larger generated split into ``dst_split``.

    The generator's videos are the same bytes whatever the run (seeded per video id, numbered
    from 0), so the first N videos of a bigger set are exactly what generating N would give.
    Each video appears by an atomic rename, as the writer does, so it is complete or absent.
    """
    os.makedirs(dst_split, exist_ok=True)
    for vid in range(videos):
        src, dst = osp.join(src_split, f'video_{vid}'), osp.join(dst_split, f'video_{vid}')
        if osp.isdir(dst) or not osp.isdir(src):
            continue
        tmp = osp.join(dst_split, f'.tmp_video_{vid}_{os.getpid()}')
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp, copy_function=_link_or_copy)
        os.rename(tmp, dst)


def prepare_generated(data_dir, split, size, videos, larger_split=None):
    """Generate (or complete) DATA_DIR/<H>x<W>_<N> and its frame cache. Returns its info."""
    h, w = size
    root = osp.join(data_dir, f'{h}x{w}_{videos}')
    split_dir = osp.join(root, split)
    start = time.perf_counter()
    if larger_split is not None:
        link_prefix(larger_split, split_dir, videos)
    # Skips the videos that are complete already, so a rerun generates nothing.
    written, _ = SyntheticVideoWriter(root, width=w, height=h, seed=0).run(
        {split: videos}, workers=os.cpu_count(), progress=False)
    gen_s = time.perf_counter() - start
    info = dict(root=root, size=f'{h}x{w}', videos=videos, generated=written,
                prepare_s=round(gen_s, 2), cache_build_s=ensure_cache(split_dir))
    built = info['cache_build_s']
    reused = 'linked from the larger set or reused' if larger_split else 'reused'
    print(f'data {root}: {written} videos generated, {videos - written} {reused} ({gen_s:.1f} s); '
          f'cache {"reused" if built is None else f"built in {built:.1f} s"}', flush=True)
    return info


def prepare_all(args):
    """The data sets to measure: --root as it is, or one generated set per size x count."""
    if args.root:
        split_dir = osp.join(args.root, args.split)
        return [dict(root=args.root, size=None, videos=None, generated=0, prepare_s=0.0,
                     cache_build_s=ensure_cache(split_dir))]
    infos = []
    for size in args.sizes:
        larger = None
        for videos in sorted(set(args.videos), reverse=True):  # largest first: the others link to it
            info = prepare_generated(args.data_dir, args.split, size, videos, larger)
            larger = osp.join(info['root'], args.split)
            infos.append(info)
    return sorted(infos, key=lambda i: (parse_size(i['size']), i['videos']))


def warm_page_cache(paths):
    """Read files once so that the timed epochs find them in the page cache."""
    for path in paths:
        with open(path, 'rb') as f:
            while f.read(1 << 23):
                pass


def source_files(split_dir, source):
    if source == 'cache':
        cache_dir = cache_dir_for(split_dir)
        names = ('frames.npy', 'masks.npy')
        return [osp.join(cache_dir, n) for n in names if osp.isfile(osp.join(cache_dir, n))]
    return [osp.join(d, n) for d, _, names in os.walk(split_dir) for n in names]


# ---------------------------------------------------------------------------------------------
# measurements
# ---------------------------------------------------------------------------------------------
def sample_bytes(sample):
    """Decoded uint8 bytes in one packed sample (frames 3 bytes a pixel, masks 1, as
    PackVideoInputs packs them)."""
    data = sample['data_samples']
    return sample['inputs'].numel() + sum(data.get(k).numel() for k in SAMPLE_KEYS if k in data)


def to_device(batch, device):
    """Copy a batch to the GPU as MMEngine's data preprocessor does (non_blocking)."""
    return ([x.to(device, non_blocking=True) for x in batch['inputs']],
            [s.to(device, non_blocking=True) for s in batch['data_samples']])


def run_epochs(dataset, workers, batch_size, epochs, persistent=False, pin_memory=False, device=None):
    """Iterate ``epochs`` epochs; returns (samples, seconds). The time includes starting the
    workers (once per epoch unless persistent), which is what persistent_workers saves."""
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, shuffle=False,
                        collate_fn=pseudo_collate, persistent_workers=persistent and workers > 0,
                        pin_memory=pin_memory)
    samples = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            samples += len(batch['inputs'])
            if device is not None:
                to_device(batch, device)
    if device is not None:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    del loader  # stops persistent workers before the next measurement
    return samples, seconds


def build_dataset(root, args, source):
    # 'require' fails loudly instead of silently timing PNGs when the cache is missing.
    ds = FutureSegVideoDataset(data_root=root, split=args.split, mode=args.mode,
                               pipeline=PIPELINES[args.mode],
                               use_cache='require' if source == 'cache' else False)
    assert (ds.frame_cache is not None) == (source == 'cache')
    return ds


def rate_fields(samples, seconds, nbytes):
    return dict(samples=samples, seconds=round(seconds, 3), samples_per_s=round(samples / seconds, 1),
                mb_per_s=round(samples * nbytes / seconds / 1e6, 1))


def measure_dataset(info, args):
    """Rows for one data set: every source x worker count, --epochs epochs each."""
    rows, datasets = [], {}
    for source in SOURCES:
        ds = build_dataset(info['root'], args, source)
        warm_page_cache(source_files(osp.join(info['root'], args.split), source))
        first = ds[0]  # also runs the pipeline's one-time set-up outside the timings
        nbytes = sample_bytes(first)
        h, w = first['inputs'].shape[-2:]
        info.update(size=f'{h}x{w}', videos=len(ds), bytes_per_sample=nbytes)
        datasets[source] = (ds, nbytes)
        for workers in args.workers:
            samples, seconds = run_epochs(ds, workers, args.batch_size, args.epochs)
            rows.append(dict(size=info['size'], videos=len(ds), source=source, workers=workers,
                             batch_size=args.batch_size, epochs=args.epochs, mode=args.mode,
                             **rate_fields(samples, seconds, nbytes)))
            print(f'  {info["size"]} {len(ds)} videos, {source}, {workers} workers: '
                  f'{rows[-1]["samples_per_s"]} samples/s', flush=True)
    return rows, datasets


def pick_speedup_setting(rows):
    """The fastest row with workers > 0 on the course-size data set (else the largest size),
    largest video count; None when no row has workers."""
    candidates = [r for r in rows if r['workers'] > 0]
    if not candidates:
        return None
    sizes = {r['size'] for r in candidates}
    course = '%dx%d' % COURSE_SIZE
    size = course if course in sizes else max(sizes, key=parse_size)
    videos = max(r['videos'] for r in candidates if r['size'] == size)
    return max((r for r in candidates if r['size'] == size and r['videos'] == videos),
               key=lambda r: r['samples_per_s'])


def measure_speedups(best, dataset, nbytes, args):
    """Before/after rows of persistent_workers and pin_memory at the ``best`` setting."""
    cuda = torch.cuda.is_available()
    device = 'cuda' if cuda else None
    base = dict(size=best['size'], videos=best['videos'], source=best['source'],
                workers=best['workers'], batch_size=args.batch_size, epochs=args.epochs,
                to_device=cuda)
    rows = []
    for setting, persistent, pin in (('baseline', False, False),
                                     ('persistent_workers', True, False),
                                     ('pin_memory', False, True),
                                     ('persistent_workers + pin_memory', True, True)):
        row = dict(base, setting=setting, persistent_workers=persistent, pin_memory=pin)
        if pin and not cuda:
            row.update(status='skipped', reason=PIN_SKIP_REASON)
        else:
            samples, seconds = run_epochs(dataset, best['workers'], args.batch_size, args.epochs,
                                          persistent=persistent, pin_memory=pin, device=device)
            row.update(status='measured', **rate_fields(samples, seconds, nbytes))
        rows.append(row)
    for row in rows[1:]:
        if row['status'] == 'measured':
            row['speedup'] = round(row['samples_per_s'] / rows[0]['samples_per_s'], 2)
    rows[0]['speedup'] = 1.0
    return rows


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def print_tables(machine, datasets, rows, speedups, args):
    head = (f'{args.mode} samples ({args.split} split), batch {args.batch_size}, {args.epochs} epoch(s) '
            f'a row, {machine["cpus"]} CPU cores ({machine["cpu"]}), torch {machine["torch"]}, '
            f'{machine["threads"]} torch thread(s)')
    table = PrettyTable(['data set', 'videos', 'generated', 'prepare s', 'cache build s', 'MB a sample'])
    for d in datasets:
        table.add_row([d['root'], d['videos'], d['generated'], d['prepare_s'],
                       '-' if d['cache_build_s'] is None else d['cache_build_s'],
                       round(d.get('bytes_per_sample', 0) / 1e6, 3)])
    print('data sets (prepare s: generating or reusing the videos; cache build s: - when reused)')
    print(table)
    table = PrettyTable(['size', 'videos', 'source', 'workers', 'samples/s', 'MB/s'])
    for r in rows:
        table.add_row([r['size'], r['videos'], r['source'], r['workers'], r['samples_per_s'], r['mb_per_s']])
    print(head)
    print(table)
    if not speedups:
        print('speed-ups: skipped (no measured setting has workers > 0)')
        return
    s = speedups[0]
    print(f'speed-ups at {s["size"]}, {s["videos"]} videos, {s["source"]}, {s["workers"]} workers, '
          f'{s["epochs"]} epochs' + (', batches copied to the GPU' if s['to_device'] else ''))
    table = PrettyTable(['setting', 'persistent_workers', 'pin_memory', 'samples/s', 'MB/s',
                         'speed-up', 'note'])
    for r in speedups:
        table.add_row([r['setting'], r['persistent_workers'], r['pin_memory'], r.get('samples_per_s', '-'),
                       r.get('mb_per_s', '-'), r.get('speedup', '-'), r.get('reason', '')])
    print(table)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', help='an existing data set to measure instead of generated ones '
                                   '(--sizes, --videos and --data-dir then do not apply)')
    p.add_argument('--data-dir', default='work_dirs/bench_data',
                   help='where generated data sets live (one folder per size and video count)')
    p.add_argument('--sizes', type=parse_size, nargs='+', metavar='HxW',
                   help=f'resolutions to generate (default {" ".join(FULL["sizes"])})')
    p.add_argument('--videos', type=int, nargs='+',
                   help=f'video counts to generate (default {" ".join(map(str, FULL["videos"]))})')
    p.add_argument('--split', default='train')
    p.add_argument('--mode', default='future_masks', choices=sorted(PIPELINES))
    p.add_argument('--workers', type=int, nargs='+',
                   help=f'DataLoader workers (default {" ".join(map(str, FULL["workers"]))})')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--epochs', type=int, help=f'epochs a measurement (default {FULL["epochs"]})')
    p.add_argument('--quick', action='store_true',
                   help=f'tiny run for tests: {QUICK["sizes"][0]}, {QUICK["videos"][0]} videos, workers '
                        f'{" ".join(map(str, QUICK["workers"]))}, {QUICK["epochs"]} epochs')
    p.add_argument('--json', default='work_dirs/benchmarks/loader.json')
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, [parse_size(v) for v in value] if key == 'sizes' else value)
    if args.epochs < 1 or min(args.videos) < 1 or min(args.workers) < 0:
        p.error('--epochs and --videos must be >= 1, --workers >= 0')
    return args


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    # Decoding runs in numpy / PIL / cv2; one torch thread keeps torch from competing with
    # the loader workers for the few cores.
    torch.set_num_threads(1)
    machine = machine_info()
    datasets = prepare_all(args)
    rows, speedups, loaded = [], [], {}
    for info in datasets:
        new_rows, loaded[info['root']] = measure_dataset(info, args)
        rows += new_rows
    best = pick_speedup_setting(rows)
    if best is not None:
        root = next(d['root'] for d in datasets
                    if d['size'] == best['size'] and d['videos'] == best['videos'])
        speedups = measure_speedups(best, *loaded[root][best['source']], args)
    machine['loadavg_1m_end'] = round(os.getloadavg()[0], 2)
    print_tables(machine, datasets, rows, speedups, args)
    write_json_atomic(args.json, dict(machine=machine, mode=args.mode, split=args.split,
                                      batch_size=args.batch_size, epochs=args.epochs,
                                      datasets=datasets, rows=rows, speedups=speedups))
    return dict(machine=machine, datasets=datasets, rows=rows, speedups=speedups)


if __name__ == '__main__':
    main()
