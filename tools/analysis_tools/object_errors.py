"""Where a frame segmenter names objects wrongly: per-object attribute accuracy by object size
and border contact, and the shape confusion of whole objects.

    python tools/analysis_tools/object_errors.py CONFIG CHECKPOINT [--data-root ROOT]
        [--split val] [--every 3] [--json FILE] [--device cpu]

Segments every ``--every``-th frame of each labelled video of the split and counts objects,
not pixels (``futureseg.evaluation.object_records``): an object's predicted class is the most
common one on its true pixels. The pixel-level confusions are tools/analysis_tools/
confusion_matrix.py's.
"""
import argparse
import os.path as osp

import numpy as np
from mmengine.utils import ProgressBar
from prettytable import PrettyTable

from futureseg.apis import init_model, register_all_modules
from futureseg.datasets.layout import list_videos, load_frame, load_mask
from futureseg.evaluation import object_error_table, object_records
from futureseg.models import segment_frames
from futureseg.structures.metainfo import SHAPES, attributes
from futureseg.utils.io import write_json_atomic


def split_records(model, split_dir: str, every: int = 3) -> np.ndarray:
    """``object_records`` rows of every ``every``-th frame of each video in ``split_dir``."""
    videos = list_videos(split_dir)
    rows, bar = [], ProgressBar(len(videos))
    for _, path in videos:
        masks = load_mask(osp.join(path, 'mask.npy'))
        frames = range(0, len(masks), every)
        pred = segment_frames(model, np.stack([load_frame(osp.join(path, f'image_{t}.png')) for t in frames]))
        rows += [object_records(p, masks[t]) for p, t in zip(pred, frames)]
        bar.update()
    print()
    return np.concatenate(rows) if rows else np.zeros((0, 4), np.int64)


def shape_confusion(records: np.ndarray) -> np.ndarray:
    """(3, 3) whole-object shape counts of the objects found, rows true, columns predicted."""
    cm = np.zeros((len(SHAPES), len(SHAPES)), np.int64)
    for true, guess in records[records[:, 3] > 0][:, 2:4]:
        cm[SHAPES.index(attributes(true)[0]), SHAPES.index(attributes(guess)[0])] += 1
    return cm


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data-root', help="data set root (default the config's test set's)")
    p.add_argument('--split', default='val')
    p.add_argument('--every', type=int, default=3, help='segment every N-th frame of a video')
    p.add_argument('--json', help='also write the table and the confusion here')
    p.add_argument('--device', default='cpu')
    args = p.parse_args(argv)
    if args.every < 1:
        p.error(f'--every must be >= 1, got {args.every}')
    register_all_modules()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    model = init_model(args.config, args.checkpoint, device=args.device)
    root = args.data_root or model.cfg.test_dataloader.dataset.data_root
    records = split_records(model, osp.join(root, args.split), args.every)
    table = object_error_table(records)
    out = PrettyTable(['objects', 'count', 'missed', 'shape', 'material', 'colour', 'class'])
    for r in table:
        out.add_row([r['row'], r['objects'], r['missed']] + [
            f"{r[k]:.3f}" if k in r else '-' for k in ('shape_acc', 'material_acc', 'color_acc', 'class_acc')])
    print(out)
    cm = shape_confusion(records)
    conf = PrettyTable(['true \\ predicted shape'] + list(SHAPES))
    for name, row in zip(SHAPES, cm):
        conf.add_row([name] + [int(v) for v in row])
    print(conf)
    if args.json:
        write_json_atomic(args.json, dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                                          every=args.every, table=table, shape_confusion=cm.tolist()))
    return table


if __name__ == '__main__':
    main()
