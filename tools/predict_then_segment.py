"""The predict-then-segment baseline: segment a frame predictor's frame 22.

The code is in ``futureseg/cli/predict_then_segment.py`` (importable; the recipe runner launches it
with ``python -m futureseg.cli.predict_then_segment``).
"""
import sys

from futureseg.cli.predict_then_segment import main  # noqa: F401

if __name__ == '__main__':
    sys.exit(main())
