"""Inference speed of the whole test path (load, predict, NOS, score) on a val split.

    python tools/benchmarks/inference_benchmark.py                       # 80x120, 160x240, 320x480
    python tools/benchmarks/inference_benchmark.py --sizes 160x240 --videos 16 64
    python tools/benchmarks/inference_benchmark.py --speedups            # before/after

Runs MMEngine's test loop, exactly as ``tools/test.py`` does, on a generated val split
(``work_dirs/bench_data/val_<H>x<W>_<N>``, made once) for:

* ``rgb+nos``: the winner's path, ``configs/simvp_seg_nos.py``: SimVP (IncepU) predicts the mask
  of frame 22 from frames 1-11; the frame segmenter (DeepLabV3-R18) has segmented the videos
  beforehand (``write_pseudo_labels``, as ``tools/pseudo_label.py`` in the recipe: every frame)
  and the test reads those masks of frames 1-11 for the known objects; New Object Suppression;
* ``maskspace+nos``: ``configs/maskspace/maskspace_gsta_nos.py``: mask-space gSTA reads the
  masks of frames 1-11 (here the true ones, as fast to read as a segmenter's stored masks),
  NOS with the classes in those masks.

Weights are random (``--checkpoint`` takes a trained predictor): speed does not depend on
them. Columns: videos/s once running (the test loop), and where the time goes per video:
loading (the data loader's wait), the known objects (the segmenter's pass beforehand, which
is not in videos/s, plus reading the classes off the masks), NOS itself, and the rest of the
step (prediction, metric); then the test loop's one-off start-up.
"""
import argparse
import os
import os.path as osp
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from prettytable import PrettyTable

from bench_common import WIDTHS, ensure_cache, machine_info, parse_size, set_width
from futureseg.datasets.synthetic import SyntheticVideoWriter
from futureseg.apis import init_model, register_all_modules, write_pseudo_labels
from futureseg.registry import MODELS
from futureseg.utils import write_json_atomic

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PATHS = {'rgb+nos': 'configs/simvp_seg_nos.py',
         'maskspace+nos': 'configs/maskspace/maskspace_gsta_nos.py'}
SEGMENTER = 'configs/deeplabv3/deeplabv3_r18_small_cpu.py'
def val_split(data_dir, size, videos):
    """A generated val split of ``videos`` videos at ``size`` (generated once, then reused)."""
    h, w = size
    root = osp.join(data_dir, f'val_{h}x{w}_{videos}')
    SyntheticVideoWriter(root, width=w, height=h, seed=0).run({'val': videos}, workers=os.cpu_count(),
                                                             progress=False)
    return root


def random_checkpoint(config, path):
    """A segmenter checkpoint with random weights (its speed is what is measured)."""
    if not osp.isfile(path):
        model = MODELS.build(Config.fromfile(osp.join(ROOT, config)).model)
        torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


class StepClock(Hook):
    """Splits the test loop's time into waiting for data and the test step."""
    priority = 'VERY_LOW'

    def __init__(self):
        self.load = self.step = 0.
        self.videos = 0

    def before_test_epoch(self, runner):
        self.mark = time.perf_counter()

    def before_test_iter(self, runner, batch_idx, data_batch=None):
        now = time.perf_counter()
        self.load += now - self.mark
        self.mark = now

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        now = time.perf_counter()
        self.step += now - self.mark
        self.mark = now
        self.videos += len(outputs)


@contextmanager
def timed_methods(obj, names, totals):
    """Accumulate the wall time of ``obj``'s methods ``names`` in ``totals`` (instrumentation)."""
    originals = {n: getattr(obj, n) for n in names}

    def wrap(name, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.) + time.perf_counter() - start
        return timed
    for n, fn in originals.items():
        setattr(obj, n, wrap(n, fn))
    try:
        yield totals
    finally:
        for n in names:
            delattr(obj, n)  # back to the class's method


def build_cfg(path, root, args, work_dir, segmenter_masks, batch, workers, use_cache, channels_last):
    cfg = Config.fromfile(osp.join(ROOT, PATHS[path]))
    set_width(cfg.model, args.width)
    ds = cfg.test_dataloader.dataset
    ds.update(data_root=root, use_cache=use_cache)
    if 'context_mask_root' in ds:
        # the RGB path reads the segmenter's masks (made by measure), the mask-space path the
        # true masks of frames 1-11 (as fast to read as a segmenter's stored masks)
        ds.context_mask_root = segmenter_masks
    cfg.test_dataloader.update(batch_size=batch, num_workers=workers, persistent_workers=False)
    cfg.work_dir = work_dir
    # several runners in one process: give each its own logger and visualizer instance
    cfg.experiment_name = osp.basename(work_dir)
    if 'visualizer' in cfg:
        cfg.visualizer.name = osp.basename(work_dir)
    cfg.log_level = 'WARNING'
    cfg.custom_hooks = [dict(type='ChannelsLastHook')] if channels_last else []
    if args.checkpoint:
        cfg.load_from = args.checkpoint
    return cfg


