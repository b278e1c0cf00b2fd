"""Where a future model's gap lies: its frame 22 beside the causal bound and the oracle shift,
and per object group (entering, collided, moving, static) the count, mean IoU and the Jaccard
the group holds (``futureseg.evaluation.gap``).

    python tools/analysis_tools/gap_breakdown.py CONFIG [CHECKPOINT] [--json FILE]
        [--cfg-options ...]
    python tools/analysis_tools/gap_breakdown.py --pred FILE.pt --data-root ROOT [--split val]

The first form tests the config (a checkpoint unless the model has no trained parameters)
through tools/test.py's runner with the ``GapBreakdown`` metric added; the second scores saved
predictions (``tools/test.py ... --out FILE.pt``: frame 22 of each video in numeric order)
against the split's true masks. Collisions come from each generated video's scene.json.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Optional

import numpy as np
import torch
from mmengine.config import DictAction

from futureseg.datasets.layout import list_videos, load_mask
from futureseg.evaluation.gap import (GapTally, format_gap_table, gap_summary, read_collisions,
                                      with_gap_breakdown)
from futureseg.utils.io import write_json_atomic


def from_predictions(pred_file: str, data_root: str, split: str = 'val') -> dict:
    """``GapTally.summary`` of saved predictions (N, H, W) against ``data_root/split``."""
    if not osp.isfile(pred_file):
        raise FileNotFoundError(f'--pred: no such file {pred_file}')
    preds = torch.load(pred_file, map_location='cpu', weights_only=True)
    videos = list_videos(osp.join(data_root, split))
    if len(preds) != len(videos):
        raise ValueError(f'{pred_file} holds {len(preds)} predictions, {data_root}/{split} has '
                         f'{len(videos)} videos')
    tally = GapTally()
    for p, (_, path) in zip(preds, videos):
        true = load_mask(osp.join(path, 'mask.npy'))
        tally.add(np.asarray(p), true[:11], true[21], read_collisions(path))
    return tally.summary()


def from_config(config: str, checkpoint: Optional[str] = None, cfg_options: Optional[dict] = None,
                work_dir: str = 'work_dirs/gap_breakdown') -> dict:
    """Test the config (tools/test.py's runner) with the ``GapBreakdown`` metric added;
    returns its metrics (``gap/...``)."""
    from futureseg.cli import test as test_tool
    from futureseg.utils.cli import read_config
    cfg = read_config(config, cfg_options)
    cfg.test_evaluator = with_gap_breakdown(cfg.get('test_evaluator'))
    os.makedirs(work_dir, exist_ok=True)
    derived = osp.join(work_dir, 'gap_config.py')
    cfg.dump(derived)
    out = osp.join(work_dir, 'gap_metrics.json')
    test_tool.main([derived] + ([checkpoint] if checkpoint else [])
                   + ['--work-dir', work_dir, '--metrics-out', out])
    with open(out) as f:
        return json.load(f)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', nargs='?')
    p.add_argument('checkpoint', nargs='?')
    p.add_argument('--pred', help='saved predictions (tools/test.py --out FILE.pt)')
    p.add_argument('--data-root', help='with --pred: the data set root')
    p.add_argument('--split', default='val')
    p.add_argument('--work-dir', default='work_dirs/gap_breakdown')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    p.add_argument('--json', help='also write the table here')
    args = p.parse_args(argv)
    if args.pred:
        if not args.data_root:
            p.error('--pred needs --data-root')
        summary = from_predictions(args.pred, args.data_root, args.split)
    elif args.config:
        from futureseg.apis import register_all_modules
        register_all_modules(init_default_scope=False)
        summary = gap_summary(from_config(args.config, args.checkpoint, args.cfg_options,
                                                   args.work_dir))
    else:
        p.error('give CONFIG [CHECKPOINT] or --pred FILE.pt --data-root ROOT')
    print(format_gap_table(summary))
    if args.json:
        write_json_atomic(args.json, summary)
    return 0


if __name__ == '__main__':
    sys.exit(main())
