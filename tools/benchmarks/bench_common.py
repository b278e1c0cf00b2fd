"""What the benchmark scripts share (importable: each script's folder is on sys.path)."""
import argparse
import time


from futureseg.datasets import build_frame_cache
from futureseg.datasets.frame_cache import FrameCache
from futureseg.datasets.layout import list_videos
from futureseg.utils.machine import machine_info  # noqa: F401  (the benchmarks' import)


def parse_size(text):
    """'160x240' -> (160, 240): height x width, as the generated data sets' folder names."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'a size must look like HxW (e.g. 160x240), got {text!r}')
    if h < 8 or w < 8:
        raise argparse.ArgumentTypeError(f'size {text!r} is too small')
    return h, w


# SimVP widths the benchmarks build: the winner's, the CPU configs' (configs/*_small_cpu.py),
# and a tiny one for tests
WIDTHS = {'full': dict(hid_S=64, N_S=4, hid_T=512, N_T=8),
          'small': dict(hid_S=16, N_S=4, hid_T=128, N_T=3),
          'tiny': dict(hid_S=8, N_S=2, hid_T=16, N_T=2)}


def set_width(model, width):
    """Set a SimVP model config's encoder / decoder / translator to one of WIDTHS, in place."""
    w = WIDTHS[width]
    model['encoder'].update(hid_S=w['hid_S'], N_S=w['N_S'])
    model['decoder'].update(hid_S=w['hid_S'], N_S=w['N_S'])
    model['translator'].update(hid_T=w['hid_T'], N_T=w['N_T'])
    model.pop('pretrained', None)
    return model


def ensure_cache(split_dir):
    """Build the split's frame cache unless a fresh one exists. Returns the seconds spent
    building it, None when it was reused."""
    if FrameCache.open_if_fresh(split_dir, list_videos(split_dir)) is not None:
        return None
    start = time.perf_counter()
    build_frame_cache(split_dir, progress=False)
    return round(time.perf_counter() - start, 2)


def run_extended_recipe(recipe: dict, extra_stages: list, work_dir: str):
    """Run a recipe (a config dict) with more stages appended, in ``work_dir`` (its finished
    stages are reused); returns (runner, {row: score dict}, baseline Jaccard, ceiling
    Jaccard, training videos) for the quality benchmarks' tables."""
    import os.path as osp
    from mmengine.config import Config
    from futureseg.apis.recipe import BASELINE_ROWS, RecipeRunner
    recipe = dict(recipe, extra_stages=list(recipe.get('extra_stages') or []) + list(extra_stages))
    runner = RecipeRunner(Config(recipe), work_dir)
    scores = {r['row']: r for r in runner.run()['rows']}
    base = scores[BASELINE_ROWS['baseline']]['jaccard']
    ceiling = scores[BASELINE_ROWS['ceiling']]['jaccard']
    return runner, scores, base, ceiling, len(list_videos(osp.join(runner.data_root, 'train')))
