"""Training throughput of the SimVP predictors: futureseg (MMEngine Runner) vs plain PyTorch.

    python tools/benchmarks/train_throughput.py          # CUDA: preset gpu, else preset cpu
    python tools/benchmarks/train_throughput.py --preset gpu --device cuda   # full width, batch 1-16
    python tools/benchmarks/train_throughput.py --speedups --translators gSTA --batch-sizes 8
    python tools/benchmarks/train_throughput.py --sizes 80x120 160x240 320x480 --batch-sizes 4

Presets: gpu = the winner's width (hid_S 64, hid_T 512, N_T 8), batch 1/2/4/8/16, fp32 + AMP,
10 timed steps; cpu = the CPU configs' width (hid_S 16, hid_T 128, N_T 3), batch 1/4/16,
fp32 + AMP, 2 timed steps; quick = tiny, for tests.

For each predictor (future-mask: frames 1-11 -> class logits of frame 22; frame: frames 1-11
-> frames 12-22), translator, batch size and precision it trains the same network twice on
the same in-memory videos:

* framework: the model built from futureseg's own configs (``configs/simvp_seg*.py``,
  ``configs/simvp/simvp_*_pretrain.py``) and trained by MMEngine's ``Runner`` (its
  dataloader, ``pseudo_collate``, data preprocessor, loss dict parsing, optimizer wrapper and
  default hooks);
* plain: ``plain_simvp.PlainSimVP`` (no futureseg / MMEngine code) in a hand-written loop
  (``DataLoader``, normalise, forward, loss, backward, step).

The plain model gets the framework model's trained weights and must give the same outputs
(column ``same outputs``: largest difference under 1e-5 of the largest output; JSON
``output_diff``), so the ratio plain / framework is the cost of the framework.
Every loop runs in its own fresh process. Samples/s are timed over ``--iters`` steps after
``--warmup`` steps; peak memory is CUDA's peak allocation, or on CPU how far the process's
resident set peaked above where it started (model, optimizer state, activations, data). Data
live in memory, so this measures training, not loading (see loader_benchmark.py).
AMP is fp16 autocast + loss scaling on GPUs (MMEngine's AmpOptimWrapper) and bf16 autocast on
CPUs (futureseg's CPUAmpOptimWrapper); the plain loop does the same.
"""
import argparse
import copy
import multiprocessing as mp
import os
import os.path as osp
import re
import shutil
import sys
import tempfile
import time
import traceback

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from prettytable import PrettyTable
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from bench_common import WIDTHS, machine_info, parse_size, set_width  # noqa: E402
from plain_simvp import PlainSimVP  # noqa: E402

from futureseg.structures import VideoDataSample  # noqa: E402
from futureseg.registry import DATASETS, MODELS  # noqa: E402
from futureseg.apis import register_all_modules  # noqa: E402
from futureseg.utils import write_json_atomic
from futureseg.utils.cli import enable_amp  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {  # (predictor, translator) -> the config users train
    ('mask', 'IncepU'): 'configs/simvp_seg.py',
    ('mask', 'gSTA'): 'configs/simvp_seg_gsta.py',
    ('mask', 'TAU'): 'configs/simvp_seg_tau.py',
    ('frame', 'IncepU'): 'configs/simvp/simvp_incepu_pretrain.py',
    ('frame', 'gSTA'): 'configs/simvp/simvp_gsta_pretrain.py',
    ('frame', 'TAU'): 'configs/simvp/simvp_tau_pretrain.py',
}
PRESETS = {
    'gpu': dict(width='full', batch_sizes=[1, 2, 4, 8, 16], precisions=['fp32', 'amp'], iters=10, warmup=3),
    'cpu': dict(width='small', batch_sizes=[1, 4, 16], precisions=['fp32', 'amp'], iters=2, warmup=1),
    'quick': dict(width='tiny', batch_sizes=[2], precisions=['fp32'], iters=1, warmup=1),
}


# ---------------------------------------------------------------------------------------------
# data: the same in-memory videos for both loops
# ---------------------------------------------------------------------------------------------
def make_videos(predictor, size, pool=8, seed=0):
    """``pool`` random videos: uint8 frames (pool, 11, 3, H, W) and targets (class ids of
    frame 22, or frames 12-22)."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    frames = torch.randint(0, 256, (pool, 11, 3, h, w), dtype=torch.uint8, generator=g)
    if predictor == 'mask':
        target = torch.randint(0, 49, (pool, 1, h, w), generator=g)
    else:
        target = torch.randint(0, 256, (pool, 11, 3, h, w), dtype=torch.uint8, generator=g)
    return frames, target


class PlainVideos(Dataset):
    def __init__(self, frames, target, length):
        self.frames, self.target, self.length = frames, target, length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        i %= len(self.frames)
        return self.frames[i], self.target[i]


@DATASETS.register_module(name='BenchmarkVideos', force=True)
class FrameworkVideos(PlainVideos):
    """The same videos packed as futureseg's PackVideoInputs packs them."""

    def __init__(self, predictor, size, length, pool=8):
        super().__init__(*make_videos(predictor, size, pool), length)
        self.predictor = predictor
        self.metainfo = {}

    def __getitem__(self, i):
        frames, target = super().__getitem__(i)
        sample = VideoDataSample()
        if self.predictor == 'mask':
            sample.gt_masks = target
        else:
            sample.target_frames = target
        return dict(inputs=frames, data_samples=sample)


