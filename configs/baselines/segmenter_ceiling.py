# The ceiling: the segmenter's mask of the true frame 22 scored as the prediction of frame 22
# (what a perfect frame predictor followed by this segmenter would score). The same
# parameter-free model as the copy-frame-11 baseline; only the context mask it copies is the
# segmenter's mask of frame 22 (LoadVideo(context_frames=(21, 22)), read from the segmenter's
# masks of every val frame, tools/pseudo_label.py). Nothing to train:
#   python tools/test.py configs/baselines/segmenter_ceiling.py
# No post-processing here: the context masks are frame 22's, not the known objects of
# frames 1-11 that NOS reads.
_base_ = ['./copy_frame11.py']
test_pipeline = [
    dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True, context_frames=(21, 22)),
    dict(type='PackVideoInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
tta_pipeline = [
    dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True, context_frames=(21, 22)),
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomVideoFlip', prob=0.), dict(type='RandomVideoFlip', prob=1.)],
        [dict(type='PackVideoInputs')]]),
]
