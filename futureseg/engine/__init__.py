from .checkpoint import (UnsafeCheckpointError, allow_mmengine_checkpoint_types,
                         checkpoint_safe_globals)
from .hooks import PseudoLabelHook, ScheduledSamplingHook, schedule_value

__all__ = ['UnsafeCheckpointError', 'allow_mmengine_checkpoint_types', 'checkpoint_safe_globals',
           'PseudoLabelHook', 'ScheduledSamplingHook', 'schedule_value']
