# The autoregressive mask-space model with scheduled sampling, at the CPU widths of
# maskspace_gsta_small_cpu.py.
_base_ = ['./maskspace_gsta_small_cpu.py']
model = dict(mode='autoregressive', output='last', feedback='hard')
custom_hooks = [dict(type='ScheduledSamplingHook', prob=(0., 1.), steps=(1, 11), begin=0., end=0.8,
                     schedule='linear')]
