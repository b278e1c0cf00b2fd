# DeepLabV3 frame segmenter (mmsegmentation's EncoderDecoder + ResNetV1c-18 + ASPP head, FCN
# auxiliary head), 49 classes, trained from scratch (the course rules forbid outside weights;
# a local file still loads: model.backbone.init_cfg=dict(type='Pretrained', checkpoint=PATH)).
# `_scope_='mmseg'` builds the whole model in mmsegmentation's scope (the runner builds
# models from MMEngine's root registry, so the `mmseg.` prefix alone would not reach the
# components EncoderDecoder builds itself).
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN for multi-GPU runs
model = dict(
    type='EncoderDecoder',
    _scope_='mmseg',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,  # LoadFrameAndMask gives RGB
        pad_val=0,
        seg_pad_val=255,
        size_divisor=8,  # all frames share one size; padding only if it is not a multiple of 8
    ),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
    ),
    decode_head=dict(
        type='ASPPHead',
        in_channels=512,
        in_index=3,
        channels=128,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=49,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True),
    ),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=49,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4,
                         avg_non_ignore=True),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
