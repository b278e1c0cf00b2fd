"""Parameters and FLOPs of a config's model at its input size (MMEngine's complexity counter).

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W] [--cfg-options k=v ...] [--table]

The input size is the frame size of the config's test data where it is on disk, else the
course's 160 x 240 (--shape sets it); a future predictor reads 11 frames (a mask-space model
also their masks), a frame segmenter one frame. One multiply-add counts as one FLOP, as in
fvcore and OpenSTL's tables; the count is of one video (batch 1).
"""
import argparse

from mmengine.config import DictAction

from futureseg.apis.analysis import model_complexity
from futureseg.apis import register_all_modules
from futureseg.utils.cli import load_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config file')
    p.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), help='frame size')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE')
    p.add_argument('--table', action='store_true', help='also print the per-module table')
    args = p.parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    info = model_complexity(cfg, tuple(args.shape) if args.shape else None)
    if args.table:
        print(info['table'])
    line = '=' * 40
    print(f"{line}\nconfig: {args.config}\ninput: {info['input']} (size from {info['shape_source']})\n"
          f"FLOPs: {info['flops'] / 1e9:.3f} G\nparameters: {info['params'] / 1e6:.3f} M\n{line}")
    return info


if __name__ == '__main__':
    main()
