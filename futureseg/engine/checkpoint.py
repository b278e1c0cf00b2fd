"""Loading MMEngine checkpoints safely under torch >= 2.6.

torch.load now defaults to ``weights_only=True``, and MMEngine 0.10.7 cannot resume its own
checkpoints under it: they hold a few non-tensor objects (the message hub's
``HistoryBuffer``, numpy arrays and scalars, and functions pickled as ``getattr(Class, name)``:
HistoryBuffer's statistic methods, OneCycle's annealing function). Rather than switching the
safety off, we allow exactly those and keep refusing everything else, with an error that
names the file.
"""
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds an object type that futureseg refuses to unpickle."""


def _numpy_globals():
    """The numpy callables/types that pickled arrays and scalars refer to."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = {type(np.dtype(code)) for code in np.typecodes['All'] if code not in 'OVSUaM'}
    dtype_classes |= {type(np.dtype('datetime64[s]'))} if hasattr(np, 'dtypes') else set()
    allowed = [np.ndarray, np.dtype, *sorted(dtype_classes, key=lambda c: c.__name__)]
    # Checkpoints written under numpy 1 name these by their old module path, numpy 2 by the new one.
    for mod in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed += [(_reconstruct, f'{mod}._reconstruct'), (scalar, f'{mod}.scalar')]
    return allowed


def _pickled_methods():
    """Functions that MMEngine checkpoints name as ``getattr(Class, 'name')``: the message
    hub's HistoryBuffer statistic methods and OneCycle's annealing function."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
    HistoryBuffer()  # registers the default statistic methods
    return {HistoryBuffer: set(HistoryBuffer._statistics_methods),
            OneCycleParamScheduler: {'_annealing_cos', '_annealing_linear'}}


def _restricted_getattr(obj, name):
    """Stands in for ``getattr`` while unpickling, for the methods in ``_pickled_methods``
    only: allowing the real ``getattr`` would open attribute access on anything unpickled."""
    if name in _pickled_methods().get(obj, ()):
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def checkpoint_safe_globals():
    """Every non-tensor type and function that an MMEngine checkpoint written by futureseg holds."""
    return [*_pickled_methods(), (_restricted_getattr, 'builtins.getattr'), *_numpy_globals()]


def allow_mmengine_checkpoint_types():
    """Let ``torch.load(weights_only=True)`` read MMEngine checkpoints (idempotent)."""
    torch.serialization.add_safe_globals(checkpoint_safe_globals())


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename, map_location):
    """Local checkpoint loader replacing MMEngine's, with weights-only unpickling kept on."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    allow_mmengine_checkpoint_types()
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'checkpoint {filename} holds an object type that is not allowed to be unpickled '
            f'(futureseg loads checkpoints with weights_only=True and allows only the types '
            f'MMEngine checkpoints hold; re-save the checkpoint without that object, or inspect '
            f'it with torch.serialization.get_unsafe_globals_in_checkpoint). Details: {err}'
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise RuntimeError(f'checkpoint {filename} could not be read (truncated or not a '
                           f'torch checkpoint?): {err}') from err
