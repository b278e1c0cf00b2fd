"""The global random generators of a process (Python, NumPy, torch CPU / CUDA), captured as
plain values and put back.

A captured state is a dict of types that ``torch.load(weights_only=True)`` reads without new
allowances (lists, ints, floats, str, a numpy array, byte tensors), so it can live in an
MMEngine checkpoint (see ``futureseg.engine.RandomStateHook``).
"""
import random
from contextlib import contextmanager
from typing import Optional

import numpy as np
import torch


def get_random_state(cuda: bool = True) -> dict:
    """The state of Python's ``random``, NumPy's global generator and torch's default
    generators.

    Args:
        cuda (bool): Also capture every CUDA device's generator (only where CUDA is already
            initialised, so that a CPU run never starts a CUDA context). Defaults to True.

    Returns:
        dict: ``python`` (list: version, 625 ints, gauss), ``numpy`` (list: 'MT19937', uint32
        array, pos, has_gauss, cached_gaussian), ``torch`` (uint8 tensor), ``cuda`` (list of
        uint8 tensors, empty without CUDA).
    """
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    cuda_states = []
    if cuda and torch.cuda.is_available() and torch.cuda.is_initialized():
        cuda_states = [s.clone() for s in torch.cuda.get_rng_state_all()]
    return dict(python=[version, list(internal), gauss],
                numpy=[kind, keys.copy(), int(pos), int(has_gauss), float(cached)],
                torch=torch.get_rng_state(), cuda=cuda_states)


def set_random_state(state: dict) -> Optional[str]:
    """Put back what ``get_random_state`` captured.

    Args:
        state (dict): A captured state; missing keys leave that generator as it is.

    Returns:
        str | None: Why the CUDA generators were not restored (another number of devices,
        or no CUDA here), else None.
    """
    if 'python' in state:
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
    if 'numpy' in state:
        kind, keys, pos, has_gauss, cached = state['numpy']
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    if 'torch' in state:
        # a resumed checkpoint may have been mapped onto a GPU; generator states live on the CPU
        torch.set_rng_state(torch.as_tensor(state['torch']).cpu())
    saved_cuda = state.get('cuda') or []
    if not saved_cuda:
        return None
    if not torch.cuda.is_available():
        return f'{len(saved_cuda)} CUDA generator state(s) saved, but there is no CUDA device here'
    if len(saved_cuda) != torch.cuda.device_count():
        return (f'{len(saved_cuda)} CUDA generator state(s) saved, '
                f'{torch.cuda.device_count()} device(s) here')
    torch.cuda.set_rng_state_all([torch.as_tensor(s).cpu() for s in saved_cuda])
    return None


@contextmanager
def seeded_random_state(seed: int, restore: bool = True):
    """Run a block with Python's, NumPy's and torch's CPU generators seeded from ``seed``,
    then (``restore``) give the process its own states back, as if the block had drawn nothing.

    Data pipelines run in this (one seed per sample) draw the same numbers in the main
    process and in any loader worker, whatever that worker drew before; and the main
    process's training streams (dropout, drop path) do not depend on data loading.
    CUDA generators are left alone (transforms run on the CPU).

    Args:
        seed (int): Seed in [0, 2**32).
        restore (bool): Put the states back afterwards. A loader worker can skip it (about
            a millisecond a sample, NumPy's get/set_state mostly): nothing else draws from
            its generators. Defaults to True.
    """
    # the raw states, not get_random_state's checkpoint form: this runs once a sample
    saved = (random.getstate(), np.random.get_state(), torch.get_rng_state()) if restore else None
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)  # not torch.manual_seed: that reseeds CUDA too
    try:
        yield
    finally:
        if saved is not None:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])
