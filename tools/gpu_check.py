"""futureseg's check of a GPU node, in one command of at most ~10 minutes (docs/gpu.md).

    python tools/gpu_check.py                    # CUDA: full-width models, 160 x 240, --amp (fp16)
    python tools/gpu_check.py --cpu              # the dry mode: the same steps, tiny, on the CPU
    python tools/gpu_check.py --cpu --steps data segmenter_train segmenter_test

Generates a small synthetic data set (MuJoCo through EGL on CUDA, falling back to OSMesa),
then runs, each as the user would run it (tools/*.py in its own process, wrapped by
tools/run_measured.py for the peak memory) and each with its own timeout:
the segmenter, the frame predictor, the RGB mask predictor and the mask-space predictor
(tools/train.py with --amp on CUDA, then tools/test.py), pseudo-labelling
(tools/pseudo_label.py) and inference (tools/infer.py) on the device, a 1-process torchrun
DDP training (gloo on the CPU) and, with 2+ GPUs, a 2-process one, and a few rows of the
inference benchmark (full width at 160 x 240; on the CPU its tiniest settings).
A failed step does not stop the check: its row says why (the last lines of its log) and the
steps that need its output are skipped. At the end one table (step, what ran, samples/s,
peak memory, pass / fail) is printed and written to WORK_DIR/gpu_check.md and .json.

Samples/s: training steps from MMEngine's logged iteration times (batch / median time of an
iteration, the first one left out); the others end to end (items / wall time of the step,
start-up included). Peak memory: the GPU's (torch.cuda.max_memory_allocated) on CUDA, the
process's resident set (ru_maxrss) on the CPU.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


@dataclass
class Sizes:
    """Everything that differs between the GPU run and the CPU dry mode."""
    height: int
    width: int
    videos: Dict[str, int]
    gen_workers: int
    loader_workers: int
    iters: int          # segmenter iterations
    epochs: int         # video models' epochs
    batch: int
    configs: Dict[str, str]
    model_options: Dict[str, Dict[str, object]]
    bench_infer: List[str]
    val_in_training: bool = True  # a validation at the end of each training (the check's GPU run)


GPU = Sizes(
    height=160, width=240, videos=dict(train=32, val=8, unlabeled=8, hidden=8), gen_workers=8,
    loader_workers=4, iters=60, epochs=2, batch=8,
    configs=dict(segmenter='configs/deeplabv3/deeplabv3_r18_synthetic.py',
                 frame='configs/simvp/simvp_incepu_pretrain.py',
                 rgb='configs/simvp_seg.py',
                 maskspace='configs/maskspace/maskspace_gsta.py'),
    model_options={},
    bench_infer=['--sizes', '160x240', '--videos', '16', '--width', 'full', '--batch-size', '8'])

_TINY_SIMVP = {'model.encoder.hid_S': 8, 'model.encoder.N_S': 2, 'model.translator.hid_T': 16,
               'model.translator.N_T': 2, 'model.decoder.hid_S': 8, 'model.decoder.N_S': 2}
CPU = Sizes(
    height=64, width=96, videos=dict(train=2, val=1, unlabeled=1, hidden=1), gen_workers=1,
    loader_workers=0, iters=4, epochs=1, batch=2,
    configs=dict(segmenter='configs/deeplabv3/deeplabv3_r18_small_cpu.py',
                 frame='configs/simvp/simvp_incepu_pretrain_small_cpu.py',
                 rgb='configs/simvp_seg_small_cpu.py',
                 maskspace='configs/maskspace/maskspace_gsta_small_cpu.py'),
    model_options=dict(segmenter={'model.backbone.strides': [1, 2, 2, 1]}, frame=_TINY_SIMVP,
                       rgb=_TINY_SIMVP, maskspace=dict(_TINY_SIMVP, **{'model.embed_dim': 4})),
    bench_infer=['--sizes', '32x48', '--videos', '2', '--width', 'tiny', '--batch-size', '2',
                 '--paths', 'maskspace+nos'],
    val_in_training=False)


@dataclass
class Step:
    """One row of the table: a command (or several) run in its own process(es).

    Args:
        name (str): The step's id (``--steps``).
        what (str): What it runs, for the table.
        commands (callable): ``ctx -> list of argv`` (tools/ scripts and their arguments; a
            first element ``'torchrun:N'`` runs the script under torchrun with N processes).
        timeout (float): Seconds for all its commands together (GPU run; the dry mode scales).
        needs (list[str]): Steps whose outputs it reads (skipped when one did not pass).
        samples (callable): ``(ctx, step_dir) -> (samples, samples_per_s or None)``; None:
            end to end from the count.
        skip_if (callable): ``ctx -> reason or None``.
    """
    name: str
    what: str
    commands: Callable
    timeout: float
    needs: List[str] = field(default_factory=list)
    samples: Optional[Callable] = None
    skip_if: Optional[Callable] = None


class Context:
    """The check's settings and the outputs of finished steps."""

    def __init__(self, args: argparse.Namespace, sizes: Sizes):
        self.args, self.sizes = args, sizes
        self.cuda = not args.cpu
        self.device = 'cuda' if self.cuda else 'cpu'
        self.work = osp.abspath(args.work_dir)
        self.data = osp.join(self.work, 'data')
        self.gpus = 0
        if self.cuda:
            import torch
            self.gpus = torch.cuda.device_count()
        self.mujoco_gl = os.environ.get('MUJOCO_GL') or ('egl' if self.cuda else 'osmesa')

    def step_dir(self, name: str) -> str:
        return osp.join(self.work, name)

    def trained(self, name: str) -> Dict[str, str]:
        """The dumped config and the last checkpoint of a training step."""
        from futureseg.apis.recipe import best_checkpoint
        wd = self.step_dir(name)
        kind = name[:-len('_train')]
        config = osp.join(wd, osp.basename(self.sizes.configs[kind]))
        return dict(config=config, checkpoint=best_checkpoint(wd)[0])


