# Every frame of the labelled videos as an image + mask, for the frame segmenter.
data_root = 'data/synth'
train_pipeline = [
    dict(type='LoadFrameAndMask'),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [dict(type='LoadFrameAndMask'), dict(type='mmseg.PackSegInputs')]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='SeededInfiniteSampler', shuffle=True),  # a seed per sample: exact resume
    dataset=dict(type='FutureSegFrameDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='FutureSegFrameDataset', data_root=data_root, split='val',
                 pipeline=test_pipeline, test_mode=True),
)
test_dataloader = val_dataloader
# the competition Jaccard over all val frames
val_evaluator = dict(type='FutureSegJaccard', pred_key='pred_sem_seg', gt_key='gt_sem_seg',
                     frame=None, prefix='seg')
test_evaluator = val_evaluator
# tools/test.py --tta: mmsegmentation's SegTTAModel, each frame as is and flipped, the class
# probabilities averaged
tta_model = dict(type='mmseg.SegTTAModel')
tta_pipeline = [
    dict(type='LoadFrameAndMask'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='mmseg.RandomFlip', prob=0., direction='horizontal'),
         dict(type='mmseg.RandomFlip', prob=1., direction='horizontal')],
        [dict(type='mmseg.PackSegInputs')]]),
]
