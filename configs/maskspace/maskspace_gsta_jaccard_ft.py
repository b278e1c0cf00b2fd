# Fine-tunes a trained mask-space model towards the metric: cross-entropy plus a soft
# Jaccard loss, 10 epochs at a lower learning rate, starting from its checkpoint:
#   python tools/train.py configs/maskspace/maskspace_gsta_jaccard_ft.py \
#       --cfg-options load_from=work_dirs/maskspace_gsta/best_future_jaccard_epoch_N.pth
_base_ = ['./maskspace_gsta.py']
model = dict(losses=[
    dict(type='WeightedCrossEntropyLoss', background_weight=0.6, loss_weight=1.0),
    dict(type='SoftJaccardLoss', loss_weight=1.0, classes='present'),
])
max_epochs = 10
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True,
                        begin=0, end=max_epochs, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=2e-4))
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
load_from = None  # the mask-space model to fine-tune (set on the command line or by a recipe)