# ---------------------------------------------------------------------------------------------
# the steps
# ---------------------------------------------------------------------------------------------
def _train_args(ctx: Context, kind: str, extra: Optional[Dict[str, object]] = None,
                dist: bool = False) -> List[str]:
    """tools/train.py's arguments for a short training of one of the four models."""
    from futureseg.apis.recipe.config_utils import cfg_options_args, data_root_options
    s = ctx.sizes
    config = s.configs[kind]
    name = f'{kind}_train' if not dist else extra.pop('_name')
    opts = data_root_options(osp.join(ROOT, config), ctx.data)
    loader = {'batch_size': s.batch, 'num_workers': s.loader_workers,
              'persistent_workers': s.loader_workers > 0}
    for split in ('train', 'val', 'test'):
        for key, value in loader.items():
            if split == 'train' or key != 'batch_size':
                opts[f'{split}_dataloader.{key}'] = value
    n = s.iters if kind == 'segmenter' else s.epochs
    opts.update({'train_cfg.max_iters' if kind == 'segmenter' else 'train_cfg.max_epochs': n,
                 'train_cfg.val_interval': n if s.val_in_training else n + 1,  # n + 1: never
                 'param_scheduler.0.end': n, 'default_hooks.checkpoint.interval': n})
    opts['default_hooks.logger.interval'] = 1
    if not ctx.cuda:
        opts['env_cfg.dist_cfg.backend'] = 'gloo'
    opts.update(s.model_options.get(kind, {}))
    opts.update(extra or {})
    args = [config, '--work-dir', ctx.step_dir(name)]
    if ctx.cuda:
        args.append('--amp')  # fp16 + loss scaling (MMEngine's AmpOptimWrapper)
    return args + cfg_options_args(opts)


