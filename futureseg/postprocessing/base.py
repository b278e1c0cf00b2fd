"""The contract of a post-processor (POSTPROCESSORS registry)."""
from abc import ABCMeta, abstractmethod
from typing import Iterable, Optional, Set

import numpy as np

from futureseg.structures.metainfo import NUM_CLASSES


class BasePostProcessor(metaclass=ABCMeta):
    """A test-time clean-up of one predicted mask: ``post(mask, known) -> new mask``.

    ``mask`` is the (H, W) class-id mask of the predicted frame (numpy, any integer dtype);
    ``known`` the object classes seen in the input frames (an iterable of ids, or None where
    nothing is known). The result is a new array of the same shape and dtype; the input is
    never changed. Subclasses implement ``process`` and get checked, normalised arguments;
    register them with ``@POSTPROCESSORS.register_module()``.
    """

    def __call__(self, mask: np.ndarray, known: Optional[Iterable[int]] = None) -> np.ndarray:
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise ValueError(f'{type(self).__name__} takes one (H, W) mask, got shape {mask.shape}')
        if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
            raise ValueError(f'{type(self).__name__} takes class ids, got dtype {mask.dtype}')
        known_set = {int(k) for k in known if 0 < int(k) < NUM_CLASSES} if known is not None else set()
        out = self.process(mask, known_set)
        assert out.shape == mask.shape, f'{type(self).__name__} changed the mask shape'
        return out.astype(mask.dtype, copy=False)

    @abstractmethod
    def process(self, mask: np.ndarray, known: Set[int]) -> np.ndarray:
        """The new mask (a new array) from ``mask`` (H, W) and the known object classes."""
