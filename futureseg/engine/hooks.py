"""Hooks (HOOKS registry)."""
import math
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmengine.hooks import Hook

from futureseg.registry import HOOKS
from .pseudo_label import write_pseudo_labels


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """After the segmenter's training, label the unlabelled videos with it (stage 3).

    Args:
        data_root (str): The data set root (the course layout).
        split (str): The split folder to label. Default: 'unlabeled'.
        out_dir (str, optional): Where the masks go; None means
            ``<work_dir>/pseudo_labels/<split>``. Default: None.
        batch_size (int): Frames per segmenter batch (22: one video). Default: 22.
        overwrite (bool): Label videos that already have a mask file again. Default: False.
    """
    priority = 'LOWEST'

    def __init__(self, data_root: str, split: str = 'unlabeled', out_dir: Optional[str] = None,
                 batch_size: int = 22, overwrite: bool = False):
        self.data_root, self.split, self.out_dir = data_root, split, out_dir
        self.batch_size, self.overwrite = batch_size, overwrite

    def after_train(self, runner) -> None:
        out = self.out_dir or osp.join(runner.work_dir, 'pseudo_labels', self.split)
        write_pseudo_labels(runner.model, osp.join(self.data_root, self.split), out,
                            batch_size=self.batch_size, overwrite=self.overwrite)


def schedule_value(progress: float, start: float, end: float, kind: str = 'linear') -> float:
    """Value at ``progress`` in [0, 1] of a ramp from ``start`` to ``end``: 'linear',
    'cosine' (slow at both ends), 'sigmoid' (Bengio et al.'s inverse-sigmoid decay, turned
    into a rise) or 'step' (``start`` until the end of the ramp, then ``end``)."""
    p = min(max(float(progress), 0.), 1.)
    if kind == 'linear':
        w = p
    elif kind == 'cosine':
        w = (1 - math.cos(math.pi * p)) / 2
    elif kind == 'sigmoid':
        w = 1 / (1 + math.exp(-12 * (p - 0.5)))
    elif kind == 'step':
        w = float(p >= 1)
    else:
        raise ValueError(f"schedule must be 'linear', 'cosine', 'sigmoid' or 'step', got {kind!r}")
    return start + (end - start) * w


@HOOKS.register_module()
class ScheduledSamplingHook(Hook):
    """Raises how often, and for how many steps, an autoregressive model is fed its own
    predictions in training (scheduled sampling; sets the model's ``ss_prob``/``ss_steps``).

    The values are logged as ``ss_prob`` and ``ss_steps``.

    Args:
        prob (tuple[float, float]): (start, end) chance that a rollout feeds back its own
            predictions. Default: (0.0, 1.0).
        steps (tuple[int, int]): (start, end) consecutive fed-back steps (rounded;
            11 = free-running). Default: (1, 11).
        begin (float): Where the ramp starts, a fraction of training (``by='ratio'``) or an
            iteration (``by='iter'``). Default: 0.0.
        end (float): Where the ramp ends (after ``begin``), in the same unit. Default: 0.8.
        by (str): 'ratio' or 'iter'. Default: 'ratio'.
        schedule (str): 'linear', 'cosine', 'sigmoid' or 'step' (see
            :func:`schedule_value`). Default: 'linear'.
    """
    priority = 'NORMAL'

    def __init__(self, prob: Sequence[float] = (0., 1.), steps: Sequence[int] = (1, 11),
                 begin: float = 0., end: float = 0.8, by: str = 'ratio',
                 schedule: str = 'linear'):
        if by not in ('ratio', 'iter'):
            raise ValueError(f"by must be 'ratio' or 'iter', got {by!r}")
        if end <= begin:
            raise ValueError(f'end ({end}) must come after begin ({begin})')
        schedule_value(0, 0, 1, schedule)  # fail now on a typo
        self.prob, self.steps = tuple(prob), tuple(steps)
        self.begin, self.end, self.by, self.schedule = begin, end, by, schedule

    def values(self, it: int, max_iters: int) -> Tuple[float, int]:
        """(ss_prob, ss_steps) at iteration ``it`` of ``max_iters``."""
        at = it / max(max_iters, 1) if self.by == 'ratio' else it
        progress = (at - self.begin) / (self.end - self.begin)
        prob = schedule_value(progress, *self.prob, self.schedule)
        steps = int(round(schedule_value(progress, *self.steps, self.schedule)))
        return prob, steps

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = getattr(runner.model, 'module', runner.model)
        if not hasattr(model, 'ss_prob'):
            raise TypeError(f'ScheduledSamplingHook needs a model with ss_prob/ss_steps '
                            f'(an autoregressive SimVPMaskSpacePredictor), got {type(model).__name__}')
        model.ss_prob, model.ss_steps = self.values(runner.iter, runner.max_iters)
        runner.message_hub.update_scalar('train/ss_prob', model.ss_prob)
        runner.message_hub.update_scalar('train/ss_steps', model.ss_steps)


