# Runtime settings shared by every futureseg experiment.
default_scope = 'futureseg'

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# Local files always; add dict(type='TensorboardVisBackend') or
# inherit configs/_base_/tensorboard_runtime.py for TensorBoard curves.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='FutureSegVisualizer', vis_backends=vis_backends, name='visualizer')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # saves the random generators in checkpoints and restores them at --resume, so that a
    # resumed run ends where an uninterrupted one would (with the Seeded*Sampler samplers)
    random_state=dict(type='RandomStateHook'),
    # off by default; tools/test.py --show-dir DIR turns it on
    visualization=dict(type='FutureSegVisualizationHook', draw=False),
)

log_processor = dict(by_epoch=True, window_size=10)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
