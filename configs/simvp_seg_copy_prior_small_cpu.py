# The winner's RGB route (SimVP on frames 1-11, decoder re-headed to 49 class logits of frame
# 22) with a copy prior: the segmenter's masks of frames 1-11 vote on the logits through a
# learned weight per frame (CopyPrior), so training starts from the copy-frame-11 baseline
# and the RGB network learns what moves. The network's input is still the RGB frames only.
# Training reads the true masks of train corrupted like a segmenter's; val / test read the
# segmenter's masks (tools/pseudo_label.py ... --split val --out DATA/seg_masks/val).
_base_ = ['./simvp_seg_small_cpu.py', '_base_/datasets/context_mask_pipelines.py']
data_root = 'data/synth'
# attribute readout: shape, material and colour learnt apart (as the segmenter's heads)
model = dict(prior=dict(type='CopyPrior', init=4.0), background_weight=1.0, readout='attributes')
train_dataloader = dict(dataset=dict(pipeline={{_base_.context_train_pipeline}}))
val_dataloader = dict(dataset={{_base_.context_test_dataset}})
test_dataloader = val_dataloader
tta_pipeline = {{_base_.context_tta_pipeline}}
# where the prediction differs from the prior's own, and whether it is right there
val_evaluator = [dict(type='FutureSegJaccard'), dict(type='PriorOverride')]
test_evaluator = [dict(type='FutureSegJaccard'), dict(type='PostprocessingTable'),
                  dict(type='PriorOverride')]
