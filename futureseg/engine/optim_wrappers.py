"""Optimizer wrappers (OPTIM_WRAPPERS registry)."""
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn
from mmengine.optim import OptimWrapper

from futureseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: the forward pass runs under ``torch.autocast('cpu')``.

    MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU; ``tools/train.py --amp``
    picks this wrapper instead on CPU-only machines. bfloat16 keeps float32's exponent range,
    so no loss scaling is needed; it pays off on CPUs with native bf16 (AVX512-BF16, AMX),
    elsewhere it can be slower than float32 (see docs/benchmarks.md).

    Args:
        *args: As ``OptimWrapper``'s (``optimizer``).
        dtype (str): Autocast dtype, 'bfloat16' or 'float16'. Default: 'bfloat16'.
        **kwargs: As ``OptimWrapper``'s (``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs):
        super().__init__(*args, **kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f"CPUAmpOptimWrapper dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield
