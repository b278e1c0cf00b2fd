# Stage 2 with the full ResNet-50 DeepLabV3 (as mmsegmentation's deeplabv3_r50-d8).
_base_ = ['./deeplabv3_r18_synthetic.py']
model = dict(
    backbone=dict(depth=50),
    decode_head=dict(in_channels=2048, channels=512),
    auxiliary_head=dict(in_channels=1024, channels=256),
)
