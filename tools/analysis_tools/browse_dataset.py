"""Look at videos of a course-layout data set with their masks, as PNG strips and GIFs.

    python tools/analysis_tools/browse_dataset.py ROOT [--split train] [--num 4]
        [--frames 0 5 10 15 21] [--mask-root DIR] [--out work_dirs/browse] [--no-gif]

Per video: ``video_<N>.png`` (the chosen frames, each above its mask in the class palette)
and ``video_<N>.gif`` (every frame beside its mask painted over it). Works on generated data
and on the course's own; videos without mask.npy (unlabeled, hidden) show frames only, or
the masks of ``--mask-root`` (pseudo-labels, a segmenter's masks).
"""
import argparse
import os
import os.path as osp

import numpy as np
from PIL import Image

from futureseg.datasets.check import frame_numbers
from futureseg.datasets.layout import list_videos, load_frame, load_mask
from futureseg.visualization import colorize, overlay, tile_row


def video_pictures(video_dir, mask_path=None, frames=(0, 5, 10, 15, 21)):
    """(strip, gif frames) of one video: the strip has the chosen frames above their masks,
    each GIF frame is a frame beside its mask painted over it."""
    images = [load_frame(osp.join(video_dir, f'image_{k}.png')) for k in frame_numbers(video_dir)]
    masks = load_mask(mask_path) if mask_path and osp.isfile(mask_path) else None
    chosen = [k for k in frames if k < len(images)]
    strip = tile_row([images[k] for k in chosen])
    if masks is not None:
        below = tile_row([colorize(masks[k]) if k < len(masks) else np.zeros_like(images[k])
                          for k in chosen])
        strip = np.concatenate([strip, np.full((2, strip.shape[1], 3), 255, np.uint8), below], 0)
    gif = [tile_row([img, overlay(img, masks[k])]) if masks is not None and k < len(masks) else img
           for k, img in enumerate(images)]
    return strip, gif


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='data set root (course layout)')
    p.add_argument('--split', default='train')
    p.add_argument('--num', type=int, default=4, help='videos (the first N, numeric order)')
    p.add_argument('--frames', type=int, nargs='+', default=[0, 5, 10, 15, 21],
                   help='frame indices in the PNG strip (0-based)')
    p.add_argument('--mask-root', help='read masks from MASK_ROOT/video_N/mask.npy instead')
    p.add_argument('--out', default='work_dirs/browse')
    p.add_argument('--no-gif', action='store_true')
    p.add_argument('--fps', type=float, default=4)
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    written = []
    for vid, path in list_videos(osp.join(args.root, args.split))[:args.num]:
        mask_path = (osp.join(args.mask_root, f'video_{vid}', 'mask.npy') if args.mask_root
                     else osp.join(path, 'mask.npy'))
        strip, gif = video_pictures(path, mask_path, args.frames)
        out = osp.join(args.out, f'video_{vid}')
        Image.fromarray(strip).save(out + '.png')
        written.append(out + '.png')
        if not args.no_gif:
            first, *rest = [Image.fromarray(g) for g in gif]
            first.save(out + '.gif', save_all=True, append_images=rest, loop=0,
                       duration=int(1000 / args.fps))
            written.append(out + '.gif')
    print(f'{args.root}/{args.split}: drew {len(written)} files into {args.out}')
    return written


if __name__ == '__main__':
    main()
