# Mask-space future segmentation (the approach of the two entries above the winner): the
# segmenter's masks of frames 1-11, each class id a learned 8-channel vector, through SimVP
# with the gSTA translator, straight to the class logits of frame 22.
_base_ = [
    '../_base_/models/simvp.py',
    '../_base_/datasets/synthetic_mask_space.py',
    '../_base_/schedules/adam_onecycle_50e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/translators.py',
]
model = dict(
    type='SimVPMaskSpacePredictor',
    embed_dim=8,
    downsample=1,             # 2: fold 2x2 pixels into channels (4x fewer positions)
    mode='direct',
    output='all',             # train on the masks of frames 12-22, predict frame 22
    background_weight=0.6,
    translator={{_base_.gsta_translator}},
    # a mask-space pre-training (configs/maskspace/maskspace_gsta_jepa_pretrain_small_cpu.py)
    # loads with model.pretrained.checkpoint=...: its class vectors, encoder and translator
    pretrained=dict(checkpoint=None, key_map={'embedding.': 'embedding.', 'encoder.': 'encoder.',
                                              'translator.': 'translator.'}),
)
default_hooks = dict(checkpoint=dict(save_best='future/jaccard', rule='greater'))
