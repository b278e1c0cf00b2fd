# Mask-space gSTA, autoregressive: predicts the next mask and feeds it back, 11 steps to frame
# 22. Scheduled sampling moves training from teacher forcing to free-running: the chance
# that a rollout feeds back its own predictions rises 0 -> 1 and their run 1 -> 11 steps
# over the first 80% of training.
_base_ = ['./maskspace_gsta.py']
model = dict(mode='autoregressive', output='last', feedback='hard')
custom_hooks = [dict(type='ScheduledSamplingHook', prob=(0., 1.), steps=(1, 11), begin=0., end=0.8,
                     schedule='linear')]
