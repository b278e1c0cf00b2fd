"""Check a data set in the course layout and report every problem at once.

    python tools/check_dataset.py ROOT [--splits train val unlabeled hidden] [--workers 4]
        [--max-files 5] [--allow-ignore-ids]

Missing or corrupt frames, frames of another size, gaps in the frame or video numbering,
empty videos, masks that are missing, unreadable, of the wrong shape / dtype, with negative
ids or ids >= 49: per kind the count and the first files. Exit status 1 when there is any
problem (ids >= 49, which the loaders read as ignore, do not count with --allow-ignore-ids).
"""
import argparse
import sys

from futureseg.datasets.check import SPLITS, check_root


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', help='data set root (holding train/, val/, unlabeled/, hidden/)')
    p.add_argument('--splits', nargs='+', help=f'default: those of {", ".join(SPLITS)} that exist')
    p.add_argument('--workers', type=int, default=0, help='decoding processes (0: this one)')
    p.add_argument('--max-files', type=int, default=5, help='files listed per kind of problem')
    p.add_argument('--allow-ignore-ids', action='store_true',
                   help='do not fail on class ids >= 49 (the original course masks have a few; '
                   'the loaders read them as ignore, 255)')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    report = check_root(args.root, args.splits, args.workers, progress=not args.no_progress)
    ignore = ('ids >= 49', ) if args.allow_ignore_ids else ()
    print(report.format(args.max_files, ignore))
    return 1 if report.count(ignore) else 0


if __name__ == '__main__':
    sys.exit(main())
