"""Write the model-zoo pages (configs/<family>/README.md) from recipe results.

    python tools/model_zoo.py WORK_DIR [WORK_DIR ...] [--configs configs] [--no-flops]

Reads each recipe work dir's recipe_state.json and results.json (what tools/run_recipe.py
wrote) and writes, per config family (a folder of configs/; the top-level configs go to
configs/README.md), a table with one row per trained config and result: val Jaccard of frame
22, seen / new-object IoU, training time, parameters, FLOPs (MMEngine's counter, one video
at the run's frame size), hardware and the run. Every config of the family is listed; those
no run has trained say so. Never edit the pages by hand: rerun this script.
"""
import argparse
import glob
import math
import os.path as osp
from collections import defaultdict

from futureseg.apis.analysis import model_complexity
from futureseg.apis.recipe import ROOT, read_recipe_state, stage_type, tested_model
from futureseg.apis import register_all_modules
from futureseg.utils import write_text_atomic


def _read_json(path):
    import json
    with open(path) as f:
        return json.load(f)


def source_config(outputs, stage, work_dir):
    """The config file a TrainModel stage trained, as an absolute path (the recipe runner
    records it as ``source_config``)."""
    src = outputs.get('source_config')
    if not src:
        raise SystemExit(f'{work_dir}: stage {stage!r} does not record the config file it trained '
                         '(a state from an older runner): rerun the recipe')
    return osp.abspath(src if osp.isabs(src) else osp.join(ROOT, src))


def collect(work_dirs, configs_root, flops=True):
    """Rows {config (relative to configs_root): [row, ...]} from the recipe runs."""
    rows = defaultdict(list)
    for wd in work_dirs:
        state = read_recipe_state(wd)
        results_path = osp.join(wd, 'results.json')
        results = _read_json(results_path)['rows'] if osp.isfile(results_path) else []
        title = wd
        if osp.isfile(osp.join(wd, 'results.md')):
            title = open(osp.join(wd, 'results.md')).readline().lstrip('# ').strip() or wd
        done = {n: e for n, e in state.items() if e.get('status') == 'done'}
        trained = {n: e['outputs'] for n, e in done.items() if stage_type(wd, n, e) == 'TrainModel'}
        by_ckpt = {osp.abspath(o['checkpoint']): n for n, o in trained.items()}
        tests = defaultdict(list)  # train stage -> its result rows
        for r in results:
            entry = done.get(r['stage'])
            if entry is None or stage_type(wd, r['stage'], entry) != 'TestModel':
                continue
            _, ckpt, model = tested_model(wd, r['stage'], entry)
            tests[model or by_ckpt.get(osp.abspath(ckpt))].append(r)
        for name, out in trained.items():
            config = osp.relpath(source_config(out, name, wd), osp.abspath(configs_root))
            info = {}
            if flops:
                try:
                    info = model_complexity(out['config'])
                except Exception as err:  # a model this checkout cannot build: no FLOPs
                    print(f'{wd}/{name}: FLOPs not counted ({type(err).__name__}: {err})')
            base = dict(run=title, work_dir=wd, stage=name, train_s=done[name].get('seconds'),
                        params=info.get('params', out.get('params')), flops=info.get('flops'),
                        size=info.get('shape'), hardware=out.get('hardware') or '-')
            for r in tests.get(name) or [None]:
                row = dict(base)
                if r is None:  # no future-segmentation test: its own best val score
                    metric = _save_best(out['config'])
                    row['result'] = f'best val {metric}' if metric else 'last checkpoint'
                    if metric and metric.endswith('jaccard') and out.get('best_score') is not None:
                        row['jaccard'] = out['best_score']
                    elif out.get('best_score') is not None:
                        row['result'] += f' {out["best_score"]:.4f}'
                else:
                    row.update(result=r['row'], jaccard=r.get('jaccard'), seen_iou=r.get('seen_iou'),
                               new_iou=r.get('new_iou'))
                rows[config].append(row)
        # the models without trained parameters (baselines, priors alone): tested from their
        # config file, no checkpoint
        for name, entry in done.items():
            out = entry['outputs']
            if stage_type(wd, name, entry) != 'TestModel' or out.get('model') or not out.get('source_config'):
                continue
            config = osp.relpath(source_config(out, name, wd), osp.abspath(configs_root))
            for r in results:
                if r['stage'] == name:
                    rows[config].append(dict(
                        run=title, work_dir=wd, stage=name, train_s=None, params=0, flops=None,
                        size=None, hardware='-', result=r['row'], jaccard=r.get('jaccard'),
                        seen_iou=r.get('seen_iou'), new_iou=r.get('new_iou')))
    return rows


