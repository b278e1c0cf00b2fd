"""Confusion matrices of a model on a labelled split: the 49 classes, and the shape, material
and colour confusions on the object pixels found, as pictures.

    python tools/analysis_tools/confusion_matrix.py CONFIG CHECKPOINT [--out DIR]
        [--data-root ROOT] [--split val] [--tta] [--cfg-options k=v ...]

Runs the test set as tools/test.py does (a future predictor: frame 22 of each video; a frame
segmenter: every frame), with the config's FutureSegJaccard saving its confusion matrix, and
writes DIR/confusion.npy (rows true class, columns predicted), DIR/confusion_matrix.png
and DIR/attribute_confusion.png, and prints the attribute matrices.
"""
import argparse
import os
import os.path as osp

import numpy as np
from mmengine.config import DictAction
from mmengine.runner import Runner
from prettytable import PrettyTable

from futureseg.apis.recipe import data_root_options
from futureseg.datasets.metainfo import COLORS, MATERIALS, SHAPES
from futureseg.apis import register_all_modules
from futureseg.utils.cli import enable_tta, load_config
from futureseg.evaluation import attribute_confusions
from futureseg.visualization.confusion import draw_confusion


def set_confusion_file(cfg, path):
    """Make the config's FutureSegJaccard save its matrix to ``path`` (the only evaluator)."""
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
    jaccard = [e for e in evaluators if str(e.get('type', '')).split('.')[-1] == 'FutureSegJaccard']
    if not jaccard:
        raise ValueError(f'{cfg.filename}: the test evaluator has no FutureSegJaccard to count with')
    cfg.test_evaluator = dict(jaccard[0], confusion_file=path, print_table=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', default='work_dirs/confusion_matrix')
    p.add_argument('--data-root', help="the test set's data root (default the config's)")
    p.add_argument('--split', help="the test set's split (default the config's, val)")
    p.add_argument('--tta', action='store_true', help="with the config's test-time augmentation")
    p.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE')
    args = p.parse_args(argv)
    register_all_modules(init_default_scope=False)
    options = dict(args.cfg_options or {})
    if args.data_root:
        options.update(data_root_options(args.config, args.data_root, ('test_dataloader', )))
    if args.split:
        options['test_dataloader.dataset.split'] = args.split
    out = osp.abspath(args.out)
    cfg = load_config(args.config, options, osp.join(out, 'run'))
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg.load_from = args.checkpoint
    cm_path = osp.join(out, 'confusion.npy')
    set_confusion_file(cfg, cm_path)
    if args.tta:
        enable_tta(cfg)
    os.makedirs(out, exist_ok=True)
    Runner.from_cfg(cfg).test()
    cm = np.load(cm_path)
    attrs = attribute_confusions(cm)
    draw_confusion(cm, attrs, osp.join(out, 'confusion_matrix.png'),
                   osp.join(out, 'attribute_confusion.png'), osp.basename(args.config))
    for name, labels in (('shape', SHAPES), ('material', MATERIALS), ('color', COLORS)):
        table = PrettyTable([f'true \\ predicted {name}'] + list(labels))
        for label, row in zip(labels, attrs[name]):
            table.add_row([label] + [int(v) for v in row])
        print(table)
    print(f'{int(cm.sum())} pixels; confusion.npy, confusion_matrix.png and attribute_confusion.png '
          f'in {out}')
    return cm


if __name__ == '__main__':
    main()
