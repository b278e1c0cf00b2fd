# Stage 2: the frame segmenter, DeepLabV3 with a ResNet-18, from scratch.
_base_ = [
    '../_base_/models/deeplabv3_r18.py',
    '../_base_/datasets/synthetic_frames_seg.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py',
]
# iteration-based logging and checkpoints, keeping the best val Jaccard
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=2,
                    save_best='seg/jaccard', rule='greater'),
    visualization=dict(type='mmseg.SegVisualizationHook', draw=False),
)
log_processor = dict(by_epoch=False)
# mmsegmentation's own drawing of single frames (tools/test.py --show-dir)
visualizer = dict(type='mmseg.SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer', alpha=0.6)
