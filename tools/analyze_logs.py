"""Training curves and a summary from MMEngine's scalar logs.

    python tools/analyze_logs.py WORK_DIR [WORK_DIR ...] [--keys loss future/jaccard]
        [--out curves.png]

Reads each run's ``<timestamp>/vis_data/scalars.json`` (the newest run of a work dir, or a
scalars.json given directly), plots the chosen keys against the iteration (training values
and validation metrics each in their own panel, one line per run) and prints a table: per
run, iterations, last training loss, best and last value of each validation metric, and the
mean time per iteration.
"""
import argparse
import math
import os.path as osp

from prettytable import PrettyTable

from futureseg.utils.scalars import find_scalars, read_scalars


def summarize(name, train, val):
    row = dict(run=name, iters=train[-1]['step'] if train else 0,
               last_loss=train[-1].get('loss') if train else None,
               s_per_iter=(sum(r.get('time', 0) for r in train) / len(train)) if train else None)
    metrics = sorted({k for r in val for k in r if '/' in k})
    for k in metrics:
        values = [r[k] for r in val if k in r and not math.isnan(r[k])]
        lower_better = any(s in k for s in ('mse', 'mae', 'loss'))
        row[f'best {k}'] = (min if lower_better else max)(values) if values else None
        row[f'last {k}'] = values[-1] if values else None
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('runs', nargs='+', help='work dirs or scalars.json files')
    p.add_argument('--keys', nargs='+', default=None,
                   help='what to plot (default: loss and every validation metric ending in jaccard/mse)')
    p.add_argument('--out', default=None, help='PNG of the curves (default: <first run>/curves.png)')
    args = p.parse_args(argv)
    runs = []
    for path in args.runs:
        scalars = find_scalars(path)
        name = osp.basename(osp.normpath(path)) if osp.isdir(path) else scalars
        runs.append((name, *read_scalars(scalars)))

    rows = [summarize(*r) for r in runs]
    # one column per run, one row per quantity: stays readable with many metrics
    table = PrettyTable([''] + [r['run'] for r in rows])
    table.align = 'r'
    for key in dict.fromkeys(k for r in rows for k in r if k != 'run'):
        table.add_row([key] + ['-' if r.get(key) is None else
                               (f'{r[key]:.4f}' if isinstance(r[key], float) else r[key]) for r in rows])
    print(table)

    keys = args.keys or ['loss'] + sorted({k for _, _, val in runs for rec in val for k in rec
                                          if k.endswith(('jaccard', 'mse'))})
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.4), squeeze=False)
    # one colour per run in every panel, and a legend in each: panels hold different runs
    colours = {name: f'C{i % 10}' for i, (name, _, _) in enumerate(runs)}
    for ax, key in zip(axes[0], keys):
        for name, train, val in runs:
            recs = [r for r in (train + val) if key in r]
            recs.sort(key=lambda r: r['step'])
            if recs:
                ax.plot([r['step'] for r in recs], [r[key] for r in recs], color=colours[name],
                        marker='o' if len(recs) < 30 else None, label=name)
        ax.set_title(key)
        ax.set_xlabel('iteration' if key == 'loss' else 'step (val: epoch or iteration)')
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=7)
    fig.tight_layout()
    out = args.out or osp.join(args.runs[0] if osp.isdir(args.runs[0]) else '.', 'curves.png')
    fig.savefig(out, dpi=110)
    print(f'curves -> {out}')


if __name__ == '__main__':
    main()
