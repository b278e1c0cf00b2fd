"""Forward / forward+backward time per sample of the SimVP models, per translator.

    python tools/benchmarks/model_speed.py [--size 160 240] [--batch 2] [--iters 3] [--device cpu]

Full course-size models (hid_S 64, hid_T 512, N_S 4, N_T 8); the future-mask predictor
decoding frame 22 only ('last') or all 11 future frames ('all'), and the frame predictor.
"""
import argparse
import json
import os
import os.path as osp
import time

import torch
from prettytable import PrettyTable

from futureseg.registry import MODELS
from futureseg.apis import register_all_modules

TRANSLATORS = ('IncepUTranslator', 'GSTATranslator', 'TAUTranslator')


def build(kind, translator, output):
    cfg = dict(encoder=dict(type='SimVPEncoder', in_channels=3, hid_S=64, N_S=4),
               translator=dict(type=translator, hid_T=512, N_T=8),
               decoder=dict(type='SimVPDecoder', hid_S=64, N_S=4))
    if kind == 'mask':
        cfg.update(type='SimVPMaskPredictor', output=output)
    else:
        cfg.update(type='SimVPFramePredictor')
    return MODELS.build(cfg)


def timed(fn, iters, device):
    fn()  # warm-up
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / iters


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', type=int, nargs=2, default=[160, 240])
    p.add_argument('--batch', type=int, default=2)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--device', default='cpu')
    p.add_argument('--json', default='work_dirs/benchmarks/model_speed.json')
    args = p.parse_args(argv)
    register_all_modules()
    h, w = args.size
    x = torch.rand(args.batch, 11, 3, h, w, device=args.device)
    rows = []
    for translator in TRANSLATORS:
        for kind, output in (('mask', 'last'), ('mask', 'all'), ('frame', None)):
            model = build(kind, translator, output).to(args.device)
            params = sum(p.numel() for p in model.parameters()) / 1e6
            with torch.no_grad():
                fwd = timed(lambda: model(x), args.iters, args.device)

            def step():
                model.zero_grad(set_to_none=True)
                model(x).float().mean().backward()
            fwd_bwd = timed(step, args.iters, args.device)
            rows.append(dict(translator=translator, model=f'{kind}' + (f' ({output})' if output else ''),
                             params_m=round(params, 2), fwd_ms=round(1000 * fwd / args.batch, 1),
                             fwd_bwd_ms=round(1000 * fwd_bwd / args.batch, 1)))
            print(rows[-1], flush=True)
    table = PrettyTable(['translator', 'model', 'params (M)', 'forward ms/sample', 'fwd+bwd ms/sample'])
    for r in rows:
        table.add_row([r['translator'], r['model'], r['params_m'], r['fwd_ms'], r['fwd_bwd_ms']])
    print(f'{h}x{w}, batch {args.batch}, {args.device}, {torch.get_num_threads()} threads')
    print(table)
    os.makedirs(osp.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(dict(size=[h, w], batch=args.batch, device=args.device, rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
