# The copy-frame-11 baseline, the row every method must beat: the segmenter's mask of frame
# 11 taken as the prediction of frame 22 (futureseg.CopyLastMaskPredictor: the newest context
# mask). Nothing to train:
#   python tools/test.py configs/baselines/copy_frame11.py
# With --cfg-options test_dataloader.dataset.context_mask_root=None the true mask of frame 11
# instead (a reference: what a perfect segmenter would give the baseline).
_base_ = [
    '../_base_/datasets/synthetic_mask_space.py',
    '../_base_/default_runtime.py',
]
model = dict(type='CopyLastMaskPredictor')
# test only: nothing trains or validates
train_dataloader = val_dataloader = val_evaluator = None
# no model work to overlap: the masks are read in the test process, at any frame size
test_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False)
test_cfg = dict(type='TestLoop')
