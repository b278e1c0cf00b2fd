# Stage 2: the frame segmenter, DeepLabV3 with a ResNet-18, from scratch.
_base_ = [
    '../_base_/models/deeplabv3_r18.py',
    '../_base_/datasets/synthetic_frames_seg.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py',
]
