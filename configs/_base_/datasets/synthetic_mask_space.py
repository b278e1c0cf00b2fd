# Mask-space future prediction: the masks of frames 1-11 -> masks of frames 12-22 (training)
# or frame 22 (val / test). The input masks ("context masks") are the true ones unless a
# split has a context_mask_root: at val / test they are the frame segmenter's masks, written by
#   python tools/pseudo_label.py SEG_CFG SEG_CKPT data/synth --split val --out data/synth/seg_masks/val
# Training reads the true masks, corrupted at random (CorruptContextMasks) so that the model
# learns to pool frames against segmenter-like errors; train_context_root can point at the
# segmenter's masks of train instead (near-perfect there: the segmenter was trained on them).
data_root = 'data/synth'
train_context_root = None
val_context_root = data_root + '/seg_masks/val'

_base_ = ['./context_mask_pipelines.py']
train_pipeline = {{_base_.context_train_pipeline}}
test_pipeline = {{_base_.context_test_pipeline}}
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='SeededDefaultSampler', shuffle=True),  # a seed per sample: exact resume
    dataset=dict(type='FutureSegVideoDataset', data_root=data_root, split='train',
                 mode='future_masks', context_mask_root=train_context_root,
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='FutureSegVideoDataset', data_root=data_root, split='val', mode='last_mask',
                 context_mask_root=val_context_root, pipeline=test_pipeline, test_mode=True),
)
test_dataloader = val_dataloader
# PriorOverride: where the prediction differs from the model's priors' own (mask-space models
# have a prior by default), and whether it is right there
val_evaluator = [dict(type='FutureSegJaccard'), dict(type='PriorOverride')]
test_evaluator = [dict(type='FutureSegJaccard'), dict(type='PostprocessingTable'),
                  dict(type='PriorOverride')]
# tools/test.py --tta: every video as is and flipped horizontally (all frames and masks), the
# class probabilities averaged (flipped back), then the post-processors
tta_model = dict(type='FutureSegTTAModel')
tta_pipeline = {{_base_.context_tta_pipeline}}