def train_step(kind: str, what: str, timeout: float, needs=(), extra=None) -> Step:
    def commands(ctx):
        opts = dict(extra(ctx)) if callable(extra) else dict(extra or {})
        return [['tools/train.py', *_train_args(ctx, kind, opts)]]
    return Step(f'{kind}_train', what, commands, timeout, list(needs), samples=train_samples)


def test_step(kind: str, what: str, timeout: float) -> Step:
    def commands(ctx):
        t = ctx.trained(f'{kind}_train')
        return [['tools/test.py', t['config'], t['checkpoint'], '--work-dir', ctx.step_dir(f'{kind}_test')]]
    return Step(f'{kind}_test', what, commands, timeout, [f'{kind}_train'],
                samples=lambda ctx, d: (ctx.sizes.videos['val'] * (22 if kind == 'segmenter' else 1), None))


def train_samples(ctx: Context, step_dir: str):
    """(samples, samples/s) of a training from MMEngine's scalars.json: batch / median time."""
    files = sorted(glob.glob(osp.join(step_dir, '*', 'vis_data', 'scalars.json')))
    times, iters = [], 0
    for path in files[-1:]:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'time' in rec and 'loss' in rec:
                    times.append(rec['time'])
                    iters = max(iters, int(rec.get('iter', rec.get('step', 0))))
    batch = ctx.sizes.batch
    if len(times) > 1:
        times = times[1:]
    return iters * batch, (batch / statistics.median(times) if times else None)


def data_commands(ctx: Context):
    s = ctx.sizes
    args = ['tools/generate_dataset.py', ctx.data, '--width', s.width, '--height', s.height,
            '--workers', s.gen_workers, '--no-progress']
    for split, n in s.videos.items():
        args += [f'--{split}', n]
    return [[str(a) for a in args]]


def pseudo_commands(ctx: Context):
    t = ctx.trained('segmenter_train')
    return [['tools/pseudo_label.py', t['config'], t['checkpoint'], ctx.data, '--split', split,
             '--out', osp.join(ctx.data, out, split), '--overwrite', '--device', ctx.device]
            for split, out in (('unlabeled', 'pseudo_labels'), ('val', 'seg_masks'))]


def infer_commands(ctx: Context):
    seg, mask = ctx.trained('segmenter_train'), ctx.trained('maskspace_train')
    out = ctx.step_dir('infer')
    return [['tools/infer.py', mask['config'], mask['checkpoint'], '--input', osp.join(ctx.data, 'hidden'),
             '--segmenter-config', seg['config'], '--segmenter-checkpoint', seg['checkpoint'],
             '--out-dir', out, '--submission', osp.join(out, 'submission.pt'), '--device', ctx.device,
             '--batch-size', str(ctx.sizes.batch), '--no-progress']]


def ddp_step(procs: int, timeout: float) -> Step:
    name = f'ddp{procs}_train'

    def commands(ctx):
        args = _train_args(ctx, 'segmenter', {'_name': name}, dist=True)
        return [[f'torchrun:{procs}', 'tools/train.py', *args, '--launcher', 'pytorch']]

    def skip(ctx):
        if procs > 1 and ctx.gpus < procs:
            return f'needs {procs} GPUs, {ctx.gpus if ctx.cuda else "none (CPU dry mode)"} here'
        return None
    how = 'NCCL' if procs > 1 else 'NCCL on CUDA, gloo on the CPU'
    return Step(name, f'segmenter, torchrun {procs} process(es), MMEngine DDP ({how})', commands,
                timeout, ['data'], samples=lambda ctx, d: _ddp_samples(ctx, d, procs), skip_if=skip)


def _ddp_samples(ctx, step_dir, procs):
    n, rate = train_samples(ctx, step_dir)
    return n * procs, (None if rate is None else rate * procs)


def bench_commands(script: str, attr: str):
    def commands(ctx):
        out = osp.join(ctx.step_dir(attr), 'rows.json')
        extra = getattr(ctx.sizes, attr)
        if attr == 'bench_infer':
            extra = extra + ['--data-dir', osp.join(ctx.step_dir(attr), 'data')]
        return [[f'tools/benchmarks/{script}', *extra, '--json', out]]
    return commands


