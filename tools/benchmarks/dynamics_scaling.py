"""Data scaling of the learned object dynamics: the winner's semi-supervision, measured.

    python tools/benchmarks/dynamics_scaling.py --quickstart work_dirs/quickstart \
        [--multipliers 1 4] [--out work_dirs/benchmarks/dynamics_scaling]

After a quickstart (its data, segmenter and masks), for each multiplier m the learned dynamics
(configs/dynamics/object_dynamics_small_cpu.py) is trained on the quickstart's train videos
plus enough pseudo-labelled unlabelled videos that the data set holds m times the
quickstart's videos (the extra ones generated as unlabelled, labelled by the quickstart's
segmenter, as the recipe's SegmentFrames does), then tested through tools/test.py on the
segmenter's masks of val with the ``GapBreakdown`` metric; its control (the floor-plane
extrapolation alone) and the image extrapolation it replaced are tested the same way once.
The extra videos are generated into ``<out>/gen`` (their
own generator record and seed) and ``<out>/data`` links train and val to the quickstart's and
unlabeled to the new ones (each row's ``x<m>/data`` links to the first of them it trains on),
so the quickstart's own data set is left as it was.
Prints a table and writes JSON (``<out>/dynamics_scaling.json``) and Markdown.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

from futureseg.datasets.layout import list_videos
from futureseg.utils.io import write_json_atomic, write_text_atomic
from futureseg.utils.machine import hardware_summary, machine_info

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/dynamics/object_dynamics_small_cpu.py'
CONTROL = 'configs/dynamics/motion_extrapolation_small_cpu.py'
# the image-space extrapolation (the SimVP routes' MotionPrior), what the floor prior replaced
IMAGE_PRIOR = 'configs/dynamics/image_extrapolation_small_cpu.py'
GAP_TOOL = 'tools/analysis_tools/gap_breakdown.py'


def run(module: str, args: list, log: str) -> float:
    """``python -m futureseg.cli.<module> ARGS`` (or ``python <module>`` for a tools/ script)
    with its output in ``log``; seconds taken."""
    start = time.time()
    cmd = [module] if module.endswith('.py') else ['-m', f'futureseg.cli.{module}']
    with open(log, 'a') as f:
        f.write(f'$ {module} {" ".join(map(str, args))}\n')
        f.flush()
        proc = subprocess.run([sys.executable, *cmd, *map(str, args)],
                              cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise SystemExit(f'{module} failed (exit {proc.returncode}); see {log}')
    return time.time() - start


def test(config: str, checkpoint, data: str, seg_val: str, work: str, log: str) -> dict:
    """``config`` tested on val from the segmenter's masks with the gap breakdown
    (tools/analysis_tools/gap_breakdown.py, tools/test.py's runner plus ``GapBreakdown``)."""
    out = osp.join(work, 'gap.json')
    run(GAP_TOOL, [config] + ([checkpoint] if checkpoint else []) +
        ['--work-dir', work, '--json', out, '--cfg-options',
         f'test_dataloader.dataset.data_root={data}',
         f'test_dataloader.dataset.context_mask_root={seg_val}'], log)
    with open(out) as f:
        gap = json.load(f)
    # the breakdown's prediction row is the competition Jaccard of frame 22 (one confusion
    # matrix of the same masks as FutureSegJaccard's)
    return dict(jaccard=gap['prediction']['jaccard'], moving_iou=gap['moving']['mean_iou'],
                collided_iou=gap['collided']['mean_iou'])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quickstart', default='work_dirs/quickstart', help='a finished quickstart work dir')
    p.add_argument('--multipliers', type=int, nargs='+', default=[1, 4])
    p.add_argument('--out', default='work_dirs/benchmarks/dynamics_scaling')
    p.add_argument('--seed', type=int, default=1, help='generator seed of the extra videos')
    args = p.parse_args(argv)
    with open(osp.join(args.quickstart, 'recipe_state.json')) as f:
        state = json.load(f)
    qs_data = state['data']['outputs']['data_root']
    seg = state['segmenter']['outputs']
    seg_val = state['seg_masks']['outputs']['val']
    base = {s: len(list_videos(osp.join(qs_data, s))) for s in ('train', 'val', 'unlabeled')}
    total = sum(base.values())
    data = osp.abspath(osp.join(args.out, 'data'))
    os.makedirs(data, exist_ok=True)
    log = osp.join(args.out, 'run.log')
    gen_root = osp.abspath(osp.join(args.out, 'gen'))
    links = dict(train=osp.join(qs_data, 'train'), val=osp.join(qs_data, 'val'),
                 unlabeled=osp.join(gen_root, 'unlabeled'))
    os.makedirs(links['unlabeled'], exist_ok=True)
    for split, target in links.items():
        if not osp.exists(osp.join(data, split)):
            os.symlink(osp.abspath(target), osp.join(data, split))
    with open(osp.join(qs_data, 'generator.json')) as f:
        gen = json.load(f)
    rows = []
    image = test(IMAGE_PRIOR, None, data, seg_val, osp.join(args.out, 'image_prior'), log)
    rows.append(dict(setting='image extrapolation alone (MotionPrior)', videos=0, **image))
    print(rows[-1], flush=True)
    control = test(CONTROL, None, data, seg_val, osp.join(args.out, 'control'), log)
    rows.append(dict(setting='floor extrapolation alone (control)', videos=0, **control))
    print(rows[-1], flush=True)
    for m in sorted(args.multipliers):
        # unlabelled videos so that the data set holds m x the quickstart's
        n_unlabeled = m * total - base['train'] - base['val']
        t_gen = run('generate_dataset', [gen_root, '--unlabeled', n_unlabeled, '--train', 0, '--val', 0,
                                         '--seed', args.seed, '--width', gen.get('width', 120),
                                         '--height', gen.get('height', 80), '--workers', os.cpu_count(),
                                         '--no-progress'], log)
        masks = osp.join(data, 'seg_masks', 'unlabeled')
        t_seg = run('pseudo_label', [seg['config'], seg['checkpoint'], data, '--split', 'unlabeled',
                                     '--out', masks, '--limit', n_unlabeled], log)
        work = osp.join(args.out, f'x{m}')
        # this row's unlabelled split: links to the first n generated videos (the generated
        # split may hold more, for a larger row, whose masks are not written yet)
        row_data = osp.join(work, 'data')
        os.makedirs(osp.join(row_data, 'unlabeled'), exist_ok=True)
        for split in ('train', 'val'):
            if not osp.exists(osp.join(row_data, split)):
                os.symlink(osp.abspath(links[split]), osp.join(row_data, split))
        for _, path in list_videos(links['unlabeled'])[:n_unlabeled]:
            link = osp.join(row_data, 'unlabeled', osp.basename(path))
            if not osp.exists(link):
                os.symlink(path, link)
        opts = [f'train_dataloader.dataset.datasets.0.data_root={row_data}',
                f'train_dataloader.dataset.datasets.1.data_root={row_data}',
                f'train_dataloader.dataset.datasets.1.mask_root={masks}',
                f'val_dataloader.dataset.data_root={data}',
                f'val_dataloader.dataset.context_mask_root={seg_val}']
        t_train = run('train', [CONFIG, '--work-dir', work, '--cfg-options', *opts], log)
        with open(osp.join(work, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        scores = test(CONFIG, ckpt, data, seg_val, osp.join(work, 'test'), log)
        rows.append(dict(setting=f'learned dynamics, {m}x the videos', multiplier=m,
                         videos=base['train'] + n_unlabeled, pseudo_labelled=n_unlabeled,
                         generate_s=round(t_gen), pseudo_label_s=round(t_seg), train_s=round(t_train),
                         **scores))
        print(rows[-1], flush=True)
    lines = ['| setting | training videos (pseudo-labelled) | val Jaccard | vs control | moving objects IoU '
             '| collided objects IoU | training time |', '|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['setting']} | {r['videos']} ({r.get('pseudo_labelled', 0)}) | {r['jaccard']:.4f} | "
                     f"{r['jaccard'] - control['jaccard']:+.4f} | {r['moving_iou']:.4f} | "
                     f"{r['collided_iou']:.4f} | {r.get('train_s', '-')} s |")
    table = '\n'.join(lines)
    print(table)
    info = machine_info()
    write_json_atomic(osp.join(args.out, 'dynamics_scaling.json'),
                      dict(rows=rows, machine=info, hardware=hardware_summary(info)))
    write_text_atomic(osp.join(args.out, 'dynamics_scaling.md'), table + '\n')
    return rows


if __name__ == '__main__':
    main()