def measure(path, size, videos, args, batch=None, workers=None, use_cache=False, channels_last=False):
    root = val_split(args.data_dir, size, videos)
    if use_cache:
        ensure_cache(osp.join(root, 'val'))
    seg_ckpt = random_checkpoint(SEGMENTER, osp.join(args.data_dir, 'segmenter_random.pth'))
    work_dir = tempfile.mkdtemp(prefix='fs_infer_')
    batch = batch or args.batch_size
    workers = args.workers if workers is None else workers
    try:
        segment_s, seg_masks = 0., None
        if path == 'rgb+nos':  # the segmenter's pass over the split, as the recipe runs it first
            segmenter = init_model(osp.join(ROOT, SEGMENTER), seg_ckpt)
            seg_masks = osp.join(work_dir, 'seg_masks', 'val')
            start = time.perf_counter()
            write_pseudo_labels(segmenter, osp.join(root, 'val'), seg_masks, batch_size=22, progress=False)
            segment_s = time.perf_counter() - start
        cfg = build_cfg(path, root, args, work_dir, seg_masks, batch, workers, use_cache, channels_last)
        runner = Runner.from_cfg(cfg)
        clock = StepClock()
        runner.register_hook(clock)
        model = runner.model
        start = time.perf_counter()
        with timed_methods(model, ['known_classes', 'postprocess'], {}) as parts:
            runner.test()
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    n = clock.videos
    in_loop_known = parts.get('known_classes', 0.)
    nos = parts.get('postprocess', 0.) - in_loop_known  # postprocess reads the classes, then NOS
    known = segment_s + in_loop_known
    return dict(path=path, size=f'{size[0]}x{size[1]}', videos=n, batch=batch, workers=workers,
                cache=use_cache, channels_last=channels_last,
                # steady state; the loop's one-off start-up (building the data loader, the
                # first worker, the segmenter) is reported apart
                videos_s=round(n / (clock.load + clock.step), 2), total_s=round(total, 2),
                load_ms=round(1000 * clock.load / n, 1),
                known_objects_ms=round(1000 * known / n, 1), nos_ms=round(1000 * nos / n, 1),
                predict_ms=round(1000 * (clock.step - in_loop_known - nos) / n, 1),
                startup_s=round(total - clock.load - clock.step, 2))


COLUMNS = [('path', 'path'), ('size', 'size'), ('videos', 'videos'), ('batch', 'batch'),
           ('workers', 'workers'), ('cache', 'frame cache'), ('channels_last', 'channels_last'),
           ('videos_s', 'videos/s'), ('load_ms', 'load ms/video'),
           ('known_objects_ms', 'known objects ms/video'), ('nos_ms', 'NOS ms/video'),
           ('predict_ms', 'predict+score ms/video'), ('startup_s', 'start-up s')]


def print_table(title, rows, extra=()):
    cols = list(extra) + COLUMNS
    table = PrettyTable([c[1] for c in cols])
    for r in rows:
        table.add_row([r.get(c[0]) for c in cols])
    print(title)
    print(table, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--paths', nargs='+', default=list(PATHS), choices=list(PATHS))
    p.add_argument('--sizes', nargs='+', type=parse_size, default=[(80, 120), (160, 240), (320, 480)])
    p.add_argument('--videos', nargs='+', type=int, default=[16])
    p.add_argument('--width', default='small', choices=sorted(WIDTHS),
                   help="model width: 'small' (the CPU configs) or 'full' (the winner's)")
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--workers', type=int, default=0)
    p.add_argument('--checkpoint', help='a trained predictor checkpoint (default: random weights)')
    p.add_argument('--speedups', action='store_true',
                   help='before/after of the frame cache, loader workers and channels_last '
                        '(first path, size and video count)')
    p.add_argument('--data-dir', default='work_dirs/bench_data')
    p.add_argument('--json', default='work_dirs/benchmarks/inference.json')
    args = p.parse_args(argv)
    register_all_modules()
    os.makedirs(args.data_dir, exist_ok=True)
    title = (f'{args.width} width, random weights, {os.cpu_count()} CPUs, torch '
             f'{torch.__version__}, {"cuda" if torch.cuda.is_available() else "cpu"}')
    rows = []
    if args.speedups:
        path, size, n = args.paths[0], args.sizes[0], args.videos[0]
        for name, opts in (('baseline: PNGs, no workers', {}),
                           ('frame cache', dict(use_cache=True)),
                           ('frame cache + 2 workers', dict(use_cache=True, workers=2)),
                           ('frame cache + channels_last', dict(use_cache=True, channels_last=True))):
            rows.append(dict(measure(path, size, n, args, **opts), setting=name))
            print(rows[-1], flush=True)
        for r in rows:
            r['speedup'] = round(r['videos_s'] / rows[0]['videos_s'], 2)
        print_table(f'speed-ups: {title}', rows, extra=[('setting', 'setting'), ('speedup', 'speed-up')])
    else:
        for path in args.paths:
            for size in args.sizes:
                for n in args.videos:
                    rows.append(measure(path, size, n, args))
                    print(rows[-1], flush=True)
        print_table(title, rows)
    write_json_atomic(args.json, dict(machine=machine_info(),
                                      width=args.width, rows=rows))
    return rows


if __name__ == '__main__':
    sys.exit(main() and 0)
