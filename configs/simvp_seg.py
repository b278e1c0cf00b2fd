# Stage 4, the main model: SimVP (IncepU) fine-tuned to predict the class mask of frame 22.
# Encoder and translator start from the stage-1 frame predictor:
#   python tools/train.py configs/simvp_seg.py \
#       --cfg-options model.pretrained.checkpoint=work_dirs/simvp_incepu_pretrain/best_frames_mse_epoch_50.pth
_base_ = [
    '_base_/models/simvp.py',
    '_base_/datasets/synthetic_future_seg.py',
    '_base_/schedules/adam_onecycle_50e.py',
    '_base_/default_runtime.py',
]
model = dict(
    type='SimVPMaskPredictor',
    output='last',            # decode frame 22 only; 'all' trains on the masks of frames 12-22
    background_weight=0.6,
    ignore_index=255,
    # the decoder is new (49-class readout); encoder and translator come from pre-training
    pretrained=dict(checkpoint=None, key_map={'encoder.': 'encoder.', 'translator.': 'translator.'}),
)
default_hooks = dict(checkpoint=dict(save_best='future/jaccard', rule='greater'))