# ---------------------------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------------------------
class PeakMemory:
    """Peak memory of a block: CUDA's peak allocation, or on CPU how far the resident set's
    high-water mark (reset through /proc/self/clear_refs) rose above the resident set at the
    start. Meaningful per loop because every loop runs in a fresh process (see isolated)."""

    def __init__(self, device):
        self.device = device

    @staticmethod
    def _status(key):
        with open('/proc/self/status') as f:
            return int(re.search(rf'{key}:\s+(\d+)', f.read()).group(1)) / 1024

    def start(self):
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return
        self.base = None
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.base = self._status('VmRSS')
        except OSError:  # not Linux, or not allowed: report nothing rather than a wrong figure
            pass

    def stop(self):
        if self.device == 'cuda':
            return torch.cuda.max_memory_allocated() / 2 ** 20
        return None if self.base is None else self._status('VmHWM') - self.base


def _child(queue, fn, args, kwargs):
    try:
        queue.put(('ok', fn(*args, **kwargs)))
    except BaseException:  # noqa: B902  hand any failure back to the parent
        queue.put(('error', traceback.format_exc()))


def isolated(fn, *args, **kwargs):
    """Run one training loop in a fresh process: no allocator cache, compiled kernels or
    warm-up left over from the loop before, and its own peak memory. Spawned, not forked:
    a fork of a process that has run OpenMP (any torch op on CPU) or CUDA can hang."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args, kwargs))
    proc.start()
    status, value = queue.get()
    proc.join()
    if status != 'ok':
        raise RuntimeError(f'{fn.__name__} failed in its benchmark process:\n{value}')
    return value


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


# ---------------------------------------------------------------------------------------------
# framework: MMEngine's Runner on futureseg's config
# ---------------------------------------------------------------------------------------------
class ClockHook(Hook):
    """Times the iterations after the warm-up, and their peak memory."""
    priority = 'VERY_LOW'

    def __init__(self, warmup, iters, device, memory):
        self.warmup, self.iters, self.device, self.memory = warmup, iters, device, memory
        self.seconds = self.peak_mb = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        done = runner.iter + 1
        if done == self.warmup:
            sync(self.device)
            self.start = time.perf_counter()
        elif done == self.warmup + self.iters:
            sync(self.device)
            self.seconds = time.perf_counter() - self.start
            self.peak_mb = self.memory.stop()


def model_config(predictor, translator, width):
    """The model and optimizer sections of the config users train, at ``width``."""
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[predictor, translator]))
    model = copy.deepcopy(cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model))
    return set_width(model, width), cfg.optim_wrapper.to_dict()


def run_framework(predictor, translator, args, batch, precision, device, channels_last=False,
                  compile_model=False):
    model, optim = model_config(predictor, translator, args.width)
    memory = PeakMemory(device)
    memory.start()
    clock = ClockHook(args.warmup, args.iters, device, memory)
    custom_hooks = [clock]
    if channels_last:  # converts the weights and switches the data preprocessor
        custom_hooks.append(dict(type='ChannelsLastHook'))
    work_dir = tempfile.mkdtemp(prefix='fs_bench_')
    cfg = Config(dict(
        model=model, work_dir=work_dir, default_scope='futureseg', log_level='WARNING',
        # runners started within one second would otherwise share a (timestamp) name, logger
        # and visualizer
        experiment_name=osp.basename(work_dir),
        train_dataloader=dict(
            dataset=dict(type='BenchmarkVideos', predictor=predictor, size=args.size,
                         length=batch * (args.warmup + args.iters)),
            sampler=dict(type='DefaultSampler', shuffle=False), batch_size=batch,
            num_workers=0, pin_memory=device == 'cuda'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=args.warmup + args.iters, val_interval=10 ** 9),
        optim_wrapper=optim,
        default_hooks=dict(timer=dict(type='IterTimerHook'),
                           logger=dict(type='LoggerHook', interval=10 ** 6),
                           param_scheduler=dict(type='ParamSchedulerHook'),
                           checkpoint=None),
        env_cfg=dict(cudnn_benchmark=device == 'cuda'),
        randomness=dict(seed=0),
        compile=bool(compile_model),
        launcher='none'))
    if precision == 'amp':
        # tools/train.py --amp --cpu-amp bf16: bf16 whatever the CPU, as the plain loop runs it
        enable_amp(cfg, device, cpu_amp='bf16')
    try:
        runner = Runner.from_cfg(cfg)
        runner.register_custom_hooks(custom_hooks)
        runner.model.to(device)
        runner.train()
        params = sum(p.numel() for p in runner.model.parameters())
        diff = output_difference(runner.model.state_dict(), predictor, translator, args, device)
        return dict(seconds=clock.seconds, peak_mb=clock.peak_mb, params=params, output_diff=diff)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# plain PyTorch
# ---------------------------------------------------------------------------------------------
def build_plain(predictor, translator, width):
    w = WIDTHS[width]
    return PlainSimVP(f'{translator}Translator' if translator != 'gSTA' else 'GSTATranslator',
                      w['hid_S'], w['N_S'], w['hid_T'], w['N_T'],
                      out_channels=49 if predictor == 'mask' else 3, last_only=predictor == 'mask')


def run_plain(predictor, translator, args, batch, precision, device, channels_last=False,
              compile_model=False):
    memory = PeakMemory(device)
    memory.start()
    torch.manual_seed(0)
    model = build_plain(predictor, translator, args.width).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    step_model = torch.compile(model) if compile_model else model
    # the framework's defaults: Adam lr 1e-3; background weighted 0.6 in the mask loss
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    weight = torch.ones(49, device=device)
    weight[0] = 0.6
    amp = precision == 'amp'
    amp_dtype = torch.float16 if device == 'cuda' else torch.bfloat16
    scaler = torch.amp.GradScaler(device, enabled=amp and device == 'cuda')
    loader = DataLoader(PlainVideos(*make_videos(predictor, args.size), batch * (args.warmup + args.iters)),
                        batch_size=batch, shuffle=False, num_workers=0, pin_memory=device == 'cuda')
    model.train()
    for k, (frames, target) in enumerate(loader):
        if k == args.warmup:
            sync(device)
            start = time.perf_counter()
        x = frames.to(device, non_blocking=True).float() / 255
        if channels_last:
            x = x.flatten(0, 1).contiguous(memory_format=torch.channels_last).view(x.shape)
        with torch.autocast(device, dtype=amp_dtype, enabled=amp):
            out = step_model(x)
        if predictor == 'mask':
            loss = F.cross_entropy(out.flatten(0, 1).float(), target.to(device).flatten(0, 1),
                                   weight=weight, ignore_index=255)
        else:
            loss = F.mse_loss(out.float(), target.to(device).float() / 255)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
    sync(device)
    return dict(seconds=time.perf_counter() - start, peak_mb=memory.stop())


def output_difference(state, predictor, translator, args, device):
    """Load the framework model's weights into the plain model: the largest difference of
    their outputs on new videos, relative to the largest output (0 when identical)."""
    register_all_modules()
    model_cfg, _ = model_config(predictor, translator, args.width)
    fw = MODELS.build(model_cfg).to(device).eval()
    fw.load_state_dict(state)
    plain = build_plain(predictor, translator, args.width).to(device).eval()
    plain.load_state_dict({k: v for k, v in state.items()
                           if k.startswith(('encoder.', 'translator.', 'decoder.'))}, strict=True)
    frames, _ = make_videos(predictor, args.size, pool=2, seed=1)
    x = frames.to(device).float() / 255
    with torch.no_grad():
        a, b = fw(x), plain(x)
    if a.shape != b.shape:
        return float('inf')
    # relative to the outputs' scale: trained weights can make logits large
    return float((a - b).abs().max() / a.abs().max().clamp(min=1.))


# ---------------------------------------------------------------------------------------------
def measure(predictor, translator, args, batch, precision, device, **opts):
    if opts.get('compile_model'):
        # compiling (forward, then backward graphs) spans the first steps: time after them
        args = copy.copy(args)
        args.warmup = max(args.warmup, 3)
    run = isolated if args.isolate else (lambda fn, *a, **kw: fn(*a, **kw))
    fw = run(run_framework, predictor, translator, args, batch, precision, device, **opts)
    plain = run(run_plain, predictor, translator, args, batch, precision, device, **opts)
    same = fw['output_diff'] <= 1e-5
    n = batch * args.iters
    fw_rate, plain_rate = n / fw['seconds'], n / plain['seconds']
    return dict(predictor=predictor, translator=translator, batch=batch, precision=precision,
                params_m=round(fw['params'] / 1e6, 3),
                framework_samples_s=round(fw_rate, 3), plain_samples_s=round(plain_rate, 3),
                framework_over_plain=round(fw_rate / plain_rate, 3),
                framework_peak_mb=None if fw['peak_mb'] is None else round(fw['peak_mb']),
                plain_peak_mb=None if plain['peak_mb'] is None else round(plain['peak_mb']),
                same_outputs=same, output_diff=fw['output_diff'], **{k: bool(v) for k, v in opts.items()})


def print_table(title, rows, extra=()):
    table = PrettyTable(['predictor', 'translator', *extra, 'batch', 'precision', 'params (M)',
                         'framework samples/s', 'plain samples/s', 'framework / plain',
                         'framework peak MB', 'plain peak MB', 'same outputs'])
    for r in rows:
        table.add_row([r['predictor'], r['translator'], *[r.get(e) for e in extra], r['batch'],
                       r['precision'], r['params_m'], r['framework_samples_s'], r['plain_samples_s'],
                       r['framework_over_plain'], r['framework_peak_mb'], r['plain_peak_mb'],
                       r['same_outputs']])
    print(title)
    print(table, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--preset', choices=sorted(PRESETS), help='default: gpu on CUDA, cpu otherwise')
    p.add_argument('--predictors', nargs='+', default=['mask', 'frame'], choices=['mask', 'frame'])
    p.add_argument('--translators', nargs='+', default=['IncepU', 'gSTA', 'TAU'],
                   choices=['IncepU', 'gSTA', 'TAU'])
    p.add_argument('--width', choices=sorted(WIDTHS), help='model width (preset default)')
    p.add_argument('--size', type=int, nargs=2, default=[160, 240], metavar=('H', 'W'))
    p.add_argument('--batch-sizes', type=int, nargs='+')
    p.add_argument('--precisions', nargs='+', choices=['fp32', 'amp'])
    p.add_argument('--iters', type=int)
    p.add_argument('--warmup', type=int)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', choices=['cpu', 'cuda'])
    p.add_argument('--speedups', action='store_true',
                   help='before/after of channels_last, AMP and torch.compile (first predictor, '
                        'translator and batch size)')
    p.add_argument('--sizes', nargs='+', metavar='HxW',
                   help='resolution scaling instead of the grid: e.g. 80x120 160x240 320x480')
    p.add_argument('--no-isolate', dest='isolate', action='store_false',
                   help='run every loop in this process (quicker; memory figures then mix loops)')
    p.add_argument('--json', default='work_dirs/benchmarks/train_throughput.json')
    args = p.parse_args(argv)
    preset = PRESETS[args.preset or ('gpu' if args.device == 'cuda' else 'cpu')]
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.warmup < 1 or args.iters < 1:
        p.error('--warmup and --iters must be >= 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    device = args.device
    rows, title = [], (f'{args.size[0]}x{args.size[1]}, width {args.width}, {device}, '
                       f'{args.iters} timed iterations after {args.warmup}')
    if args.speedups:
        pred, tr, batch = args.predictors[0], args.translators[0], args.batch_sizes[-1]
        for name, precision, opts in (('baseline (fp32)', 'fp32', {}),
                                      ('channels_last', 'fp32', dict(channels_last=True)),
                                      ('AMP', 'amp', {}),
                                      ('torch.compile', 'fp32', dict(compile_model=True)),
                                      ('AMP + torch.compile', 'amp', dict(compile_model=True))):
            rows.append(dict(measure(pred, tr, args, batch, precision, device, **opts), setting=name))
            print(rows[-1], flush=True)
        base = rows[0]
        for r in rows:
            r['speedup_framework'] = round(r['framework_samples_s'] / base['framework_samples_s'], 2)
        print_table(f'speed-ups: {title}', rows, extra=('setting', 'speedup_framework'))
    elif args.sizes:
        for text in args.sizes:
            args.size = list(parse_size(text))
            for pred in args.predictors:
                for tr in args.translators:
                    rows.append(dict(measure(pred, tr, args, args.batch_sizes[0], args.precisions[0], device),
                                     size=text))
                    print(rows[-1], flush=True)
        print_table(f'resolution scaling: width {args.width}, {device}', rows, extra=('size',))
    else:
        for pred in args.predictors:
            for tr in args.translators:
                for precision in args.precisions:
                    for batch in args.batch_sizes:
                        rows.append(measure(pred, tr, args, batch, precision, device))
                        print(rows[-1], flush=True)
        print_table(title, rows)
    write_json_atomic(args.json, dict(machine=machine_info(device=device), size=args.size, width=args.width,
                                      iters=args.iters, warmup=args.warmup, rows=rows))
    return rows


if __name__ == '__main__':
    main()
