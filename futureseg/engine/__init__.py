from .checkpoint import (UnsafeCheckpointError, allow_mmengine_checkpoint_types,
                         checkpoint_safe_globals)

__all__ = ['UnsafeCheckpointError', 'allow_mmengine_checkpoint_types', 'checkpoint_safe_globals']
