"""The predict-then-segment baseline: segment a frame predictor's frame 22.

    python tools/predict_then_segment.py PRED_CFG PRED_CKPT SEG_CFG SEG_CKPT \
        --data-root data/synth [--split val] [--metrics-out FILE.json]

Prints the Jaccard of frame 22 (and the seen / new-object IoU) on a labelled split.
"""
import argparse

import torch

from futureseg.apis import init_model, predict_then_segment
from futureseg.apis import register_all_modules
from futureseg.utils import write_json_atomic


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    p.add_argument('predictor_config')
    p.add_argument('predictor_checkpoint')
    p.add_argument('segmenter_config')
    p.add_argument('segmenter_checkpoint')
    p.add_argument('--data-root', required=True)
    p.add_argument('--split', default='val')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--metrics-out')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = p.parse_args(argv)
    register_all_modules()
    predictor = init_model(args.predictor_config, args.predictor_checkpoint, args.device)
    segmenter = init_model(args.segmenter_config, args.segmenter_checkpoint, args.device)
    metrics = predict_then_segment(predictor, segmenter, args.data_root, args.split, args.batch_size)
    print(f'predict-then-segment on {args.data_root}/{args.split} ({metrics["videos"]} videos): '
          f'Jaccard {metrics["jaccard"]:.4f}, seen objects IoU {metrics["seen_iou"]:.4f}, '
          f'new objects IoU {metrics["new_iou"]:.4f}')
    if args.metrics_out:
        write_json_atomic(args.metrics_out, metrics)


if __name__ == '__main__':
    main()
