# A narrow DeepLabV3 for CPU runs on small or low-resolution generated data: ResNetV1c-18 at a
# quarter of the width, output stride 4 (objects are only 10-20 px at 80 x 120), 800 iterations.
_base_ = ['./deeplabv3_r18_synthetic.py', '../_base_/datasets/small_cpu_loader.py']
# Background weighted 0.1: without it the short run stayed stuck predicting background (val
# Jaccard 0.026 vs 0.235 with it, 800 iterations on 300 videos at 80 x 120, commit cb60815).
_class_weight = [0.1] + [1.0] * 48
model = dict(
    backbone=dict(base_channels=16, stem_channels=16, strides=(1, 1, 1, 1), dilations=(1, 1, 1, 1)),
    decode_head=dict(in_channels=128, channels=32, dilations=(1, 2, 3, 4),
                     loss_decode=dict(class_weight=_class_weight)),
    auxiliary_head=dict(in_channels=64, channels=16, loss_decode=dict(class_weight=_class_weight)),
)
train_dataloader = {{_base_.small_loader}}
val_dataloader = {{_base_.small_loader}}
test_dataloader = val_dataloader
max_iters = 800
optim_wrapper = dict(optimizer=dict(lr=1e-2))
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
