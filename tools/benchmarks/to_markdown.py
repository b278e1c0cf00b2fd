"""Turn a benchmark's JSON into a markdown table (for docs/benchmarks.md), so that published
figures are copied by a program, not by hand.

    python tools/benchmarks/to_markdown.py work_dirs/benchmarks/inference.json
    python tools/benchmarks/to_markdown.py work_dirs/benchmarks/loader.json --key speedups \
        --columns setting samples_per_s
"""
import argparse
import json


def rows_of(data, key):
    rows = data[key] if key else data.get('rows', data)
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise SystemExit(f'no list of rows under {key or "rows"!r}; keys: {sorted(data)}')
    return rows


def markdown(rows, columns=None):
    columns = columns or [k for k in rows[0] if not isinstance(rows[0][k], (dict, list))]
    missing = [c for c in columns if all(c not in r for r in rows)]
    if missing:
        raise SystemExit(f'unknown columns {missing}; rows have {sorted(rows[0])}')
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for r in rows:
        lines.append('| ' + ' | '.join('' if r.get(c) is None else str(r.get(c)) for c in columns) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('json')
    p.add_argument('--key', help="the list of rows to print (default 'rows')")
    p.add_argument('--columns', nargs='+', help='columns, in order (default: every scalar field)')
    args = p.parse_args(argv)
    with open(args.json) as f:
        data = json.load(f)
    if 'machine' in data:
        print(f"machine: {data['machine']}\n")
    print(markdown(rows_of(data, args.key), args.columns))


if __name__ == '__main__':
    main()