def _save_best(config):
    from mmengine.config import Config
    best = Config.fromfile(config).get('default_hooks', {}).get('checkpoint', {}).get('save_best')
    return best if isinstance(best, str) else None


def _fmt(v, kind='score'):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '-'
    if kind == 'score':
        return f'{v:.4f}'
    if kind == 'seconds':
        return f'{v:.0f} s' if v < 3600 else f'{v / 3600:.1f} h'
    if kind == 'params':
        return f'{v / 1e6:.2f} M'
    if kind == 'flops':
        return f'{v / 1e9:.2f} G'
    return str(v)


def family_of(config, configs_root):
    """The family folder of a config (its folder under configs/; configs/ for top-level ones)."""
    rel = osp.relpath(osp.dirname(osp.abspath(config)), osp.abspath(configs_root))
    return None if rel.startswith('..') or rel.startswith('_base_') or rel == 'recipes' else rel


def write_pages(rows, configs_root, work_dirs):
    """One README.md per family with its configs' rows; returns the pages written."""
    families = defaultdict(list)
    for path in sorted(glob.glob(osp.join(configs_root, '*.py')) + glob.glob(osp.join(configs_root, '*', '*.py'))):
        fam = family_of(path, configs_root)
        if fam is not None:
            families[fam].append(osp.relpath(path, configs_root))
    pages = []
    runs = ', '.join(f'`{osp.relpath(w, ROOT) if not osp.relpath(w, ROOT).startswith("..") else w}`'
                     for w in work_dirs)
    for fam, configs in sorted(families.items()):
        title = 'futureseg configs' if fam == '.' else f'{fam}'
        lines = [f'# Model zoo: {title}', '',
                 f'Generated by `tools/model_zoo.py` from the recipe results of {runs} '
                 '(`results.json`, `recipe_state.json`); rerun it, do not edit by hand. Jaccard: '
                 'the competition score of frame 22 on the val split (single frames for a '
                 'segmenter); FLOPs of one video at the run\'s frame size (MMEngine\'s counter, '
                 'a multiply-add = 1 FLOP).', '',
                 '| config | result | Jaccard | seen objects IoU | new objects IoU | training time '
                 '| parameters | FLOPs | input | hardware | run |',
                 '|---|---|---|---|---|---|---|---|---|---|---|']
        for config in configs:
            name = osp.basename(config)
            link = f'[{name}]({name})'
            for r in rows.get(config) or [None]:
                if r is None:
                    lines.append(f'| {link} | no recorded run | - | - | - | - | - | - | - | - | - |')
                    continue
                size = f'{r["size"][0]}x{r["size"][1]}' if r.get('size') else '-'
                lines.append(
                    f"| {link} | {r['result']} | {_fmt(r.get('jaccard'))} | {_fmt(r.get('seen_iou'))} | "
                    f"{_fmt(r.get('new_iou'))} | {_fmt(r.get('train_s'), 'seconds')} | "
                    f"{_fmt(r.get('params'), 'params')} | {_fmt(r.get('flops'), 'flops')} | {size} | "
                    f"{r['hardware']} | {r['run']} (`{r['stage']}`) |")
        path = osp.join(configs_root, 'README.md' if fam == '.' else osp.join(fam, 'README.md'))
        write_text_atomic(path, '\n'.join(lines) + '\n')
        pages.append(path)
    return pages


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('work_dirs', nargs='+', help='recipe work dirs (holding recipe_state.json)')
    p.add_argument('--configs', default=osp.join(ROOT, 'configs'),
                   help='the configs folder whose families get pages')
    p.add_argument('--no-flops', action='store_true', help='skip counting FLOPs (faster)')
    args = p.parse_args(argv)
    register_all_modules()
    rows = collect(args.work_dirs, args.configs, flops=not args.no_flops)
    outside = sorted(c for c in rows if c.startswith('..'))
    if outside:
        print(f'not under {args.configs} (no page): {", ".join(outside)}')
    pages = write_pages(rows, args.configs, args.work_dirs)
    n = sum(len(v) for v in rows.values())
    print(f'{n} result row(s) of {len(rows)} config(s) from {len(args.work_dirs)} run(s); '
          f'wrote {len(pages)} page(s): {", ".join(pages)}')
    return pages


if __name__ == '__main__':
    main()
