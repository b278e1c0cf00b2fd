"""Label unlabelled videos with a trained frame segmenter (stage 3 of the recipe).

The code is in ``futureseg/cli/pseudo_label.py`` (importable; the recipe runner launches it
with ``python -m futureseg.cli.pseudo_label``).
"""
import sys

from futureseg.cli.pseudo_label import main  # noqa: F401

if __name__ == '__main__':
    sys.exit(main())
