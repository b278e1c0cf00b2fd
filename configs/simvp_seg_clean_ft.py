# Stage 5: fine-tune the future-segmentation model on cleaned data: only videos in which no
# object first appears after frame 11 (what the model cannot know about), 10 epochs at a
# lower learning rate, from the stage-4 checkpoint:
#   python tools/train.py configs/simvp_seg_clean_ft.py --cfg-options load_from=STAGE4_CKPT
_base_ = ['./simvp_seg.py']
train_dataloader = dict(dataset=dict(filters=[dict(type='NoNewObjects', num_input_frames=11)]))
max_epochs = 10
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6, by_epoch=True,
                        begin=0, end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
load_from = None  # the stage-4 checkpoint (set on the command line or by a recipe)
