# Stage 1: SimVP (IncepU) predicts frames 12-22 from frames 1-11 of all videos, MSE loss.
_base_ = [
    '../_base_/models/simvp.py',
    '../_base_/datasets/synthetic_frame_prediction.py',
    '../_base_/schedules/adam_onecycle_50e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(checkpoint=dict(save_best='frames/mse', rule='less'))
