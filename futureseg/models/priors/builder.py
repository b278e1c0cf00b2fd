"""Priors and fusions from a model's arguments; the old argument and state-dict names."""
import inspect
import warnings
from typing import List, Optional, Sequence, Union

import torch.nn as nn

from futureseg.registry import MODELS
from .copy_prior import CopyPrior

PriorCfg = Union[float, dict, None]


def accepts_argument(kind: Union[str, type, None], name: str) -> bool:
    """Whether the MODELS class ``kind`` (a registered name or the class) takes the keyword
    argument ``name`` in its constructor."""
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    return inspect.isclass(cls) and name in inspect.signature(cls).parameters


def with_future_steps(cfg: PriorCfg, future_steps: Optional[int]) -> PriorCfg:
    """A prior's config with ``future_steps`` (the model's horizon of its last output step)
    filled in where the prior's class takes it (``MotionPrior``, ``DynamicsPrior``) and the
    config does not set it, so that the prior and the model cannot disagree silently; other
    configs as given."""
    if future_steps is None or not isinstance(cfg, dict):
        return cfg
    if not accepts_argument(cfg.get('type'), 'future_steps'):
        return cfg
    cfg = dict(cfg)
    if cfg.get('future_steps') is None:
        cfg['future_steps'] = future_steps
    return cfg


def build_prior(cfg: PriorCfg, num_frames: int, num_classes: int,
                future_steps: Optional[int] = None) -> Optional[nn.Module]:
    """A future predictor's prior: None for 0 / None, ``CopyPrior`` with that starting weight
    for a number, else the MODELS config (``num_classes`` filled in, a ``CopyPrior``'s
    ``num_frames``, and a ``MotionPrior``'s / ``DynamicsPrior``'s ``future_steps`` unless the
    config sets them)."""
    if not cfg:
        return None
    if isinstance(cfg, dict):
        cfg = dict(with_future_steps(cfg, future_steps))
        cfg.setdefault('num_classes', num_classes)
        if cfg.get('type') in ('CopyPrior', 'futureseg.CopyPrior', CopyPrior):
            cfg.setdefault('num_frames', num_frames)
        return MODELS.build(cfg)
    return CopyPrior(num_frames, cfg, num_classes)


def prior_list(prior: PriorCfg, priors: Optional[Sequence[PriorCfg]]) -> List[PriorCfg]:
    """The priors a model was given: ``priors`` (a list), or the one ``prior`` (0 / None: none).

    Raises:
        ValueError: When both are given.
    """
    if priors is not None:
        if prior:
            raise ValueError('give prior= (one prior) or priors= (a list), not both')
        return [p for p in priors if p]
    return [prior] if prior else []


def prior_argument(prior: PriorCfg, copy_prior: PriorCfg, default: PriorCfg) -> PriorCfg:
    """The ``prior`` a model was given, accepting the old keyword ``copy_prior`` (it held a
    ``MotionPrior`` as often as a ``CopyPrior``) with a ``DeprecationWarning``.

    Args:
        prior (float | dict | None): The ``prior=`` argument.
        copy_prior (float | dict | None): The old ``copy_prior=`` argument; None if not given.
        default (float | dict | None): ``prior``'s default in the signature: a ``prior`` that
            differs from it counts as given, and then ``copy_prior`` is an error.

    Returns:
        float | dict | None: The prior to build.
    """
    if copy_prior is None:
        return prior
    if prior != default:
        raise ValueError('both prior= and its old name copy_prior= are given: give prior= only')
    warnings.warn('copy_prior= is deprecated: use prior= (the same values: a number for a '
                  "CopyPrior's starting weight, or a prior's config such as "
                  "dict(type='MotionPrior', ...))", DeprecationWarning, stacklevel=3)
    return copy_prior


#: State-dict prefixes of a future predictor's one prior in older checkpoints: ``copy_prior.``
#: (before the rename to ``prior``), ``prior.`` (before the list of priors); both are now
#: the first prior of the list, ``priors.0.`` (``rename_old_prior_keys`` maps them).
OLD_PRIOR_PREFIXES = ('copy_prior.', 'prior.')
PRIOR_PREFIX = 'priors.0.'


def rename_old_prior_keys(state_dict: dict, prefix: str = '') -> None:
    """Rename, in place, the keys ``{prefix}copy_prior.*`` and ``{prefix}prior.*`` of an old
    checkpoint to ``{prefix}priors.0.*``, so that old checkpoints still load."""
    for old_prefix in OLD_PRIOR_PREFIXES:
        old = prefix + old_prefix
        for key in [k for k in state_dict if k.startswith(old)]:
            new = prefix + PRIOR_PREFIX + key[len(old):]
            if new not in state_dict:
                state_dict[new] = state_dict.pop(key)
