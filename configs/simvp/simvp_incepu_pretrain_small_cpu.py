# Stage 1 shrunk for CPU runs on small generated data sets (the widths of
# configs/simvp_seg_small_cpu.py, so its encoder and translator load into that model).
_base_ = ['./simvp_incepu_pretrain.py', '../_base_/models/simvp_small_cpu.py',
          '../_base_/datasets/small_cpu_loader.py']
model = dict(
    encoder={{_base_.small_encoder}},
    translator={{_base_.small_translator}},
    decoder={{_base_.small_decoder}},
)
train_dataloader = {{_base_.small_loader}}
val_dataloader = {{_base_.small_loader}}
test_dataloader = val_dataloader
# one epoch: the quickstart's budget (tools/benchmarks/scaling_benchmark.py shows what more buys)
max_epochs = 1
param_scheduler = [dict(type='OneCycleLR', eta_max=3e-3, by_epoch=True, begin=0, end=max_epochs,
                        convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
