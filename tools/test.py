"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``."""
import argparse
import os.path as osp

from mmengine.runner import Runner

from futureseg.registry import RUNNERS
from futureseg.utils import register_all_modules, write_json_atomic
from futureseg.utils.cli import (add_common_args, finish_distributed, init_cpu_distributed,
                                 load_config, set_local_rank_env)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a futureseg model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and evaluation results')
    parser.add_argument(
        '--out', help='FILE.pt: the competition submission (uint8 tensor N x H x W of frame 22, '
        'numeric video order); a folder: one PNG mask per video; FILE.pkl: all raw predictions')
    parser.add_argument('--show-dir', help='directory where painted predictions are saved')
    parser.add_argument('--metrics-out', help='also write the metrics to this JSON file')
    add_common_args(parser)
    args = parser.parse_args()
    set_local_rank_env(args.local_rank)
    return args


def enable_show_dir(cfg, show_dir):
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ValueError('--show-dir needs a `visualization` hook in default_hooks; '
                         f'{cfg.filename} has none')
    hook['draw'] = True
    if str(hook.get('type', '')).split('.')[-1] == 'SegVisualizationHook':
        cfg.visualizer['save_dir'] = show_dir  # mmseg's hook draws to the visualizer's backends
    else:
        hook['show_dir'] = show_dir


def add_output(cfg, out):
    if out.endswith('.pkl'):
        writer = dict(type='DumpResults', out_file_path=out)
    elif osp.splitext(out)[1]:
        writer = dict(type='SubmissionWriter', out_file=out)
    else:
        writer = dict(type='SubmissionWriter', png_dir=out)
    evaluator = cfg.test_evaluator
    cfg.test_evaluator = (list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]) + [writer]


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir)
    if args.out:
        add_output(cfg, args.out)
    init_cpu_distributed(args.launcher, cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    metrics = runner.test()
    if args.metrics_out and runner.rank == 0:
        write_json_atomic(args.metrics_out,
                          {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))})
    finish_distributed()


if __name__ == '__main__':
    main()
