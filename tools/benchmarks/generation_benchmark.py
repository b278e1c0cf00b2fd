"""Synthetic data generation speed: videos/s per worker count and resolution.

    python tools/benchmarks/generation_benchmark.py                  # 80x120 160x240 320x480, workers 1 2 4
    python tools/benchmarks/generation_benchmark.py --sizes 160x240 --workers 1 2 --videos 16
    python tools/benchmarks/generation_benchmark.py --quick          # seconds (tests)
    python tools/benchmarks/generation_benchmark.py --sizes 160x240 --workers 1 --metal phong reflection

Each measurement runs ``SyntheticVideoWriter.run`` (what tools/generate_dataset.py calls) for
--videos videos of the train split into a fresh temporary folder, removed afterwards. Its wall
time includes starting the spawned worker processes, as a user pays it; that start-up is also
timed on its own once per worker count (the same spawned pool, until all its workers are up),
and the steady rate "excl. start-up" is the estimate videos / (seconds - start-up), given
only when the start-up is under half the run (raise --videos otherwise). It is an upper
estimate: workers that are up early already generate while the last ones start.
Speed-up and parallel efficiency compare each worker count with the smallest one at the same
size (efficiency = speed-up / worker ratio). Worker counts above the core count (printed)
oversubscribe the CPU on purpose. The default --videos 32 (a multiple of every default worker
count) keeps a full run on 2 cores near 4-6 minutes.
``--metal`` times each metal shading: 'reflection' (the default look, generator version 2) and
'phong' (MuJoCo's own, version 1's look): their difference is the cost of the metal pass.
Prints a table and writes JSON (machine and rows) to --json.
"""
import argparse
import multiprocessing as mp
import os
import os.path as osp
import shutil
import tempfile
import time

from prettytable import PrettyTable

import futureseg.datasets.synthetic.render  # noqa: F401  sets MUJOCO_GL=osmesa when unset, for the report
from bench_common import machine_info, parse_size
from futureseg.datasets.synthetic import SyntheticVideoWriter
from futureseg.utils import write_json_atomic

FULL = dict(sizes=['80x120', '160x240', '320x480'], workers=[1, 2, 4], videos=32)
QUICK = dict(sizes=['40x60'], workers=[1, 2], videos=2)


def folder_bytes(root):
    return sum(osp.getsize(osp.join(d, n)) for d, _, names in os.walk(root) for n in names)


