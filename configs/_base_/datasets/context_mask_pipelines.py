# Pipelines of every model that reads the input frames' masks ("context masks": mask-space
# models, the RGB route's prior): the true masks of train corrupted to look like the
# segmenter's at test time; at val / test the segmenter's own (the dataset's context_mask_root).
context_train_pipeline = [
    dict(type='LoadVideo', load_context_masks=True),
    # the segmenter's commonest error is a whole object with the wrong shape in every frame:
    # 15 % of the objects get another shape (set when its shape accuracy was 0.84, commit
    # 7202750; the current segmenter's is in docs/segmenter.md); rarer one-frame swaps and
    # drops on top
    dict(type='CorruptContextMasks', swap_prob=0.05, drop_prob=0.02, shape_swap_prob=0.15),
    dict(type='RandomVideoFlip', prob=0.5),
    dict(type='PackVideoInputs'),
]
context_test_pipeline = [
    dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True),
    dict(type='PackVideoInputs'),
]
# what a val / test dataset adds to read the segmenter's masks of frames 1-11, written by
#   python tools/pseudo_label.py SEG_CONFIG SEG_CKPT data/synth --split val --out data/synth/seg_masks/val
# (a recipe moves the folder with its data_root)
context_test_dataset = dict(context_mask_root='data/synth/seg_masks/val', pipeline=context_test_pipeline)
# tools/test.py --tta: each video as is and flipped (frames and masks), probabilities averaged
context_tta_pipeline = [
    dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True),
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomVideoFlip', prob=0.), dict(type='RandomVideoFlip', prob=1.)],
        [dict(type='PackVideoInputs')]]),
]
