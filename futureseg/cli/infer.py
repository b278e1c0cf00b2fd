"""Predict the mask of frame 22 of videos from their frames 1-11, without labels.

    python tools/infer.py MODEL [CHECKPOINT] --input PATH [PATH ...] [--out-dir work_dirs/infer]
        [--segmenter-config CFG --segmenter-checkpoint CKPT] [--stage NAME]
        [--submission FILE.pt] [--batch-size 4] [--device cpu|cuda] [--no-vis] [--show]

(``tools/infer.py``; the recipe's ``Infer`` stage launches ``python -m futureseg.cli.infer``.)

MODEL is a recipe work dir (e.g. work_dirs/quickstart: its final model, post-processors
included, and its segmenter) or a config with its CHECKPOINT. PATH is a video folder (at
least image_0.png ... image_10.png), a split folder of video_<N> folders (e.g. the hidden
split) or several of them. Per video NAME it writes OUT/pred/NAME.png (class ids, 8-bit
grey), OUT/palette/NAME.png (the same ids in the class palette) and OUT/vis/NAME.png (frames
1 and 11 and the predicted masks over frame 11); --submission writes the competition tensor
(N x H x W uint8, numeric video order).
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import DictAction

from futureseg.apis import FutureSegInferencer
from futureseg.apis import register_all_modules
from futureseg.utils.cli import display_problem


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model', help='a recipe work dir, or a config file')
    p.add_argument('checkpoint', nargs='?', help='the checkpoint (with a config)')
    p.add_argument('--input', nargs='+', required=True, help='video folder(s) or split folder(s)')
    p.add_argument('--out-dir', default='work_dirs/infer')
    p.add_argument('--segmenter-config', help='frame segmenter (mask-space / frame predictors, NOS)')
    p.add_argument('--segmenter-checkpoint')
    p.add_argument('--stage', help='with a recipe work dir: the stage whose model to use')
    p.add_argument('--submission', help='also write the submission tensor to this .pt file')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--no-vis', action='store_true', help='no pictures (vis/)')
    p.add_argument('--show', action='store_true', help='show each picture in a window')
    p.add_argument('--wait-time', type=float, default=2)
    p.add_argument('--no-progress', action='store_true')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE')
    args = p.parse_args(argv)
    if args.show and display_problem():
        sys.exit(f'--show: cannot open windows here: {display_problem()}. The pictures are '
                 f'written to {args.out_dir}/vis anyway.')
    if not osp.isdir(args.model) and args.checkpoint is None:
        p.error('a config needs its CHECKPOINT (or give a recipe work dir)')
    segmenter = None
    if args.segmenter_config or args.segmenter_checkpoint:
        if not (args.segmenter_config and args.segmenter_checkpoint):
            p.error('give both --segmenter-config and --segmenter-checkpoint')
        segmenter = dict(config=args.segmenter_config, checkpoint=args.segmenter_checkpoint)
    register_all_modules()
    inferencer = FutureSegInferencer(args.model, args.checkpoint, segmenter=segmenter,
                                     stage=args.stage, device=args.device,
                                     cfg_options=args.cfg_options,
                                     show_progress=not args.no_progress)
    result = inferencer(args.input, batch_size=args.batch_size, out_dir=args.out_dir,
                        submission=args.submission, no_vis=args.no_vis, show=args.show,
                        wait_time=args.wait_time)
    n = len(result['predictions'])
    vis = '' if args.no_vis else f', {args.out_dir}/vis (pictures)'
    sub = f'; submission ({n}, {", ".join(map(str, result["predictions"][0].shape))}) uint8 -> ' \
        f'{args.submission}' if args.submission else ''
    print(f'predicted frame 22 of {n} video(s) with {type(inferencer.model).__name__} -> '
          f'{args.out_dir}/pred (class ids), {args.out_dir}/palette{vis}{sub}')
    return result


if __name__ == '__main__':
    main()
