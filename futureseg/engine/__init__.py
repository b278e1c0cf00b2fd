from .checkpoint import (UnsafeCheckpointError, allow_mmengine_checkpoint_types,
                         checkpoint_safe_globals)
from .hooks import (ChannelsLastHook, PseudoLabelHook, ScheduledSamplingHook, TargetEMAHook,
                    schedule_value)
from .optim_wrappers import CPUAmpOptimWrapper
from .pseudo_label import StalePseudoLabelsError, weights_sha256, write_pseudo_labels
from .random_state import RandomStateHook
from .schedulers import OneCycleLRKeepMult

__all__ = ['ChannelsLastHook', 'UnsafeCheckpointError', 'allow_mmengine_checkpoint_types', 'checkpoint_safe_globals',
           'CPUAmpOptimWrapper', 'OneCycleLRKeepMult', 'TargetEMAHook',
           'PseudoLabelHook', 'RandomStateHook', 'ScheduledSamplingHook', 'schedule_value',
           'StalePseudoLabelsError', 'weights_sha256', 'write_pseudo_labels']
