# The Jaccard-loss fine-tune of the CPU mask-space motion-prior model
# (maskspace_gsta_motion_small_cpu.py: CPU widths, motion prior; the same network, so its
# checkpoint loads whole), from its checkpoint
# (--cfg-options load_from=...).
_base_ = ['./maskspace_gsta_motion_small_cpu.py']
model = dict(losses=[
    dict(type='WeightedCrossEntropyLoss', background_weight=0.1, loss_weight=1.0),
    dict(type='SoftJaccardLoss', loss_weight=1.0, classes='present'),
])
max_epochs = 4
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True,
                        begin=0, end=max_epochs, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
load_from = None