@HOOKS.register_module()
class TargetEMAHook(Hook):
    """After every training iteration, moves a JEPA model's target encoder towards its
    context encoder (``model.update_target(m)``: target = m * target + (1 - m) * online),
    the momentum ``m`` raised from ``momentum[0]`` to ``momentum[1]`` over training (BYOL's
    cosine schedule by default), logged as ``ema_momentum``.

    An EMA step after the optimiser's, in a hook rather than the model's ``train_step``, so
    that it also runs under MMEngine's DDP wrapper (which does not call the model's
    ``train_step``).

    Args:
        momentum (tuple[float, float]): (start, end) momentum. Default: (0.996, 1.0).
        schedule (str): 'linear', 'cosine', 'sigmoid' or 'step' (see
            :func:`schedule_value`). Default: 'cosine'.
    """
    priority = 'NORMAL'

    def __init__(self, momentum: Sequence[float] = (0.996, 1.), schedule: str = 'cosine'):
        schedule_value(0, 0, 1, schedule)  # fail now on a typo
        if not all(0 <= m <= 1 for m in momentum):
            raise ValueError(f'momentum must lie in [0, 1], got {momentum}')
        self.momentum, self.schedule = tuple(momentum), schedule

    def value(self, it: int, max_iters: int) -> float:
        """The momentum at iteration ``it`` of ``max_iters``."""
        return schedule_value(it / max(max_iters, 1), *self.momentum, self.schedule)

    @staticmethod
    def _model(runner):
        model = getattr(runner.model, 'module', runner.model)
        if not hasattr(model, 'update_target'):
            raise TypeError(f'TargetEMAHook needs a model with update_target (SimVPJEPA), '
                            f'got {type(model).__name__}')
        return model

    def before_train(self, runner) -> None:
        self._model(runner).ema_by_hook = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        m = self.value(runner.iter, runner.max_iters)
        model = self._model(runner)
        model.momentum = m
        model.update_target(m)
        runner.message_hub.update_scalar('train/ema_momentum', m)


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Runs the model in channels-last memory format (NHWC), which tensor-core GPUs and
    oneDNN CPU kernels convolve faster: converts the 4-D weights once before training /
    testing and makes the data preprocessor hand over channels-last inputs.

    Checkpoints are unaffected (``state_dict`` values are the same tensors, just strided
    differently). It takes no arguments: ``custom_hooks = [dict(type='ChannelsLastHook')]``.
    """
    priority = 'VERY_HIGH'  # before the optimizer state or any hook touches the weights

    def _convert(self, runner):
        import torch
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        # only 4-D tensors (conv weights): Module.to(memory_format=...) also tries the 5-D
        # normalisation buffers and fails
        for tensor in list(model.parameters()) + list(model.buffers()):
            if tensor.dim() == 4:
                tensor.data = tensor.data.contiguous(memory_format=torch.channels_last)
        if hasattr(model.data_preprocessor, 'channels_last'):
            model.data_preprocessor.channels_last = True

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
