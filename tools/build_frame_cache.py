"""Pack splits into memory-mappable frame/mask arrays that the datasets read instead of PNGs.

    python tools/build_frame_cache.py data/synth --splits train val unlabeled

Writes ROOT/.futureseg_cache/<split>/ (frames.npy, masks.npy, meta.json). A cache whose
split has changed since is detected (fingerprint of the file listing) and not used.
"""
import argparse
import os.path as osp
import time

from futureseg.datasets.frame_cache import build_frame_cache


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root')
    p.add_argument('--splits', nargs='+', default=['train', 'val'])
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    for split in args.splits:
        start = time.time()
        out = build_frame_cache(osp.join(args.root, split), progress=not args.no_progress)
        print(f'\n{split}: cache written to {out} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
