# Frame-prediction pre-training (self-supervised): frames 1-11 -> frames 12-22 of every
# video, labelled or not.
data_root = 'data/synth'

train_pipeline = [
    dict(type='LoadVideo'),
    dict(type='RandomVideoFlip', prob=0.5),
    dict(type='PackVideoInputs'),
]
test_pipeline = [dict(type='LoadVideo'), dict(type='PackVideoInputs')]


def _split(split, pipeline, **kw):
    return dict(type='FutureSegVideoDataset', data_root=data_root, split=split, mode='frames',
                pipeline=pipeline, **kw)


train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='SeededDefaultSampler', shuffle=True),  # a seed per sample: exact resume
    dataset=dict(type='SeededConcatDataset',
                 datasets=[_split('train', train_pipeline), _split('unlabeled', train_pipeline)]),
)
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_split('val', test_pipeline, test_mode=True),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='FramePredictionMetric')
test_evaluator = val_evaluator
