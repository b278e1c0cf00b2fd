"""Training-step time of a frame segmenter, the attribute heads' two ways to their loss.

    python tools/benchmarks/segmenter_step.py                       # the quickstart's segmenter
    python tools/benchmarks/segmenter_step.py --config CONFIG --size 160 240 --batch 8 --precisions fp32 amp

For each precision (fp32; amp = bf16 autocast on the CPU, fp16 + loss scaling on a GPU, as
``tools/train.py --amp``) it builds the config's model twice from the same seed and trains
each on the same random batch (frames and masks with 1-6 objects of random classes) with the
config's optimizer:

* factorised: the attribute heads' softmax cross-entropy from their 14 attribute logits
  (``attribute_cross_entropy``, the heads' default ``factorised_loss=True``);
* 49-channel: the 49 class log-probabilities built and mmsegmentation's ``CrossEntropyLoss``
  run on them (``factorised_loss=False``).

The two must give the same loss (column ``same loss``: the first step's total loss within
1e-4 relative in fp32, 1e-2 under bf16 autocast, where the two paths round differently;
JSON ``loss_diff``). The time is the median of ``--iters`` steps (forward,
backward, optimizer step) after ``--warmup``; data are in memory, so this is the model and
its loss, not loading. Writes the rows as JSON (``--json``).
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from prettytable import PrettyTable

from futureseg.apis import register_all_modules
from futureseg.registry import MODELS
from futureseg.structures.metainfo import NUM_CLASSES
from futureseg.utils.cli import enable_amp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(ROOT, 'configs/deeplabv3/deeplabv3_r18_attr_fullres_small_cpu.py')
LOSSES = {'factorised': True, '49-channel': False}
TOLERANCE = {'fp32': 1e-4, 'amp': 1e-2}  # relative difference of the two losses


def random_batch(batch: int, height: int, width: int, seed: int = 0):
    """(inputs, data samples): frames in [0, 255] and masks of 1-6 rectangles of random
    classes on background, the shapes a segmenter trains on."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.rand(3, height, width, generator=g) * 255 for _ in range(batch)]
    samples = []
    for _ in range(batch):
        mask = torch.zeros(height, width, dtype=torch.long)
        for _ in range(int(torch.randint(1, 7, (1,), generator=g))):
            h, w = (int(torch.randint(3, max(4, height // 4), (1,), generator=g)),
                    int(torch.randint(3, max(4, width // 4), (1,), generator=g)))
            y, x = int(torch.randint(0, height - h, (1,), generator=g)), int(torch.randint(0, width - w, (1,), generator=g))
            mask[y:y + h, x:x + w] = int(torch.randint(1, NUM_CLASSES, (1,), generator=g))
        samples.append(SegDataSample(gt_sem_seg=PixelData(data=mask[None]),
                                     metainfo=dict(img_shape=(height, width), pad_shape=(height, width))))
    return inputs, samples


def build_model(cfg: Config, factorised: bool, device: str, seed: int = 0):
    model_cfg = copy.deepcopy(cfg.model)
    for head in ('decode_head', 'auxiliary_head'):
        if model_cfg.get(head) is not None:
            if not model_cfg[head]['type'].startswith('futureseg.Attribute'):
                raise SystemExit(f'{cfg.filename}: model.{head} ({model_cfg[head]["type"]}) is not an '
                                 'attribute head; this benchmark compares their two losses')
            model_cfg[head]['factorised_loss'] = factorised
    torch.manual_seed(seed)
    return MODELS.build(model_cfg).to(device).train()


def time_steps(model, optim_wrapper, data, iters: int, warmup: int):
    """(median seconds per step, the first step's total loss)."""
    times, first = [], None
    for step in range(warmup + iters):
        start = time.perf_counter()
        with optim_wrapper.optim_context(model):
            batch = model.data_preprocessor(data, True)
            losses = model(**batch, mode='loss')
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)
        if torch.cuda.is_available() and next(model.parameters()).is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        first = float(loss.detach()) if first is None else first
    return statistics.median(times[warmup:]), first


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=DEFAULT_CONFIG, help='a segmenter config with attribute heads')
    p.add_argument('--size', type=int, nargs=2, default=[80, 120], metavar=('H', 'W'))
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--precisions', nargs='+', default=['amp'], choices=['fp32', 'amp'])
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', choices=['cpu', 'cuda'])
    p.add_argument('--json', default='work_dirs/benchmarks/segmenter_step.json')
    args = p.parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'config not found: {args.config}')
    register_all_modules()
    height, width = args.size
    inputs, samples = random_batch(args.batch, height, width)
    data = dict(inputs=[x.to(args.device) for x in inputs], data_samples=samples)
    rows = []
    for precision in args.precisions:
        cfg = Config.fromfile(args.config)
        if precision == 'amp':
            # bf16 on any CPU (tools/train.py --amp alone would fall back to fp32 where bf16 is
            # not native): this benchmark is how to see that it is slower there
            enable_amp(cfg, args.device, cpu_amp='bf16')
        results = {}
        for name, factorised in LOSSES.items():
            model = build_model(cfg, factorised, args.device)
            optim_wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
            results[name] = time_steps(model, optim_wrapper, data, args.iters, args.warmup)
        base_s, base_loss = results['49-channel']
        for name, (seconds, loss) in results.items():
            diff = abs(loss - base_loss) / max(abs(base_loss), 1e-12)
            rows.append(dict(precision=precision, loss=name, step_s=round(seconds, 4),
                             speedup=round(base_s / seconds, 2), first_loss=loss,
                             loss_diff=diff, same_loss=diff < TOLERANCE[precision]))
            print(rows[-1], flush=True)
    table = PrettyTable(['precision', 'loss', 's / step', 'speed-up', 'same loss'])
    for r in rows:
        table.add_row([r['precision'], r['loss'], f"{r['step_s']:.4f}", f"{r['speedup']:.2f}x",
                       'yes' if r['same_loss'] else f"no ({r['loss_diff']:.1e})"])
    print(f'{osp.relpath(args.config)}: {height}x{width}, batch {args.batch}, {args.device}, '
          f'{torch.get_num_threads()} threads, median of {args.iters} steps')
    print(table)
    os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(dict(config=args.config, size=[height, width], batch=args.batch, device=args.device,
                       iters=args.iters, rows=rows), f, indent=1)
    return rows


if __name__ == '__main__':
    main()