def time_generation(size, workers, videos, tmp_dir=None, metal='reflection'):
    """Generate ``videos`` videos in a fresh temporary folder; returns (seconds, bytes written)."""
    h, w = size
    root = tempfile.mkdtemp(prefix='futureseg_genbench_', dir=tmp_dir)
    try:
        start = time.perf_counter()
        written, _ = SyntheticVideoWriter(root, width=w, height=h, seed=0, metal=metal).run(
            {'train': videos}, workers=workers, progress=False)
        seconds = time.perf_counter() - start
        if written != videos:  # a fresh folder has nothing to skip
            raise RuntimeError(f'expected {videos} new videos in {root}, the writer wrote {written}')
        return seconds, folder_bytes(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def pool_startup_seconds(workers):
    """Seconds until ``workers`` spawned pool processes are all up: the fixed cost inside every
    ``run`` (each child re-imports the main script, futureseg and torch). The children wait
    on a barrier as their initializer, a library callable, so they never need to import this
    file under a module name; the pool is then terminated, as the writer's pool is. MuJoCo's
    own import (~0.2 s) happens at a worker's first video and is not counted."""
    ctx = mp.get_context('spawn')
    barrier = ctx.Barrier(workers + 1)  # the workers and this process
    start = time.perf_counter()
    with ctx.Pool(workers, initializer=barrier.wait):
        barrier.wait(timeout=300)
        return time.perf_counter() - start


def measure(size, workers, videos, startup, tmp_dir=None, metal='reflection'):
    seconds, nbytes = time_generation(size, workers, videos, tmp_dir, metal)
    # Subtracting two separately timed, noisy numbers only means something when the videos
    # took most of the run; otherwise no estimate.
    steady = seconds - startup if startup < seconds / 2 else 0
    return dict(size='%dx%d' % size, height=size[0], width=size[1], metal=metal, workers=workers, videos=videos,
                seconds=round(seconds, 2), videos_per_s=round(videos / seconds, 3),
                videos_per_s_per_worker=round(videos / seconds / workers, 3),
                startup_s=round(startup, 2),
                videos_per_s_steady=round(videos / steady, 3) if steady > 0 else None,
                mb_per_video=round(nbytes / videos / 1e6, 3))


def add_scaling(rows):
    """Speed-up and parallel efficiency of each row against the smallest worker count at the
    same size and metal shading (1 worker by default)."""
    for key in {(r['size'], r['metal']) for r in rows}:
        same = [r for r in rows if (r['size'], r['metal']) == key]
        base = min(same, key=lambda r: r['workers'])
        for r in same:
            speedup = r['videos_per_s'] / base['videos_per_s']
            r.update(baseline_workers=base['workers'], speedup=round(speedup, 2),
                     efficiency=round(speedup / (r['workers'] / base['workers']), 2))
    return rows


def print_table(machine, rows):
    base = {r['baseline_workers'] for r in rows}
    vs = f'{base.pop()} worker(s)' if len(base) == 1 else 'fewest workers'
    table = PrettyTable(['size', 'metal', 'workers', 'videos', 'seconds', 'videos/s', 'videos/s per worker',
                         f'speed-up vs {vs}', 'efficiency', 'start-up s', 'videos/s excl. start-up (upper est.)',
                         'MB a video'])
    for r in rows:
        table.add_row([r['size'], r['metal'], r['workers'], r['videos'], r['seconds'], r['videos_per_s'],
                       r['videos_per_s_per_worker'], r['speedup'], r['efficiency'], r['startup_s'],
                       '-' if r['videos_per_s_steady'] is None else r['videos_per_s_steady'],
                       r['mb_per_video']])
    print(f'synthetic generation, {machine["cpus"]} CPU cores ({machine["cpu"]}), '
          f'MUJOCO_GL={machine["mujoco_gl"]}, wall time including worker start-up')
    print(table)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--sizes', type=parse_size, nargs='+', metavar='HxW',
                   help=f'resolutions (default {" ".join(FULL["sizes"])})')
    p.add_argument('--workers', type=int, nargs='+',
                   help=f'worker processes (default {" ".join(map(str, FULL["workers"]))})')
    p.add_argument('--videos', type=int, help=f'videos a measurement (default {FULL["videos"]})')
    p.add_argument('--metal', nargs='+', default=['reflection'], choices=['reflection', 'phong'],
                   help='metal shadings to time (default: reflection, the generator\'s default)')
    p.add_argument('--tmp-dir', help='parent of the temporary output folders (default: the system\'s)')
    p.add_argument('--quick', action='store_true',
                   help=f'tiny run for tests: {QUICK["sizes"][0]}, {QUICK["videos"]} videos, workers '
                        f'{" ".join(map(str, QUICK["workers"]))}')
    p.add_argument('--json', default='work_dirs/benchmarks/generation.json')
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, [parse_size(v) for v in value] if key == 'sizes' else value)
    if args.videos < 1 or min(args.workers) < 1:
        p.error('--videos and --workers must be >= 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    machine = machine_info(mujoco_gl=os.environ.get('MUJOCO_GL'))
    workers = sorted(set(args.workers))
    startup = {n: pool_startup_seconds(n) for n in workers}
    print('worker start-up s: ' + ', '.join(f'{n}: {s:.2f}' for n, s in startup.items()), flush=True)
    rows = []
    for size in args.sizes:
        for metal in args.metal:
            for n in workers:
                rows.append(measure(size, n, args.videos, startup[n], args.tmp_dir, metal))
                r = rows[-1]
                print(f'  {r["size"]}, metal {metal}, {n} workers: {args.videos} videos in '
                      f'{r["seconds"]} s', flush=True)
    add_scaling(rows)
    machine['loadavg_1m_end'] = round(os.getloadavg()[0], 2)
    print_table(machine, rows)
    write_json_atomic(args.json, dict(machine=machine, videos=args.videos, rows=rows))
    return dict(machine=machine, rows=rows)


if __name__ == '__main__':
    main()
