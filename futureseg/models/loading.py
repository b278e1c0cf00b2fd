"""A model from its config and checkpoint: the one place configs become models outside a
Runner (``init_model``, the tools, benchmarks and the recipe all come here)."""
import os.path as osp
from pathlib import Path
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint

from futureseg.registry import MODELS
from futureseg.structures.metainfo import METAINFO
from futureseg.utils.cli import read_config


def build_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
                device: str = 'cpu', cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """The config's model with the checkpoint's weights, on ``device``, in eval mode.

    Args:
        config (str | Path | Config): config file or loaded config.
        checkpoint (str, optional): checkpoint file; None keeps the initial weights (e.g. to
            count parameters). Default None.
        device (str): 'cpu', 'cuda', 'cuda:1', ... Default 'cpu'.
        cfg_options (dict, optional): overrides merged into the config. Default None.

    Returns:
        nn.Module: the model, with ``cfg`` (its config) and ``dataset_meta`` (classes, palette).
    """
    config = read_config(config, cfg_options)
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    model = MODELS.build(config.model)
    dataset_meta = None
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
        dataset_meta = (ckpt.get('meta') or {}).get('dataset_meta')
    model.cfg = config
    model.dataset_meta = dataset_meta or dict(METAINFO)
    return model.to(device).eval()
