"""Draw a model's predictions of frame 22, one panel per video, and a grid of them.

    python tools/visualize.py CONFIG CHECKPOINT [--split val] [--num 8] [--out DIR]
        [--cfg-options ...]

Each panel: frames 1 and 11, the true frame 22, the true mask of frame 22, and the predicted
mask of frame 22 before and after each post-processor (e.g. a *_nos.py config), in the class
palette. Writes DIR/video_<N>.png and DIR/grid.png.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate

from futureseg.apis import init_model
from futureseg.registry import DATASETS, VISUALIZERS
from futureseg.apis import register_all_modules
from futureseg.utils.cli import load_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data-root', help="override the test set's data_root")
    p.add_argument('--split', help="override the test set's split")
    p.add_argument('--num', type=int, default=8, help='videos to draw (the first N)')
    p.add_argument('--out', default='work_dirs/visualize')
    p.add_argument('--overlay', action='store_true', help='masks over the true frame 22')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    ds_cfg = cfg.test_dataloader.dataset
    if args.data_root:
        ds_cfg.data_root = args.data_root
    if args.split:
        ds_cfg.split = args.split
    dataset = DATASETS.build(ds_cfg)
    model = init_model(cfg, args.checkpoint)
    visualizer = VISUALIZERS.build(dict(type='FutureSegVisualizer', name='visualize',
                                        overlay=args.overlay))
    os.makedirs(args.out, exist_ok=True)
    panels = []
    n = min(args.num, len(dataset))
    with torch.no_grad():
        for start in range(0, n, 4):
            batch = pseudo_collate([dataset[i] for i in range(start, min(start + 4, n))])
            raw_inputs = [x.clone() for x in batch['inputs']]
            samples = model.test_step(batch)
            for frames, sample in zip(raw_inputs, samples):
                vid = sample.metainfo['video_id']
                out = osp.join(args.out, f'video_{vid}.png')
                panels.append(visualizer.add_datasample(f'video_{vid}', frames, sample, out_file=out))
    width = max(p.shape[1] for p in panels)
    grid = np.concatenate([np.pad(p, ((0, 4), (0, width - p.shape[1]), (0, 0)), constant_values=255)
                           for p in panels], 0)
    cv2.imwrite(osp.join(args.out, 'grid.png'), grid[..., ::-1])
    print(f'drew {len(panels)} videos into {args.out} (grid.png)')


if __name__ == '__main__':
    main()
