"""Samplers (DATA_SAMPLERS registry) whose indices carry a seed for their sample's random
transforms, so that a resumed run draws the same augmentations as an uninterrupted one.

Why: MMEngine seeds each loader worker once, from ``seed + worker id + rank * num_workers``
(``default_worker_init_fn``), and the transforms (``CorruptContextMasks``,
``RandomVideoFlip``, ``mmseg.RandomFlip``) draw from the global NumPy / Python generators of
whichever process runs them. Those streams therefore depend on everything that process drew
before: with ``num_workers=0`` the main process's history since start (the model's dropout
included), with persistent workers everything the worker drew in earlier epochs. A resumed
run starts all of them afresh, so from the first resumed epoch on it augments differently
(issue #20). Here each sample's draws come from its own seed instead, a function of the
sampler's seed, the epoch (the pass over the data for the infinite sampler) and the
sample's position in that epoch's global order: no process's history, and neither the
number of workers nor which worker loads the sample, matter any more.
"""
from typing import Iterator

import numpy as np
from mmengine.dataset import DefaultSampler, InfiniteSampler
from torch.utils.data import get_worker_info

from futureseg.registry import DATA_SAMPLERS
from futureseg.utils.random_state import seeded_random_state


def sample_seed(seed: int, epoch: int, position: int) -> int:
    """Seed of the sample at ``position`` of epoch ``epoch``'s global order (a 32-bit hash of
    the three; NumPy's SeedSequence keeps nearby inputs from giving related streams)."""
    return int(np.random.SeedSequence([int(seed), int(epoch), int(position)]).generate_state(1)[0])


class SeededIndex(int):
    """A dataset index that carries the seed of its sample's random draws.

    It behaves as the plain int everywhere (indexing, batching, passing to workers), so a
    dataset that ignores the seed still works; ``SeededSamplesMixin`` uses it.
    """

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, index)
        obj.seed = int(seed)
        return obj

    def __reduce__(self):  # pickled into the loader workers' index queues
        return SeededIndex, (int(self), self.seed)

    def __repr__(self):
        return f'SeededIndex({int(self)}, seed={self.seed})'


class SeededSamplesMixin:
    """Dataset mixin: a ``SeededIndex`` runs its sample's loading and transforms (and any
    re-draw of a bad sample) under the index's seed, leaving the process's own generators as
    they were. Put it first in the bases of a BaseDataset subclass; plain ints load as before.
    """
    accepts_sample_seeds = True

    def __getitem__(self, idx):
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return super().__getitem__(idx)
        # a loader worker's own streams serve nothing else: no need to put them back
        with seeded_random_state(seed, restore=get_worker_info() is None):
            return super().__getitem__(int(idx))


@DATA_SAMPLERS.register_module()
class SeededDefaultSampler(DefaultSampler):
    """MMEngine's ``DefaultSampler`` (the same order: the epoch's permutation from
    ``seed + epoch``, split across ranks), whose indices carry a seed per sample.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Shuffle the order each epoch. Default: True.
        seed (int, optional): Seed of the order and of the sample seeds; the Runner passes
            ``randomness.seed``; None means a random seed shared by the ranks.
            Default: None.
        round_up (bool): Pad the order so that every rank gets as many samples.
            Default: True.
    """

    def __iter__(self) -> Iterator[SeededIndex]:
        # DefaultSampler gives rank r the positions r, r + world_size, ... of the epoch's order
        for k, index in enumerate(super().__iter__()):
            yield SeededIndex(index, sample_seed(self.seed, self.epoch, self.rank + k * self.world_size))


@DATA_SAMPLERS.register_module()
class SeededInfiniteSampler(InfiniteSampler):
    """MMEngine's ``InfiniteSampler`` (the same endless order: permutation after permutation
    of one generator seeded with ``seed``, strided across ranks), whose indices carry a seed
    per sample; for iteration-based loops.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Shuffle each pass over the data. Default: True.
        seed (int, optional): Seed of the order and of the sample seeds. Default: None.
    """

    def _indices_of_rank(self) -> Iterator[SeededIndex]:
        for k, index in enumerate(super()._indices_of_rank()):
            # rank r takes the stream positions r, r + world_size, ...: which pass, and where in it
            epoch, position = divmod(self.rank + k * self.world_size, self.size)
            yield SeededIndex(index, sample_seed(self.seed, epoch, position))
