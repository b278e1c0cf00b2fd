"""A trained learned-dynamics model (``ObjectDynamicsPredictor``) used, frozen, as a prior."""
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint

from futureseg.registry import MODELS
from futureseg.structures.metainfo import NUM_CLASSES
from .base import HorizonWeightedPrior


@MODELS.register_module()
class DynamicsPrior(HorizonWeightedPrior):
    """Predicts the future frames painted by a trained ``ObjectDynamicsPredictor`` (each
    object of the newest mask moved and scaled to where it learned objects go;
    ``output='occupancy'``); votes with them, times a learned weight per horizon.

    The dynamics model is frozen: its weights never train here, and it stays in eval mode
    (no dropout) while its host trains. Its weights (and its physical prior's settings) are
    part of the host's state dict, so the host's checkpoint carries the prior it was trained
    with; ``checkpoint`` only initialises them (on construction and again in
    ``init_weights``, after any init_cfg of the host).

    Args:
        model (dict, optional): MODELS config of the dynamics model. Default: None.
        config (str, optional): Instead of ``model``: a config file whose ``model`` it is (the
            dynamics' training config, as ``tools/test.py`` takes it). Default: None.
        checkpoint (str, optional): The trained dynamics' checkpoint; None keeps the untrained
            model (its zero-initialised head: its physical prior alone). Default: None.
        init (float): Starting weight of every horizon. Default: 4.0.
        future_steps (int, optional): Horizons; None is the dynamics model's. Default: None.
        num_classes (int): Classes of the logits; must be the dynamics model's. Default: 49.
    """

    output = 'occupancy'

    def __init__(self, model: Optional[dict] = None, config: Optional[str] = None,
                 checkpoint: Optional[str] = None, init: float = 4.0,
                 future_steps: Optional[int] = None, num_classes: int = NUM_CLASSES):
        if (model is None) == (config is None):
            raise ValueError('DynamicsPrior takes one of model= (a MODELS config) and config= '
                             '(a config file whose model it is)')
        cfg = dict(model) if model is not None else dict(Config.fromfile(config).model)
        if cfg.get('type') not in ('ObjectDynamicsPredictor', 'futureseg.ObjectDynamicsPredictor'):
            raise ValueError('DynamicsPrior wraps an ObjectDynamicsPredictor, got '
                             f"{cfg.get('type')!r}")
        # the dynamics alone paints frames: no post-processing inside a prior
        cfg.update(postprocessors=(), known_objects=None)
        dynamics = MODELS.build(cfg)
        if dynamics.num_classes != num_classes:
            raise ValueError(f'the dynamics model has {dynamics.num_classes} classes, the host '
                             f'{num_classes}')
        super().__init__(init, future_steps or dynamics.future_steps)
        if self.future_steps > dynamics.future_steps:
            raise ValueError(f'future_steps {self.future_steps} > the dynamics model\'s '
                             f'{dynamics.future_steps}')
        self.num_classes = num_classes
        self.checkpoint = checkpoint
        self.dynamics = dynamics
        self.dynamics.requires_grad_(False)
        self.load_dynamics()

    def load_dynamics(self) -> None:
        """Load ``checkpoint`` into the dynamics model (nothing for None)."""
        if self.checkpoint is None:
            return
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(
                f'DynamicsPrior: dynamics checkpoint not found: {self.checkpoint} (train it with '
                'tools/train.py configs/dynamics/object_dynamics_small_cpu.py, or set '
                'checkpoint=None when a checkpoint of the host model carries the weights)')
        load_checkpoint(self.dynamics, self.checkpoint, map_location='cpu', strict=True,
                        logger='silent')

    def init_weights(self) -> None:
        """Reload the dynamics' checkpoint (the host's init_cfg may have touched it)."""
        self.load_dynamics()

    def train(self, mode: bool = True) -> 'DynamicsPrior':
        super().train(mode)
        self.dynamics.eval()  # frozen: no dropout, whatever the host does
        return self

    def predict(self, masks: torch.Tensor, horizons: Sequence[int]) -> torch.Tensor:
        """The occupancy (B, len(horizons), K, H, W) the dynamics paints from ``masks``
        (B, T_in, H, W); no gradient flows through it."""
        with torch.no_grad():
            return self.dynamics.occupancy(masks.long(), list(horizons))
