"""RandomStateHook: a killed run that resumes continues the random streams of the run it
continues, so that it ends with the same weights as an uninterrupted run (issue #20)."""
import logging
from typing import Optional

import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from futureseg.datasets.samplers import SeededDefaultSampler, SeededInfiniteSampler
from futureseg.registry import HOOKS
from futureseg.utils.random_state import get_random_state, set_random_state

STATE_KEY = 'random_state'
_SEEDED_SAMPLERS = (SeededDefaultSampler, SeededInfiniteSampler)


def _warn(msg):
    print_log(f'RandomStateHook: {msg}', logger='current', level=logging.WARNING)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Saves the main process's random generators in every checkpoint and puts them back
    when training resumes from it.

    What a resumed MMEngine run lost (the cause of issue #20): MMEngine reseeds the global
    generators from ``randomness.seed`` when the Runner starts and restores the weights,
    optimizer, schedulers and epoch, but not the generators' states. The resumed run so drew
    from the streams of a fresh start: other dropout / drop-path masks in the model (torch)
    and, with ``num_workers=0``, other augmentations (NumPy / Python, drawn in the main
    process). Loader workers and their augmentations are handled by the samplers of
    ``futureseg.datasets.samplers`` (a seed per sample); this hook handles the main process:

    * ``before_save_checkpoint``: adds ``checkpoint['random_state']``: the Python, NumPy,
      torch CPU and CUDA generator states (plain lists / arrays / byte tensors, read under
      ``weights_only=True`` with no new allowances), the seed, world size, loader workers and
      sampler (to warn when a resume differs).
    * resume (``after_load_checkpoint``, then the first ``before_train_epoch``): puts the
      generators back, just before the first resumed epoch or iteration draws.
    * validation (``before_val`` / ``after_val``) gives the generators back as it found them:
      the checkpoint is written before the validation that follows it, and a resumed run does
      not repeat that validation, so its draws must not count; it also makes training the
      same with or without validation.
    * data loading (``before_train``): the loaders get their own torch generator for the
      per-iterator worker base seed, which otherwise comes from the main generator each time
      a loader iterator is created, and a resumed run creates one at another point (the
      first resumed epoch) than an uninterrupted run with persistent workers (epoch 1 only).

    Exactness does not hold, and a warning is logged at resume, when the world size, the
    number of loader workers or the sampler seed differ from the checkpoint's, when loader
    workers run a pipeline without per-sample seeds, when an epoch-based run resumes from a
    checkpoint written mid-epoch, and on GPUs without ``randomness.deterministic=True``
    (non-deterministic kernels). With ``diff_rank_seed=True`` only rank 0's state is saved.

    Args:
        restore (bool): Put the saved states back at resume. False only saves them (the
            way to switch it off: MMEngine accepts ``default_hooks.X=None`` only for its own
            default hooks). Default: True.
    """
    priority = 'LOWEST'  # restore after every other hook's before_train_epoch

    def __init__(self, restore: bool = True):
        self.restore = restore
        self._paused: Optional[dict] = None  # the training streams while validation runs
        self._loaded = None  # (random_state, meta) of the checkpoint just loaded

    @staticmethod
    def _loaders(runner):
        loops = [runner.train_loop, getattr(runner, 'val_loop', None)]  # both built by train()
        return [loop.dataloader for loop in loops if hasattr(loop, 'dataloader')]

    def _describe(self, runner) -> dict:
        loader = runner.train_loop.dataloader
        sampler = getattr(loader, 'sampler', None)
        return dict(seed=runner.seed, world_size=get_world_size(), num_workers=loader.num_workers,
                    sampler=type(sampler).__name__, sampler_seed=getattr(sampler, 'seed', None),
                    per_sample_seeds=self._per_sample_seeds(loader))

    @staticmethod
    def _per_sample_seeds(loader) -> bool:
        return (isinstance(getattr(loader, 'sampler', None), _SEEDED_SAMPLERS)
                and getattr(loader.dataset, 'accepts_sample_seeds', False))

    def before_train(self, runner) -> None:
        for loader in self._loaders(runner):
            if getattr(loader, 'generator', None) is None:
                loader.generator = torch.Generator().manual_seed(runner.seed)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # a checkpoint written during validation (save_best) holds the training streams
        state = self._paused if self._paused is not None else get_random_state()
        checkpoint[STATE_KEY] = dict(state, **self._describe(runner))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = (checkpoint.get(STATE_KEY), checkpoint.get('meta') or {})

    def before_train_epoch(self, runner) -> None:
        if self._loaded is None:
            return
        saved, meta = self._loaded
        self._loaded = None
        if not self.restore or runner.iter == 0 or meta.get('iter') != runner.iter:
            return  # load_from (initial weights), not a resume
        if saved is None:
            _warn('the checkpoint holds no random state (written without this hook): the '
                  'resumed run draws other random numbers than an uninterrupted one would')
            return
        for problem in self._mismatches(runner, saved):
            _warn(f'{problem}; the resumed run will not match an uninterrupted one exactly')
        problem = set_random_state(saved)
        if problem:
            _warn(f'CUDA generators not restored: {problem}')
        print_log(f'RandomStateHook: random generators restored from iteration {runner.iter}',
                  logger='current')

    def _mismatches(self, runner, saved: dict):
        now = self._describe(runner)
        for key, what in (('world_size', 'processes (world size)'), ('num_workers', 'loader workers'),
                          ('sampler_seed', 'sampler seed')):
            if saved.get(key) != now[key]:
                yield f'{what}: {saved.get(key)} in the checkpoint, {now[key]} now'
        loader = runner.train_loop.dataloader
        epoch_based = isinstance(runner.train_loop, EpochBasedTrainLoop)
        # without per-sample seeds, the pipeline's draws are reproduced only where they come
        # from the restored main process: not in workers, nor in the batches that an
        # iteration-based resume re-reads after the restore
        if not now['per_sample_seeds'] and (loader.num_workers > 0 or not epoch_based):
            yield (f'the pipeline runs without per-sample seeds (sampler {now["sampler"]}, '
                   f'dataset {type(loader.dataset).__name__}) in {loader.num_workers} loader '
                   f'workers or a re-read of the batches before iteration {runner.iter}; use '
                   f'SeededDefaultSampler / SeededInfiniteSampler with a futureseg dataset')
        if epoch_based and runner.iter % max(len(loader), 1):
            yield (f'an epoch-based run resumes from a checkpoint written mid-epoch (iteration '
                   f'{runner.iter}); MMEngine restarts that epoch from its beginning')
        if torch.cuda.is_available() and not torch.are_deterministic_algorithms_enabled():
            yield 'CUDA kernels may be non-deterministic (set randomness.deterministic=True)'

    def before_val(self, runner) -> None:
        self._paused = get_random_state()

    def after_val(self, runner) -> None:
        if self._paused is not None:
            set_random_state(self._paused)
            self._paused = None