def bench_samples(key: str, peak_key: Optional[str] = None):
    """(rows, best samples/s, peak MiB or None) of a benchmark's JSON: its rows are measured
    in processes of their own, so their peak memory is the benchmark's, not the step's."""
    def samples(ctx, step_dir):
        with open(osp.join(step_dir, 'rows.json')) as f:
            rows = json.load(f)['rows']
        peaks = [r[peak_key] for r in rows if peak_key and r.get(peak_key) is not None]
        return len(rows), max(r[key] for r in rows), (max(peaks) if peaks else None)
    return samples


def plan() -> List[Step]:
    """Every step of the check, in order (GPU timeouts; the dry mode uses the same)."""
    return [
        Step('data', 'synthetic videos (tools/generate_dataset.py; MuJoCo via EGL on CUDA)',
             data_commands, 120, samples=lambda ctx, d: (sum(ctx.sizes.videos.values()), None)),
        train_step('segmenter', 'segmenter DeepLabV3-R18 training (tools/train.py)', 90, ['data']),
        test_step('segmenter', 'segmenter test (tools/test.py)', 45),
        Step('pseudo_label', 'pseudo-labels of unlabeled + val masks (tools/pseudo_label.py)',
             pseudo_commands, 60, ['segmenter_train'],
             samples=lambda ctx, d: ((ctx.sizes.videos['unlabeled'] + ctx.sizes.videos['val']) * 22, None)),
        train_step('frame', 'frame predictor SimVP IncepU pre-training', 75, ['data']),
        test_step('frame', 'frame predictor test', 30),
        train_step('rgb', 'RGB mask predictor SimVP, from the pre-trained encoder', 75, ['frame_train'],
                   extra=lambda ctx: {'model.pretrained.checkpoint': ctx.trained('frame_train')['checkpoint']}),
        test_step('rgb', 'RGB mask predictor test', 30),
        train_step('maskspace', 'mask-space predictor SimVP gSTA (segmenter masks in)', 75, ['pseudo_label']),
        test_step('maskspace', 'mask-space predictor test', 30),
        Step('infer', 'inference on hidden: mask-space + segmenter (tools/infer.py)', infer_commands, 45,
             ['maskspace_train', 'segmenter_train'], samples=lambda ctx, d: (ctx.sizes.videos['hidden'], None)),
        ddp_step(1, 90),
        ddp_step(2, 90),
        Step('bench_infer', 'inference benchmark, a few rows (inference_benchmark.py)',
             bench_commands('inference_benchmark.py', 'bench_infer'), 90, samples=bench_samples('videos_s')),
    ]


# ---------------------------------------------------------------------------------------------
# running and reporting
# ---------------------------------------------------------------------------------------------
def _argv(ctx: Context, command: List[str], measure: str) -> List[str]:
    """The process to start for one command: the script under tools/run_measured.py."""
    py = [sys.executable]
    if command[0].startswith('torchrun:'):
        procs = int(command[0].split(':')[1])
        port = str(29500 + (os.getpid() % 1000))
        py += ['-m', 'torch.distributed.run', f'--nproc_per_node={procs}', f'--master_port={port}']
        command = command[1:]
    return py + [osp.join(ROOT, 'tools', 'run_measured.py'), measure, osp.join(ROOT, command[0]), *command[1:]]


def _env(ctx: Context, mujoco_gl: str) -> Dict[str, str]:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
    env['MUJOCO_GL'] = mujoco_gl
    if not ctx.cuda:
        env['CUDA_VISIBLE_DEVICES'] = ''  # the dry mode never touches a GPU, even where one is
    env.setdefault('OMP_NUM_THREADS', str(max(1, min(8, (os.cpu_count() or 1)))))
    return env


