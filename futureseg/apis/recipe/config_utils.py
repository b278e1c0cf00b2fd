"""Config surgery for the recipe's stages: finding a stage's config file, pointing its
datasets at the recipe's data root, the ``--cfg-options`` command line, the resolved
contents a fingerprint hashes and the derived test configs."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import futureseg
from futureseg.utils.io import write_text_atomic
from .base import RecipeError

# a source checkout's root (configs/ beside futureseg/): the shipped recipes name their
# configs relative to it; from an installed package, paths are relative to the working dir
ROOT = osp.dirname(osp.dirname(osp.abspath(futureseg.__file__)))


def find_config(path: str, stage: str = '') -> str:
    """The absolute path of a stage's config: as given (absolute or relative to the working
    dir), else relative to the checkout's root. RecipeError naming the stage if neither."""
    for candidate in (path, osp.join(ROOT, path)):
        if osp.isfile(candidate):
            return osp.abspath(candidate)
    raise RecipeError(f'stage {stage!r}: config file not found: {path}')


def data_root_options(config: str, data_root: str,
                      loaders: Sequence[str] = ('train_dataloader', 'val_dataloader',
                                                'test_dataloader')) -> Dict[str, str]:
    """--cfg-options that move a config's datasets onto ``data_root``: every dataset's
    ``data_root``, and its other ``*_root`` paths under the config's own ``data_root``
    (pseudo-labels, segmenter masks), through ConcatDataset / RepeatDataset wrappers.

    Args:
        config (str): the config file.
        data_root (str): the recipe's data root.
        loaders (Sequence[str]): the dataloaders whose datasets move. Default: all three.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    old = cfg.get('data_root')
    options = {}

    def walk(prefix, ds):
        if not isinstance(ds, dict):
            return
        if 'datasets' in ds:
            for i, sub in enumerate(ds['datasets']):
                walk(f'{prefix}.datasets.{i}', sub)
        elif isinstance(ds.get('dataset'), dict):
            walk(f'{prefix}.dataset', ds['dataset'])
        else:
            for key, value in ds.items():
                if key == 'data_root':
                    options[f'{prefix}.{key}'] = data_root
                elif key.endswith('_root') and isinstance(value, str) and old and value.startswith(old):
                    options[f'{prefix}.{key}'] = data_root + value[len(old):]
    for loader in loaders:
        if isinstance(cfg.get(loader), dict):
            walk(f'{loader}.dataset', cfg[loader].get('dataset'))
    return options


def option_value(value) -> str:
    """A value as MMEngine's --cfg-options parses it."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(option_value(v) for v in value) + ']'
    return str(value)


def cfg_options_args(options: dict) -> list:
    """``['--cfg-options', 'k=v', ...]`` (empty without options)."""
    return ['--cfg-options'] + [f'{k}={option_value(v)}' for k, v in options.items()] if options else []


def _named(obj):
    """JSON fallback: classes and functions (lazy-import configs) by their import name."""
    name = getattr(obj, '__qualname__', None)
    return f'{obj.__module__}.{name}' if name else str(obj)


def resolved_config_text(config: str, options: Optional[dict] = None,
                         model_overrides: Optional[dict] = None) -> str:
    """A config's contents after ``_base_`` inheritance and the stage's options, as sorted
    JSON: what a stage's fingerprint hashes (an edit of a comment changes nothing, an edit
    of a value or of an inherited file does).

    Args:
        config (str): the config file.
        options (dict, optional): --cfg-options the stage passes (dotted keys).
        model_overrides (dict, optional): merged into ``model`` as a child config would.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    if model_overrides:
        cfg.merge_from_dict(dict(model=model_overrides))
    if options:
        cfg.merge_from_dict(options)
    return json.dumps(cfg.to_dict(), sort_keys=True, default=_named)


def write_derived_config(path: str, base: str, overrides: dict, stage: str) -> str:
    """Write a config file that inherits ``base`` with top-level keys set as a child config
    sets them (``model``: a dict merged in, e.g. NOS post-processors; ``test_evaluator``: a
    list, replacing the base's), atomically; returns its path."""
    body = ''.join(f'{key} = {value!r}\n' for key, value in overrides.items())
    write_text_atomic(path, f'# written by the recipe stage {stage!r}\n'
                            f'_base_ = [{osp.abspath(base)!r}]\n{body}')
    return path


def is_segmenter_config(config: str) -> bool:
    """True for a frame segmenter's config: an mmsegmentation segmentor (EncoderDecoder or a
    subclass such as futureseg's FrameSegmenter), i.e. a model with a decode head."""
    from mmengine.config import Config
    return Config.fromfile(config).model.get('decode_head') is not None
