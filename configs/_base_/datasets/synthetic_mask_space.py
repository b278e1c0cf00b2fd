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

train_pipeline = [
    dict(type='LoadVideo', load_context_masks=True),
    # clean training masks made to look like the segmenter's at test time
    dict(type='CorruptContextMasks', swap_prob=0.2, drop_prob=0.05),
    dict(type='RandomVideoFlip', prob=0.5),
    dict(type='PackVideoInputs'),
]
test_pipeline = [
    dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True),
    dict(type='PackVideoInputs'),
]
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
val_evaluator = dict(type='FutureSegJaccard')
test_evaluator = [dict(type='FutureSegJaccard'), dict(type='PostprocessingTable')]
