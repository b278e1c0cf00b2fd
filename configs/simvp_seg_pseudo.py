# Stage 4 on labelled + pseudo-labelled videos: the unlabelled split's masks come from the
# frame segmenter (tools/pseudo_label.py or PseudoLabelHook) in `pseudo_root`.
_base_ = ['./simvp_seg.py']
data_root = 'data/synth'
pseudo_root = 'data/synth/pseudo_labels/unlabeled'
_pipeline = [
    dict(type='LoadVideo'),
    dict(type='RandomVideoFlip', prob=0.5),
    dict(type='PackVideoInputs'),
]
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='SeededConcatDataset',
    datasets=[
        dict(type='FutureSegVideoDataset', data_root=data_root, split='train', mode='future_masks',
             pipeline=_pipeline),
        dict(type='FutureSegVideoDataset', data_root=data_root, split='unlabeled',
             mode='future_masks', mask_root=pseudo_root, pipeline=_pipeline),
    ]))
