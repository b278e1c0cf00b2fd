"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``

The code is in ``futureseg/cli/test.py`` (importable; the recipe runner launches it
with ``python -m futureseg.cli.test``).
"""
import sys

from futureseg.cli.test import main, parse_args  # noqa: F401

if __name__ == '__main__':
    sys.exit(main())
