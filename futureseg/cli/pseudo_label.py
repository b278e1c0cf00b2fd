"""Label unlabelled videos with a trained frame segmenter (stage 3 of the recipe).

    python tools/pseudo_label.py configs/deeplabv3/deeplabv3_r18_synthetic.py CKPT data/synth \
        --split unlabeled --out work_dirs/pseudo_labels/unlabeled [--device cuda] [--overwrite]

Resumable (finished videos are skipped) and refuses to mix labels of other weights.
"""
import argparse
import os.path as osp

import torch

from futureseg.apis import init_model, register_all_modules, write_pseudo_labels


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('data_root')
    p.add_argument('--split', default='unlabeled')
    p.add_argument('--out', help='default: <data_root>/pseudo_labels/<split>')
    p.add_argument('--batch-size', type=int, default=22)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--overwrite', action='store_true', help='replace labels of other weights')
    p.add_argument('--limit', type=int, help='label only the first N videos of the split (by number)')
    args = p.parse_args(argv)
    register_all_modules()
    model = init_model(args.config, args.checkpoint, args.device)
    out = args.out or osp.join(args.data_root, 'pseudo_labels', args.split)
    written, skipped = write_pseudo_labels(model, osp.join(args.data_root, args.split), out,
                                           batch_size=args.batch_size, overwrite=args.overwrite,
                                           limit=args.limit)
    print(f'{out}: wrote {written} videos, skipped {skipped} already labelled')


if __name__ == '__main__':
    main()
