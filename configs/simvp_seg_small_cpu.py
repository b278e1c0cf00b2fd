# The main model shrunk for CPU runs on small generated data sets (widths / 4, 3 translator
# levels); same recipe otherwise. From scratch unless model.pretrained.checkpoint is set.
_base_ = ['./simvp_seg.py', '_base_/models/simvp_small_cpu.py',
          '_base_/datasets/small_cpu_loader.py']
# Background weighted 0.1 (not 0.6): in a short from-scratch run the small model otherwise
# settled on predicting background everywhere (val Jaccard 0.019 after 10 epochs at 0.6,
# commit d125a00).
model = dict(
    background_weight=0.1,
    encoder={{_base_.small_encoder}},
    translator={{_base_.small_translator}},
    decoder={{_base_.small_decoder}},
)
train_dataloader = {{_base_.small_loader}}
val_dataloader = {{_base_.small_loader}}
test_dataloader = val_dataloader
# 6 epochs, the best of epochs 2, 4, 6 on val: the CPU budget of compare_cpu.py's rows
max_epochs = 6
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
