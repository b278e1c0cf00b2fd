# The JEPA pre-training at CPU size (widths of configs/_base_/models/simvp_small_cpu.py, so its
# encoder and gSTA translator load into configs/simvp_seg_gsta_small_cpu.py); about 2 minutes
# on the quickstart's data shapes (80 x 120, 300 train + unlabelled videos) on 2 cores.
_base_ = ['./simvp_gsta_jepa_pretrain.py', '../_base_/models/simvp_small_cpu.py',
          '../_base_/datasets/small_cpu_loader.py']
model = dict(encoder={{_base_.small_encoder}}, translator={{_base_.small_translator}})
train_dataloader = {{_base_.small_loader}}
val_dataloader = {{_base_.small_loader}}
test_dataloader = val_dataloader
max_epochs = 3
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
