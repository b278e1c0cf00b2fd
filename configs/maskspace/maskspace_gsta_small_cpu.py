# Mask-space gSTA shrunk for CPU runs on small generated data sets (widths / 4, 3 translator
# blocks), as configs/simvp_seg_small_cpu.py shrinks the RGB model.
_base_ = ['./maskspace_gsta.py', '../_base_/models/simvp_small_cpu.py',
          '../_base_/datasets/small_cpu_loader.py']
# Plain cross-entropy (background weight 1), chosen with this config's copy prior (the
# mask-space default, prior=4.0): the prior already keeps the model off the all-background
# answer, and a lower weight over-painted objects (val Jaccard 0.083 at 0.1 vs 0.096 at 1.0,
# 8 / 6 epochs on the quickstart data of commit 6da3806, an older generator's).
model = dict(
    background_weight=1.0,
    downsample=2,  # 2x2 pixels folded into channels: 4x fewer positions to translate
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
