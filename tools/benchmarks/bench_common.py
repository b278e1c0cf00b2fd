"""What the benchmark scripts share (importable: each script's folder is on sys.path)."""
import argparse


def parse_size(text):
    """'160x240' -> (160, 240): height x width, as the generated data sets' folder names."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'a size must look like HxW (e.g. 160x240), got {text!r}')
    if h < 8 or w < 8:
        raise argparse.ArgumentTypeError(f'size {text!r} is too small')
    return h, w
