# JEPA pre-training in mask space at CPU size: the class masks of frames 1-11 (true masks of
# train, corrupted like the segmenter's) embedded and folded as the mask-space model does
# (8-channel class vectors, 2x2 pixels into channels), SimVP's encoder + gSTA translator, a
# predictor to the target encoder's embeddings of the masks of frames 12-22. Its embedding.*,
# encoder.* and translator.* load into the mask-space models:
#   python tools/train.py configs/maskspace/maskspace_gsta_motion_small_cpu.py \
#       --cfg-options model.pretrained.checkpoint=work_dirs/<this config>/epoch_3.pth
_base_ = ['../simvp/simvp_gsta_jepa_pretrain_small_cpu.py',
          '../_base_/datasets/context_mask_pipelines.py']
model = dict(inputs='masks', embed_dim=8, downsample=2)
data_root = 'data/synth'
# labelled videos only (the masks of all 22 frames); the val masks are the true ones
train_dataloader = dict(dataset=dict(
    _delete_=True, type='FutureSegVideoDataset', data_root=data_root, split='train',
    mode='future_masks', pipeline={{_base_.context_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    _delete_=True, type='FutureSegVideoDataset', data_root=data_root, split='val',
    mode='future_masks', pipeline={{_base_.context_test_pipeline}}, test_mode=True))
test_dataloader = val_dataloader
