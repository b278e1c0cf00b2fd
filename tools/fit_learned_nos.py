"""Fit the learned NOS variant on a split's predictions and save it (JSON) with the run.

    python tools/fit_learned_nos.py configs/simvp_seg.py CKPT --out work_dirs/simvp_seg/learned_nos.json \
        [--cfg-options test_dataloader.dataset.split=val]

Known objects follow the config's ``model.known_objects`` (the segmenter's precomputed masks of
frames 1-11, as at test time); without one, the true masks of frames 1-11. Then use it with
``model.postprocessors=[dict(type='LearnedNOS', model_file=...)]``.
"""
import argparse

import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar

from futureseg.postprocessing import LearnedNOS
from futureseg.structures import present_classes
from futureseg.registry import DATASETS
from futureseg.apis import init_model, register_all_modules


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
    # learn from the raw predictions
    model = init_model(args.config, args.checkpoint, args.device,
                       cfg_options={**(args.cfg_options or {}), 'model.postprocessors': []})
    cfg = model.cfg
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    examples = []
    bar = ProgressBar(len(dataset))
    with torch.no_grad():
        for start in range(0, len(dataset), args.batch_size):
            batch = pseudo_collate([dataset[i] for i in range(start, min(start + args.batch_size, len(dataset)))])
            data = model.data_preprocessor(batch)
            for s in model(**data, mode='predict'):
                if 'gt_masks' not in s:
                    raise ValueError('fitting needs true masks of frame 22 (use a labelled split)')
                known = (model.known_classes(s) if model.known_objects
                         else present_classes(s.input_masks))
                examples.append((s.pred_masks[-1].cpu().numpy(), s.gt_masks[-1].cpu().numpy(), known))
                bar.update()
    learned = LearnedNOS.fit(examples, max_depth=args.max_depth)
    learned.save(args.out)
    print(f'\nfitted on {learned.tree["samples"]} regions of {len(examples)} videos '
          f'(train accuracy {learned.tree["train_accuracy"]:.3f}) -> {args.out}')


if __name__ == '__main__':
    main()
