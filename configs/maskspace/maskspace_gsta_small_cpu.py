# Mask-space gSTA shrunk for CPU runs on small generated data sets (widths / 4, 3 translator
# blocks), as configs/simvp_seg_small_cpu.py shrinks the RGB model.
_base_ = ['./maskspace_gsta.py']
model = dict(
    background_weight=0.1,
    encoder=dict(hid_S=16, N_S=4),
    translator=dict(hid_T=128, N_T=3),
    decoder=dict(hid_S=16, N_S=4),
)
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
max_epochs = 20
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
