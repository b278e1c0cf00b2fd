"""Train a futureseg model: ``python tools/train.py CONFIG [options]``
(or ``python -m futureseg.cli.train CONFIG [options]``, as the recipe runner launches it)."""
import argparse
import os.path as osp

from mmengine.runner import Runner

from futureseg.registry import RUNNERS
from futureseg.apis import register_all_modules
from futureseg.utils.cli import (CPU_AMP_MODES, add_common_args, enable_amp, finish_distributed,
                                 init_cpu_distributed, load_config, set_local_rank_env)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a futureseg model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume training: without a value from the latest checkpoint in the work dir, '
        'with a value from that checkpoint')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision (fp16 on a GPU; bf16 on a CPU '
                        'that runs it natively, see --cpu-amp)')
    parser.add_argument('--cpu-amp', choices=CPU_AMP_MODES, default=None,
                        help="--amp on a CPU: 'auto' bf16 only where native (default; or the "
                        "FUTURESEG_CPU_AMP environment variable), 'bf16' always, 'fp32' never")
    add_common_args(parser)
    args = parser.parse_args(argv)
    set_local_rank_env(args.local_rank)
    return args


def main(argv=None):
    """Args:
        argv (list[str], optional): the command line without the program name; default
            ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    if args.amp:
        enable_amp(cfg, cpu_amp=args.cpu_amp)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume checkpoint not found: {args.resume}')
        cfg.resume, cfg.load_from = True, args.resume
    init_cpu_distributed(args.launcher, cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    main()
