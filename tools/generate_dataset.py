"""Generate a synthetic CLEVRER-like data set in the course layout.

The code is in ``futureseg/cli/generate_dataset.py`` (importable; the recipe runner launches it
with ``python -m futureseg.cli.generate_dataset``).
"""
import sys

from futureseg.cli.generate_dataset import main, parse_args  # noqa: F401

if __name__ == '__main__':
    sys.exit(main())
