"""Run a recipe: ``python tools/run_recipe.py configs/recipes/quickstart_cpu.py``.

Stages run in order; finished ones are skipped on a rerun (and a killed training resumes),
and the run ends with the table of results and the stage table (also in
WORK_DIR/results.md). Exit status 1 when a stage failed or timed out (a recipe with
``on_failure='continue'`` runs the rest first).
"""
import argparse
import sys

from mmengine.config import DictAction

from futureseg.apis.recipe import RecipeError, RecipeRunner
from futureseg.apis import register_all_modules
from futureseg.utils.cli import load_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('recipe', help='recipe config (configs/recipes/...)')
    p.add_argument('--work-dir', help="override the recipe's work_dir")
    p.add_argument('--data-root', help="override the recipe's data_root")
    p.add_argument('--only', nargs='+', metavar='STAGE',
                   help='run only these stages; the others are skipped and nothing they need '
                        'is run for them (their finished outputs are used)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                   help='override recipe settings, e.g. data_size=100')
    p.add_argument('--quiet', action='store_true', help="only the recipe's own lines on the console")
    args = p.parse_args(argv)
    register_all_modules()
    cfg = load_config(args.recipe, args.cfg_options)
    try:
        runner = RecipeRunner(cfg, args.work_dir, args.data_root, quiet=args.quiet, only=args.only)
        runner.run()
    except RecipeError as err:
        print(f'[recipe] error: {err}', file=sys.stderr)
        return 1
    return 1 if runner.failed() else 0


if __name__ == '__main__':
    sys.exit(main())
