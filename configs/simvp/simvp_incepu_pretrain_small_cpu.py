# Stage 1 shrunk for CPU runs on small generated data sets (the widths of
# configs/simvp_seg_small_cpu.py, so its encoder and translator load into that model).
_base_ = ['./simvp_incepu_pretrain.py']
model = dict(
    encoder=dict(hid_S=16, N_S=4),
    translator=dict(hid_T=128, N_T=3),
    decoder=dict(hid_S=16, N_S=4),
)
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
max_epochs = 10
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
