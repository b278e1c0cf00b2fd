"""No pre-training vs pixel-MSE vs JEPA pre-training, same budget, same downstream training.

Each pre-training arm trains SimVP's encoder + gSTA translator at CPU width for the same
epochs on the same videos (train + unlabelled): 'mse' is the frame predictor
(``configs/simvp/simvp_incepu_pretrain_small_cpu.py`` with the gSTA translator), 'jepa' the
JEPA (``configs/simvp/simvp_gsta_jepa_pretrain_small_cpu.py``), 'none' trains nothing. Then:

- a linear probe of the frozen encoder + translator: for every object visible in frames 11
  and 22 of a video, the translated latents of all 11 steps averaged over the object's
  frame-11 mask (a T * hid_S vector) -> its centroid displacement from frame 11 to frame 22
  (pixels), ridge regression fit on train, scored on val (R^2, median error; the
  no-motion guess as the reference);
- the same downstream training of the winner's RGB route with the motion prior
  (``configs/simvp_seg_gsta_motion_prior_small_cpu.py``, every arm's encoder + translator
  loaded; without a prior the RGB route stays at the all-background answer at CPU scale, where
  no start can show: ``--rgb-config configs/simvp_seg_gsta_small_cpu.py``) and of the mask-space route
  (``configs/maskspace/maskspace_gsta_motion_small_cpu.py``, the same motion prior; pre-trained
  only by the mask-space JEPA, ``configs/maskspace/maskspace_gsta_jepa_pretrain_small_cpu.py``:
  the pixel-MSE encoder reads RGB frames, not class masks), scored by val Jaccard of frame 22
  at the last epoch. Both routes' control is their prior alone (``tools/test.py
  configs/dynamics/image_extrapolation_small_cpu.py`` on the same val).

Every training is ``tools/train.py`` in its own process. The mask-space models read the
true masks of frames 1-11 at val (no segmenter here), so their scores are above what the
segmenter's masks give.

    python tools/benchmarks/pretraining_comparison.py --data-root data/quickstart \
        --work-dir work_dirs/pretraining_comparison [--pretrain-epochs 3] [--downstream-epochs 6]

Output: a table on stdout, ``WORK_DIR/pretraining_comparison.json`` and ``.md``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench_common import machine_info  # noqa: E402
from futureseg.utils.cli import read_config  # noqa: E402
from futureseg.utils.scalars import last_val_metrics  # noqa: E402

PRETRAIN = {
    'mse': ('configs/simvp/simvp_incepu_pretrain_small_cpu.py',
            {'model.translator.type': 'GSTATranslator'}),
    'jepa': ('configs/simvp/simvp_gsta_jepa_pretrain_small_cpu.py', {}),
    'jepa_masks': ('configs/maskspace/maskspace_gsta_jepa_pretrain_small_cpu.py', {}),
}
RGB_CONFIG = 'configs/simvp_seg_gsta_motion_prior_small_cpu.py'
MASK_CONFIG = 'configs/maskspace/maskspace_gsta_motion_small_cpu.py'


def epochs_options(n):
    """cfg-options for an n-epoch one-cycle run validated once, at its end."""
    return {'train_cfg.max_epochs': n, 'param_scheduler.0.end': n, 'train_cfg.val_interval': n}


def train(config, work_dir, options, amp=False, workers=0):
    """tools/train.py CONFIG in its own process; returns (wall seconds, the last val metrics,
    the last checkpoint). A finished run of the same config and options is not repeated; one
    of other settings in the same work dir is an error (delete it or give another
    ``--work-dir``)."""
    epochs = options['train_cfg.max_epochs']
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    done = osp.join(work_dir, 'benchmark_run.json')
    settings = json.loads(json.dumps(dict(config=config, options=options, amp=amp), default=str))
    if osp.isfile(ckpt) and osp.isfile(done):
        with open(done) as f:
            rec = json.load(f)
        if rec.get('settings', settings) != settings:
            raise SystemExit(f'{work_dir} holds a run of other settings ({rec["settings"]}); '
                             f'delete it or use another --work-dir')
        return rec['seconds'], rec['metrics'], ckpt
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), osp.join(ROOT, config),
           '--work-dir', work_dir] + (['--amp'] if amp else [])
    if workers:  # the CPU configs load in-process; a GPU waits for the PNGs otherwise
        options = dict(options, **{f'{d}.{k}': v for d in ('train_dataloader', 'val_dataloader')
                                   for k, v in (('num_workers', workers),
                                                ('persistent_workers', True))})
    cmd += ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get('PYTHONPATH', '')]))
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 1)
    if proc.returncode:
        raise SystemExit(f'{config} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    metrics = last_val_metrics(work_dir)
    with open(done, 'w') as f:
        json.dump(dict(seconds=seconds, metrics=metrics, settings=settings), f)
    return seconds, metrics, ckpt


def data_options(root, kind):
    """cfg-options pointing a config's loaders at the data set ``root``."""
    if kind == 'frames':  # train + unlabelled concatenated
        opts = {f'train_dataloader.dataset.datasets.{i}.data_root': root for i in (0, 1)}
    else:
        opts = {'train_dataloader.dataset.data_root': root}
    opts['val_dataloader.dataset.data_root'] = root
    if kind in ('maskspace', 'rgb_prior'):  # no segmenter here: true masks of frames 1-11 at val
        opts['val_dataloader.dataset.context_mask_root'] = None
    return opts


