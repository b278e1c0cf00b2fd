"""Print a config as MMEngine reads it, with _base_ files and --cfg-options merged.

    python tools/analysis_tools/print_config.py CONFIG [--cfg-options k=v ...] [--save-path FILE.py]
"""
import argparse

from mmengine.config import DictAction

from futureseg.utils.cli import load_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='config file')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                   help='override settings, e.g. model.translator.N_T=4')
    p.add_argument('--save-path', help='also write the merged config to this file (.py/.json/.yaml)')
    args = p.parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path:
        cfg.dump(args.save_path)
        print(f'saved the merged config to {args.save_path}')


if __name__ == '__main__':
    main()