def _tail(path: str, lines: int = 6) -> str:
    try:
        with open(path, errors='replace') as f:
            text = [line.rstrip() for line in f if line.strip()]
    except OSError:
        return ''
    return ' | '.join(text[-lines:])[-600:]


def run_step(ctx: Context, step: Step, deadline: float) -> Dict[str, object]:
    """Runs one step's commands; its row of the table."""
    row: Dict[str, object] = dict(step=step.name, what=step.what, status='pass', seconds=0.0,
                                  samples=None, samples_s=None, peak_mib=None, detail='')
    sdir = ctx.step_dir(step.name)
    if osp.isdir(sdir):
        shutil.rmtree(sdir)
    os.makedirs(sdir)
    log = osp.join(sdir, 'step.log')
    start = time.time()
    gl_modes = [ctx.mujoco_gl] + (['osmesa'] if step.name == 'data' and ctx.mujoco_gl != 'osmesa' else [])
    try:
        commands = step.commands(ctx)
    except Exception as exc:  # noqa: BLE001 - e.g. an earlier step's output is missing
        return dict(row, status='fail', detail=f'could not prepare: {exc!r}'[:600])
    peaks = []
    for k, command in enumerate(commands):
        measure = osp.join(sdir, f'measure{k}.json')
        for gl in gl_modes:  # the data step falls back to OSMesa when EGL fails
            left = min(step.timeout * ctx.args.timeout_scale - (time.time() - start), deadline - time.time())
            if left <= 1:
                code, why = None, "no time left in the step's or the check's budget"
                break
            with open(log, 'a') as f:
                f.write(f'$ MUJOCO_GL={gl} {" ".join(command)}\n')
                f.flush()
                try:
                    code = subprocess.run(_argv(ctx, command, measure), cwd=ROOT, env=_env(ctx, gl),
                                          stdout=f, stderr=subprocess.STDOUT, timeout=left).returncode
                    why = f'exit {code}'
                except subprocess.TimeoutExpired:
                    code, why = None, f'timed out after {left:.0f} s'
            if code == 0:
                if step.name == 'data':
                    row['detail'] = (f'rendered with MUJOCO_GL={gl}' if gl == ctx.mujoco_gl else
                                     f'MUJOCO_GL={ctx.mujoco_gl} failed, rendered with {gl}')
                    ctx.mujoco_gl = gl
                break
        if code != 0:
            row.update(status='timeout' if code is None else 'fail', detail=f'{why}: {_tail(log)}')
            break
        for path in glob.glob(osp.join(sdir, f'measure{k}*.json')):
            with open(path) as f:
                peaks.append(json.load(f))
    row['seconds'] = round(time.time() - start, 1)
    if peaks:
        key = 'cuda_peak_allocated_mib' if ctx.cuda else 'max_rss_mib'
        values = [p.get(key) or 0 for p in peaks] + ([p.get('children_max_rss_mib') or 0 for p in peaks]
                                                     if not ctx.cuda else [])
        row['peak_mib'] = round(max(values), 1)
    if row['status'] == 'pass' and step.samples is not None:
        try:
            n, rate, *peak = step.samples(ctx, sdir)
            if peak and peak[0] is not None:
                row['peak_mib'] = round(peak[0], 1)
            row['samples'] = n
            row['samples_s'] = round(rate if rate is not None else n / max(row['seconds'], 1e-6), 2)
        except Exception as exc:  # noqa: BLE001 - a missing log is a failure of the step
            row.update(status='fail', detail=f'no throughput record: {exc!r}'[:600])
    return row


