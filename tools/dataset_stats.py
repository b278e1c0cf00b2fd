"""Statistics of a data set in the course layout, and a PNG of sample videos.

    python tools/dataset_stats.py data/synth [--splits train val] [--png docs/samples.png]

Prints the generator version of the root and, per split: videos, objects per video, objects
visible in frames 1, 11 and 22, share of videos where an object first appears after frame 11,
mean pixels per visible object per frame, object pixels per frame, the copy-frame-11 Jaccard
(true mask of frame 11 as the prediction of frame 22, the design notes' metric), and the
most/least frequent classes.
"""
import argparse
import json
import os.path as osp

import numpy as np
from prettytable import PrettyTable

from futureseg.datasets.layout import list_videos, load_frame, load_mask
from futureseg.datasets.metainfo import CLASS_NAMES, NUM_CLASSES
from futureseg.datasets.synthetic import read_generator_info
from futureseg.evaluation.functional import confusion_matrix, jaccard_index
from futureseg.structures import colorize

SAMPLE_FRAMES = (0, 10, 21)


def split_stats(split_dir, frames_in=11):
    videos = list_videos(split_dir)
    n_objects, late, obj_pixels, frame_pixels, visible = [], 0, [], [], []
    class_videos = np.zeros(NUM_CLASSES, np.int64)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    for _, path in videos:
        mask = load_mask(osp.join(path, 'mask.npy'))
        counts = np.stack([np.bincount(m.ravel(), minlength=256)[:NUM_CLASSES] for m in mask])
        present = counts[:, 1:] > 0
        seen = present[:frames_in].any(0)
        later = present[frames_in:].any(0)
        n_objects.append(int(present.any(0).sum()))
        visible.append(present[list(SAMPLE_FRAMES)].sum(1))
        late += bool((later & ~seen).any())
        class_videos[1:] += present.any(0)
        obj_pixels.append(counts[:, 1:][present].mean() if present.any() else 0.0)
        frame_pixels.append(counts[:, 1:].sum(1).mean())
        confusion += confusion_matrix(mask[frames_in - 1], mask[-1])
    return dict(videos=len(videos), objects=np.array(n_objects), late_share=late / len(videos),
                visible_1_11_22=np.mean(visible, 0),
                obj_pixels=float(np.mean(obj_pixels)), frame_pixels=float(np.mean(frame_pixels)),
                copy11=jaccard_index(confusion), class_videos=class_videos)


def sample_png(split_dir, out, num_videos=4):
    from PIL import Image
    rows = []
    for _, path in list_videos(split_dir)[:num_videos]:
        mask = load_mask(osp.join(path, 'mask.npy'))
        frames = [load_frame(osp.join(path, f'image_{k}.png')) for k in SAMPLE_FRAMES]
        top = np.concatenate(frames, 1)
        bottom = np.concatenate([colorize(mask[k]) for k in SAMPLE_FRAMES], 1)
        rows += [top, bottom]
    Image.fromarray(np.concatenate(rows, 0)).save(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root')
    p.add_argument('--splits', nargs='+', default=['train', 'val'])
    p.add_argument('--png', help='write frames 1/11/22 and their masks of a few videos here')
    p.add_argument('--json', help='also write the numbers as JSON')
    args = p.parse_args(argv)

    info = read_generator_info(args.root)
    print(f'{args.root}: generator version {info["version"] if info else "1 (no generator.json)"}')
    table = PrettyTable(['split', 'videos', 'objects/video (min-max)', 'visible fr. 1/11/22', 'new after fr. 11',
                         'px/object', 'object px/frame', 'copy-frame-11 Jaccard'])
    report = {}
    for split in args.splits:
        s = split_stats(osp.join(args.root, split))
        report[split] = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
        table.add_row([split, s['videos'], f"{s['objects'].mean():.2f} ({s['objects'].min()}-{s['objects'].max()})",
                       '/'.join(f'{v:.2f}' for v in s['visible_1_11_22']),
                       f"{100 * s['late_share']:.1f}%", f"{s['obj_pixels']:.0f}",
                       f"{s['frame_pixels']:.0f}", f"{s['copy11']:.4f}"])
    print(table)
    freq = sum(np.array(r['class_videos']) for r in report.values())
    order = [c for c in np.argsort(-freq) if c > 0]
    print('classes in most videos :', ', '.join(f'{CLASS_NAMES[c]} {freq[c]}' for c in order[:5]))
    print('classes in fewest videos:', ', '.join(f'{CLASS_NAMES[c]} {freq[c]}' for c in order[-5:]))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)
    if args.png:
        sample_png(osp.join(args.root, args.splits[0]), args.png)
        print(f'wrote {args.png}')


if __name__ == '__main__':
    main()
