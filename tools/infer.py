"""Predict the mask of frame 22 of videos from their frames 1-11, without labels:
``python tools/infer.py MODEL [CHECKPOINT] --input PATH [PATH ...] [options]``

The code is in ``futureseg/cli/infer.py`` (importable; the recipe runner's ``Infer`` stage
launches it with ``python -m futureseg.cli.infer``).
"""
from futureseg.cli.infer import main  # noqa: F401

if __name__ == '__main__':
    main()
