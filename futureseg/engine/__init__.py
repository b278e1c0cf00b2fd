from .checkpoint import (UnsafeCheckpointError, allow_mmengine_checkpoint_types,
                         checkpoint_safe_globals)
from .hooks import PseudoLabelHook

__all__ = ['UnsafeCheckpointError', 'allow_mmengine_checkpoint_types', 'checkpoint_safe_globals',
           'PseudoLabelHook']
