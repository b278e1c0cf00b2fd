"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``
(or ``python -m futureseg.cli.test ...``, as the recipe runner launches it). A model without
trained parameters (a baseline: copy frame 11, the extrapolation, ``learn=False`` dynamics)
is tested without a checkpoint: ``python tools/test.py CONFIG``."""
import argparse
import os.path as osp
import sys

from mmengine.runner import Runner

from futureseg.registry import RUNNERS
from futureseg.apis import register_all_modules
from futureseg.utils import write_json_atomic
from futureseg.utils.cli import (add_common_args, display_problem, enable_tta, finish_distributed,
                                 init_cpu_distributed, load_config, set_local_rank_env)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a futureseg model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint file (none for a model without trained parameters)')
    parser.add_argument('--work-dir', help='the dir to save logs and evaluation results')
    parser.add_argument(
        '--out', help='FILE.pt: the competition submission (uint8 tensor N x H x W of frame 22, '
        'numeric video order; a segmenter config: N x T x H x W, every frame); FILE.json: the '
        'same as JSON (run-length coded masks); a folder: one PNG mask per video (per frame); '
        'FILE.pkl: all raw predictions')
    parser.add_argument('--show', action='store_true', help='show each prediction in a window '
                        '(needs a display; --show-dir saves them instead)')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='with --show: seconds each picture stays (0: until a key is pressed)')
    parser.add_argument('--show-dir', help='directory where painted predictions are saved')
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation: the config's tta_model and tta_pipeline "
                        '(flipped views, probabilities averaged)')
    parser.add_argument('--metrics-out', help='also write the metrics to this JSON file')
    add_common_args(parser)
    args = parser.parse_args(argv)
    set_local_rank_env(args.local_rank)
    return args


def trigger_visualization_hook(cfg, show_dir=None, show=False, wait_time=2):
    """Turn the config's visualization hook on for --show-dir / --show."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ValueError('--show-dir / --show need a `visualization` hook in default_hooks; '
                         f'{cfg.filename} has none')
    hook['draw'] = True
    if show:
        hook['show'], hook['wait_time'] = True, wait_time
    if show_dir:
        if str(hook.get('type', '')).split('.')[-1] == 'SegVisualizationHook':
            cfg.visualizer['save_dir'] = show_dir  # mmseg's hook draws to the visualizer's backends
        else:
            hook['show_dir'] = show_dir


def add_output(cfg, out):
    if out.endswith('.pkl'):
        writer = dict(type='DumpResults', out_file_path=out)
    elif osp.splitext(out)[1]:
        if osp.splitext(out)[1] not in ('.pt', '.pth', '.json'):
            raise ValueError(f'--out {out}: use FILE.pt / FILE.pth (tensor), FILE.json, FILE.pkl '
                             'or a folder (PNGs)')
        writer = dict(type='SubmissionWriter', out_file=out)
    else:
        writer = dict(type='SubmissionWriter', png_dir=out)
    evaluator = cfg.test_evaluator
    cfg.test_evaluator = (list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]) + [writer]


def main(argv=None):
    args = parse_args(argv)
    if args.show and display_problem():
        sys.exit(f'--show: cannot open windows here: {display_problem()}. '
                 'Use --show-dir DIR to save the pictures instead.')
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.checkpoint is not None:
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
        cfg.load_from = args.checkpoint
    if args.show_dir or args.show:
        trigger_visualization_hook(cfg, args.show_dir, args.show, args.wait_time)
    if args.tta:
        enable_tta(cfg)
    if args.out:
        add_output(cfg, args.out)
    init_cpu_distributed(args.launcher, cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    trained = sum(p.numel() for p in runner.model.parameters())
    if args.checkpoint is None and trained:
        sys.exit(f'{args.config}: the model has {trained} trained parameters: give its '
                 'checkpoint (python tools/test.py CONFIG CHECKPOINT)')
    metrics = runner.test()
    if args.metrics_out and runner.rank == 0:
        write_json_atomic(args.metrics_out,
                          {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))})
    finish_distributed()


if __name__ == '__main__':
    main()
