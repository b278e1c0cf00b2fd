"""Where the compute goes: each future-segmentation route trained for growing budgets.

Every route of the quickstart table is trained again on the same data for ``--multipliers``
times the quickstart's epochs (the same one-cycle schedule stretched over them) and scored on
val, with and without NOS. Budget 1x is the quickstart's own stage (reused, not retrained,
when the quickstart ran in the same work dir with the same settings). The table gives val
Jaccard against training time and samples seen, and how much of the gap from the
copy-frame-11 baseline to the segmenter ceiling each run closes, so a user can see what more
compute buys and which route scales best.

    python tools/benchmarks/scaling_benchmark.py                          # 1, 2, 4 x on the CPU
    python tools/benchmarks/scaling_benchmark.py --recipe configs/recipes/compare_cpu.py \
        --routes future_seg rgb_seg                                       # the SimVP routes
    python tools/benchmarks/scaling_benchmark.py --multipliers 1 2 4 8 16 --work-dir work_dirs/scaling_gpu

The runs are stages of a recipe (``configs/recipes/quickstart_cpu.py`` plus one training and
one test stage per route and budget), so a killed benchmark resumes where it stopped.
Output: a table on stdout, ``WORK_DIR/scaling.json`` and ``WORK_DIR/scaling.md``.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config

from futureseg.apis.recipe import gap_closed
from futureseg.apis import register_all_modules
from futureseg.utils import write_json_atomic
from bench_common import machine_info, run_extended_recipe

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_POST = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'postprocessing', 'nos.py'))
NOS = dict(postprocessors=[_POST.nos], known_objects=_POST.known_from_segmenter)


def route_stages(recipe):
    """{route: (training stage, test stage)} of the recipe's future-segmentation routes:
    each TestModel stage with a NOS row, and the TrainModel stage it tests."""
    listed = list(recipe['stages']) + list(recipe.get('extra_stages') or [])
    stages = {s['name']: s for s in listed}
    routes = {}
    for s in listed:
        if s['type'] == 'TestModel' and s.get('model') \
                and 'stages/NewObjectSuppression' in (s.get('rows') or {}):
            routes[s['model']] = (stages[s['model']], s)
    return routes


def base_epochs(train):
    """The epochs a route's training stage runs: its cfg_options', else its config's."""
    epochs = (train.get('cfg_options') or {}).get('train_cfg.max_epochs')
    if epochs is None:
        epochs = Config.fromfile(osp.join(ROOT, train['config'])).train_cfg.get('max_epochs')
    if epochs is None:
        raise SystemExit(f"stage {train['name']!r} is not epoch-based (no train_cfg.max_epochs)")
    return int(epochs)


def scaled(train, test, mult):
    """Copies of a route's stages trained ``mult`` times as many epochs."""
    opts = dict(train.get('cfg_options', {}))
    epochs = base_epochs(train)
    n = max(1, round(epochs * mult))
    opts.update({'train_cfg.max_epochs': n, 'param_scheduler.0.end': n,
                 'train_cfg.val_interval': n})  # the last epoch's model: one budget, one score
    name = f"{train['name']}_x{mult:g}"
    tr = dict(train, name=name, cfg_options=opts)
    te = dict(test, name=f'{name}_test', model=name,
              rows={k: f'{v} [{mult:g}x]' for k, v in test['rows'].items()})
    return tr, te, n


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--recipe', default=osp.join(ROOT, 'configs/recipes/quickstart_cpu.py'))
    p.add_argument('--work-dir', default='work_dirs/quickstart',
                   help='the recipe work dir (the quickstart\'s: its stages are reused)')
    p.add_argument('--multipliers', type=float, nargs='+', default=[1, 2, 4])
    p.add_argument('--routes', nargs='+', help='training stages to scale (default: every route '
                   'with a NOS test in the recipe)')
    args = p.parse_args(argv)
    register_all_modules()
    recipe = Config.fromfile(args.recipe).to_dict()
    routes = route_stages(recipe)
    if args.routes:
        unknown = set(args.routes) - set(routes)
        if unknown:
            raise SystemExit(f'unknown routes {sorted(unknown)}; the recipe has {sorted(routes)}')
        routes = {k: routes[k] for k in args.routes}
    extra, plan = [], []
    for route, (train, test) in routes.items():
        epochs = base_epochs(train)
        for m in args.multipliers:
            if m == 1:  # the recipe's own stages
                plan.append((route, m, epochs, train['name'], test))
                continue
            tr, te, n = scaled(train, test, m)
            extra += [tr, te]
            plan.append((route, m, n, tr['name'], te))
    runner, scores, base, ceiling, n_train = run_extended_recipe(recipe, extra, args.work_dir)
    rows = []
    for route, m, epochs, train_name, test in plan:
        raw = scores[test['rows']['stages/raw']]
        nos = scores[test['rows']['stages/NewObjectSuppression']]
        rows.append(dict(route=route, multiplier=m, epochs=epochs, samples=epochs * n_train,
                         train_s=runner.state[train_name]['seconds'], jaccard=raw['jaccard'],
                         jaccard_nos=nos['jaccard'], gap_closed_nos=gap_closed(nos['jaccard'], base, ceiling)))
    lines = [f'baseline (copy frame 11, segmenter mask) {base:.4f}, ceiling (segmenter on true frame 22) '
             f'{ceiling:.4f}; {n_train} training videos', '',
             '| route | budget | epochs | samples seen | training time | val Jaccard | + NOS | gap closed (+ NOS) |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['route']} | {r['multiplier']:g}x | {r['epochs']} | {r['samples']} | "
                     f"{r['train_s']:.0f} s | {r['jaccard']:.4f} | {r['jaccard_nos']:.4f} | "
                     f"{100 * r['gap_closed_nos']:.1f} % |")
    table = '\n'.join(lines)
    print(table)
    out = dict(machine=machine_info(), recipe=args.recipe, work_dir=osp.abspath(args.work_dir),
               baseline=base, ceiling=ceiling, train_videos=n_train, rows=rows)
    write_json_atomic(osp.join(args.work_dir, 'scaling.json'), out)
    with open(osp.join(args.work_dir, 'scaling.md'), 'w') as f:
        f.write(table + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