# -- linear probe ----------------------------------------------------------------------------
def probe_samples(model, root, split, min_pixels=20, max_videos=None):
    """(features, displacements) of every object visible in frames 11 and 22 of a split."""
    from mmengine.dataset import pseudo_collate
    from futureseg.datasets import FutureSegVideoDataset
    from futureseg.structures import object_centroids
    ds = FutureSegVideoDataset(data_root=root, split=split, mode='future_masks', pipeline=[
        dict(type='LoadVideo', load_input_masks=True), dict(type='PackVideoInputs')])
    feats, moves = [], []
    n = len(ds) if max_videos is None else min(len(ds), max_videos)
    with torch.no_grad():
        for i in range(0, n, 8):
            chunk = [ds[k] for k in range(i, min(i + 8, n))]
            batch = model.data_preprocessor(pseudo_collate(chunk))
            hid, _ = model.encode_translate(batch['inputs'])  # (B, T, C, h, w)
            for k, s in enumerate(batch['data_samples']):
                m11 = s.input_masks[-1]
                # pixels and centroid of every class in frames 11 and 22: (1, 2, K) each
                count, cy, cx = object_centroids(torch.stack([m11, s.gt_masks[-1]])[None])
                for c in torch.unique(m11).tolist():
                    if c == 0 or c >= 49:
                        continue
                    if count[0, 0, c] < min_pixels or count[0, 1, c] < min_pixels:
                        continue
                    a = m11 == c
                    w = torch.nn.functional.adaptive_avg_pool2d(a[None].float(), hid.shape[-2:])[0]
                    f = (hid[k] * w).sum((-2, -1)) / w.sum().clamp_min(1e-6)  # (T, C)
                    feats.append(f.flatten().cpu().numpy())
                    moves.append(torch.stack([cy[0, 1, c] - cy[0, 0, c],
                                              cx[0, 1, c] - cx[0, 0, c]]).numpy())
    return np.stack(feats), np.stack(moves)


