"""Train a futureseg model: ``python tools/train.py CONFIG [options]``

The code is in ``futureseg/cli/train.py`` (importable; the recipe runner launches it
with ``python -m futureseg.cli.train``).
"""
import sys

from futureseg.cli.train import main, parse_args  # noqa: F401

if __name__ == '__main__':
    sys.exit(main())