def markdown(rows: List[Dict[str, object]], ctx: Context, info: Dict[str, object]) -> str:
    mem = 'peak GPU MiB' if ctx.cuda else 'peak RSS MiB'
    out = [f"futureseg GPU check ({'CUDA' if ctx.cuda else 'CPU dry mode'}): {info.get('hardware')}, "
           f"torch {info.get('torch')}, {time.strftime('%Y-%m-%d %H:%M')}", '',
           f'| step | what ran | status | seconds | samples | samples/s | {mem} | detail |',
           '|---|---|---|---|---|---|---|---|']
    for r in rows:
        cells = [r['step'], r['what'], r['status'], r['seconds'], r['samples'], r['samples_s'],
                 r['peak_mib'], str(r['detail']).replace('|', '/')]
        out.append('| ' + ' | '.join('-' if c is None or c == '' else str(c) for c in cells) + ' |')
    passed = sum(r['status'] == 'pass' for r in rows)
    skipped = sum(r['status'] == 'skipped' for r in rows)
    out += ['', f'{passed} passed, {skipped} skipped, {len(rows) - passed - skipped} failed; '
                f"{info.get('total_s')} s in all"]
    return '\n'.join(out) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    names = [s.name for s in plan()]
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--cpu', action='store_true', help='dry mode: tiny sizes on the CPU, no AMP')
    p.add_argument('--steps', nargs='+', choices=names, metavar='STEP',
                   help=f'run only these (and nothing they need is run for them): {" ".join(names)}')
    p.add_argument('--work-dir', default='work_dirs/gpu_check')
    p.add_argument('--budget', type=float,
                   help='seconds for the whole check (default 570; 1800 in the dry mode)')
    p.add_argument('--timeout-scale', type=float,
                   help='multiplies every step timeout (default 1; 4 in the dry mode: CPUs are slower)')
    args = p.parse_args(argv)
    if args.budget is None:
        args.budget = 1800.0 if args.cpu else 570.0
    if args.timeout_scale is None:
        args.timeout_scale = 4.0 if args.cpu else 1.0
    return args


def main(argv=None) -> List[Dict[str, object]]:
    args = parse_args(argv)
    if not args.cpu:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('gpu_check: no CUDA device visible (torch.cuda.is_available() is False); '
                             'run with --cpu for the dry mode')
    ctx = Context(args, CPU if args.cpu else GPU)
    from futureseg.utils import write_json_atomic, write_text_atomic
    from futureseg.utils.machine import hardware_summary, machine_info
    os.makedirs(ctx.work, exist_ok=True)
    start = time.time()
    deadline = start + args.budget
    rows, status = [], {}
    for step in plan():
        if args.steps and step.name not in args.steps:
            continue
        reason = step.skip_if(ctx) if step.skip_if else None
        failed = [n for n in step.needs if status.get(n, 'pass') != 'pass']
        if failed:
            reason = f'needs {", ".join(failed)}, which did not pass'
        if reason:
            row = dict(step=step.name, what=step.what, status='skipped', seconds=0.0, samples=None,
                       samples_s=None, peak_mib=None, detail=reason)
        else:
            print(f'[gpu_check {time.time() - start:5.0f}s] {step.name}: {step.what}', flush=True)
            row = run_step(ctx, step, deadline)
        status[step.name] = row['status']
        rows.append(row)
        print(f'[gpu_check {time.time() - start:5.0f}s] {step.name}: {row["status"]}'
              + (f' ({row["detail"]})' if row['detail'] else ''), flush=True)
    info = machine_info()
    info.update(hardware=hardware_summary(info), total_s=round(time.time() - start, 1),
                mode='cuda' if ctx.cuda else 'cpu', mujoco_gl=ctx.mujoco_gl)
    table = markdown(rows, ctx, info)
    write_json_atomic(osp.join(ctx.work, 'gpu_check.json'), dict(machine=info, rows=rows))
    write_text_atomic(osp.join(ctx.work, 'gpu_check.md'), table)
    print('\n' + table)
    print(f'written: {osp.join(ctx.work, "gpu_check.md")}, {osp.join(ctx.work, "gpu_check.json")}')
    return rows


if __name__ == '__main__':
    rows = main()
    sys.exit(0 if all(r['status'] in ('pass', 'skipped') for r in rows) else 1)
