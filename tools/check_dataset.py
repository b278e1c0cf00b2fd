"""Check a data set in the course layout and report every problem at once.

    python tools/check_dataset.py ROOT [--splits train val unlabeled hidden] [--workers 4]
        [--max-files 5] [--strict]

Errors: missing or corrupt frames, frames of another size, gaps in the frame numbering,
frames beyond the 22nd (the 11th in hidden/), empty videos, masks that are missing,
unreadable, of the wrong shape / dtype or with negative ids. Notes (quirks the loaders
handle, as in the course's own data): gaps in the video numbering, class ids >= 49 (read
as ignore, 255). Per kind the count and the first files, errors and notes apart. Exit
status 1 when there is an error (with --strict, also when there is a note).
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
    p.add_argument('--strict', action='store_true',
                   help='count the notes (video numbering gaps, ids >= 49) as errors too')
    p.add_argument('--allow-ignore-ids', action='store_true',
                   help='deprecated, no effect: ids >= 49 are notes, which do not fail the check')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if args.allow_ignore_ids:
        print('--allow-ignore-ids is deprecated and has no effect: class ids >= 49 are now '
              'notes (the loaders read them as ignore), which do not fail the check',
              file=sys.stderr)
    report = check_root(args.root, args.splits, args.workers, progress=not args.no_progress)
    print(report.format(args.max_files, strict=args.strict))
    return 1 if report.count(strict=args.strict) else 0


if __name__ == '__main__':
    sys.exit(main())
