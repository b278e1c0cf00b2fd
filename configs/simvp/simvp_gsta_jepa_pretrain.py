# Stage 1 as a JEPA (joint embedding predictive architecture) instead of pixel MSE: SimVP's
# encoder + gSTA translator read frames 1-11, a small predictor maps the translated latents
# to the embeddings that the target encoder (the encoder's EMA, no gradient) gives frames
# 12-22; smooth-L1 to the layer-normalised targets. The checkpoint's encoder.* and
# translator.* load into configs/simvp_seg_gsta.py as the pixel pre-training's do:
#   python tools/train.py configs/simvp_seg_gsta.py \
#       --cfg-options model.pretrained.checkpoint=work_dirs/simvp_gsta_jepa_pretrain/epoch_50.pth
_base_ = ['./simvp_gsta_pretrain.py']
model = dict(
    type='SimVPJEPA',
    decoder=None,
    predictor=dict(type='JEPAPredictor', num_convs=2),
    loss='smooth_l1',
    normalize_target=True,
    var_weight=0.,  # VICReg terms off: EMA + stop-gradient + predictor (see docs/pretraining.md)
    cov_weight=0.,
)
# the target encoder follows the context encoder after every step, momentum 0.996 -> 1
custom_hooks = [dict(type='TargetEMAHook', momentum=(0.996, 1.), schedule='cosine')]
# the spread of the embeddings at every validation: a collapse shows as jepa/context_std or
# jepa/target_std near 0 (and jepa/collapsed = 1); no "best" checkpoint (a collapsed model
# has the lowest loss), the last ones are kept
val_evaluator = dict(_delete_=True, type='EmbeddingSpreadMetric')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(_delete_=True, type='CheckpointHook', interval=1,
                                     max_keep_ckpts=3, save_last=True))
