"""Fit the learned NOS variant on a split's predictions and save it (JSON) with the run.

    python tools/fit_learned_nos.py configs/simvp_seg.py CKPT --out work_dirs/simvp_seg/learned_nos.json \
        [--cfg-options test_dataloader.dataset.split=val]

Known objects follow the config's ``model.known_objects`` (the segmenter, as at test time);
without one, the true masks of frames 1-11. Then use it with
``model.postprocessors=[dict(type='LearnedNOS', model_file=...)]``.
"""
import argparse
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from futureseg.postprocessing import LearnedNOS
from futureseg.postprocessing.known_objects import classes_in
from futureseg.registry import DATASETS, MODELS
from futureseg.utils import register_all_modules


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', required=True)
    p.add_argument('--max-depth', type=int, default=4)
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg.model.postprocessors = []  # learn from the raw predictions
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device).eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    examples = []
    bar = ProgressBar(len(dataset))
    with torch.no_grad():
        for start in range(0, len(dataset), args.batch_size):
            batch = pseudo_collate([dataset[i] for i in range(start, min(start + args.batch_size, len(dataset)))])
            data = model.data_preprocessor(batch)
            for s, frames in zip(model(**data, mode='predict'), data['inputs']):
                if 'gt_masks' not in s:
                    raise ValueError('fitting needs true masks of frame 22 (use a labelled split)')
                known = (model._known(s, frames)[0] if model.known_objects
                         else classes_in(s.input_masks))
                examples.append((s.pred_masks[-1].cpu().numpy(), s.gt_masks[-1].cpu().numpy(), known))
                bar.update()
    learned = LearnedNOS.fit(examples, max_depth=args.max_depth)
    learned.save(args.out)
    print(f'\nfitted on {learned.tree["samples"]} regions of {len(examples)} videos '
          f'(train accuracy {learned.tree["train_accuracy"]:.3f}) -> {args.out}')


if __name__ == '__main__':
    main()