def linear_probe(config, options, ckpt, root, seed=0):
    """Ridge probe of the frozen encoder + translator (``ckpt`` None: the seeded random
    init) for objects' displacement 11 -> 22: R^2 and median error on val."""
    from mmengine.config import Config
    from sklearn.linear_model import RidgeCV
    from futureseg.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict({k: v for k, v in options.items() if k.startswith('model.')})
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if ckpt:
        state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
        model.load_state_dict(state)
    model.eval().to('cuda' if torch.cuda.is_available() else 'cpu')
    xtr, ytr = probe_samples(model, root, 'train')
    xva, yva = probe_samples(model, root, 'val')
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    reg = RidgeCV(alphas=np.logspace(-2, 4, 13)).fit((xtr - mu) / sd, ytr)
    pred = reg.predict((xva - mu) / sd)
    err = np.linalg.norm(pred - yva, axis=1)
    r2 = 1 - ((pred - yva) ** 2).sum() / ((yva - yva.mean(0)) ** 2).sum()
    return dict(probe_r2=float(r2), probe_median_px=float(np.median(err)),
                no_motion_median_px=float(np.median(np.linalg.norm(yva, axis=1))),
                probe_objects=[int(len(ytr)), int(len(yva))])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-root', required=True)
    p.add_argument('--work-dir', default='work_dirs/pretraining_comparison')
    p.add_argument('--pretrain-epochs', type=int, default=3)
    p.add_argument('--downstream-epochs', type=int, default=6)
    p.add_argument('--arms', nargs='+', default=['none', 'mse', 'jepa'],
                   choices=['none', 'mse', 'jepa'])
    p.add_argument('--routes', nargs='+', default=['rgb', 'maskspace'],
                   choices=['rgb', 'maskspace'])
    p.add_argument('--rgb-config', default=RGB_CONFIG, help='the downstream RGB route')
    p.add_argument('--mask-config', default=MASK_CONFIG, help='the downstream mask-space route')
    p.add_argument('--amp', action='store_true', help='tools/train.py --amp for every run')
    p.add_argument('--workers', type=int, default=0,
                   help='data loader processes of every run (0: in-process, the CPU configs\')')
    args = p.parse_args(argv)
    root = osp.abspath(args.data_root)
    os.makedirs(args.work_dir, exist_ok=True)
    from futureseg.apis import register_all_modules
    register_all_modules()
    rows = []
    for arm in args.arms:
        row = dict(arm=arm)
        ckpt = None
        if arm != 'none':
            config, opts = PRETRAIN[arm]
            opts = dict(opts, **epochs_options(args.pretrain_epochs),
                        **data_options(root, 'frames'))
            row['pretrain_s'], row['pretrain_val'], ckpt = train(
                config, osp.join(args.work_dir, f'pretrain_{arm}'), opts, args.amp, args.workers)
        probe_cfg, probe_opts = PRETRAIN['jepa' if arm == 'none' else arm]
        row.update(linear_probe(probe_cfg, probe_opts, ckpt, root))
        if 'rgb' in args.routes:
            kind = 'rgb_prior' if 'prior' in read_config(osp.join(ROOT, args.rgb_config)).model else 'future'
            opts = dict(epochs_options(args.downstream_epochs), **data_options(root, kind))
            if ckpt:
                opts['model.pretrained.checkpoint'] = ckpt
            row['rgb_s'], val, _ = train(args.rgb_config, osp.join(args.work_dir, f'rgb_{arm}'),
                                         opts, args.amp, args.workers)
            row['rgb_jaccard'] = val.get('future/jaccard')
        if 'maskspace' in args.routes and arm != 'mse':
            mckpt = None
            if arm == 'jepa':
                config, opts = PRETRAIN['jepa_masks']
                opts = dict(opts, **epochs_options(args.pretrain_epochs),
                            **data_options(root, 'maskspace'))
                opts.pop('val_dataloader.dataset.context_mask_root')
                row['mask_pretrain_s'], row['mask_pretrain_val'], mckpt = train(
                    config, osp.join(args.work_dir, 'pretrain_jepa_masks'), opts, args.amp,
                    args.workers)
            opts = dict(epochs_options(args.downstream_epochs), **data_options(root, 'maskspace'))
            if mckpt:
                opts['model.pretrained.checkpoint'] = mckpt
            row['mask_s'], val, _ = train(args.mask_config, osp.join(args.work_dir, f'mask_{arm}'),
                                          opts, args.amp, args.workers)
            row['mask_jaccard'] = val.get('future/jaccard')
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = dict(machine=machine_info(), args=vars(args), rows=rows)
    with open(osp.join(args.work_dir, 'pretraining_comparison.json'), 'w') as f:
        json.dump(out, f, indent=1)
    md = to_markdown(rows)
    with open(osp.join(args.work_dir, 'pretraining_comparison.md'), 'w') as f:
        f.write(md)
    print(md)


def _fmt(v, spec='.4f'):
    return '-' if v is None else format(v, spec)


def to_markdown(rows):
    """The comparison table."""
    head = ('| pre-training | time | probe R^2 (displacement 11->22) | probe median error (px) '
            '| no-motion error (px) | RGB route val Jaccard | mask-space route val Jaccard |')
    lines = [head, '|' + '---|' * 7]
    for r in rows:
        t = r.get('pretrain_s')
        if r.get('mask_pretrain_s') is not None:
            t = f"{t} s (RGB) + {r['mask_pretrain_s']} s (masks)"
        else:
            t = '-' if t is None else f'{t} s'
        lines.append(f"| {r['arm']} | {t} | {_fmt(r['probe_r2'], '.3f')} | "
                     f"{_fmt(r['probe_median_px'], '.2f')} | "
                     f"{_fmt(r['no_motion_median_px'], '.2f')} | "
                     f"{_fmt(r.get('rgb_jaccard'))} | {_fmt(r.get('mask_jaccard'))} |")
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
