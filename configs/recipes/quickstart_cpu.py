# The quickstart recipe: the whole method on a laptop CPU in minutes (README's first command).
#   python tools/run_recipe.py configs/recipes/quickstart_cpu.py
# Small synthetic videos (80 x 120), narrow models, few epochs; the stages and their order
# are those of the full recipe (configs/recipes/full_gpu.py).
_base_ = ['../_base_/postprocessing/nos.py', '../_base_/models/motion_prior.py']
title = 'futureseg quickstart (CPU, 80x120 synthetic videos)'
data_root = 'data/quickstart'
work_dir = 'work_dirs/quickstart'
size = dict(width=120, height=80)
# test-time post-processing of the predicted frame 22: fill the holes of ringed objects, then
# New Object Suppression with the classes of the segmenter's masks of frames 1-11 as known
_post = dict(postprocessors=[{{_base_.fill_holes}}, {{_base_.nos}}],
             known_objects={{_base_.known_from_segmenter}})
stages = [
    # the data set, in the course layout
    dict(type='GenerateData', name='data', splits=dict(train=240, val=80, unlabeled=60), **size),
    # stage 2: the frame segmenter, validated while it trains on frames 11 and 22 of each val
    # video (those the baseline and the ceiling read; the baselines stage scores every frame)
    dict(type='TrainModel', name='segmenter',
         config='configs/deeplabv3/deeplabv3_r18_attr_fullres_small_cpu.py', amp=True,
         cfg_options={'val_dataloader.dataset.frames': [10, 21]}),
    # its masks of the val videos: what the mask-space model reads at test time (it trains on
    # the true masks of train, corrupted like the segmenter's); the full recipe also
    # pseudo-labels the unlabelled videos here (stage 3)
    dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter', splits=['val']),
    # table rows: copy-frame-11 baseline, segment-true-frame-22 ceiling, and the objects of
    # frame 11 extrapolated along their tracks (what the models' motion prior starts from)
    dict(type='Baselines', name='baselines', masks='seg_masks', motion={{_base_.motion_prior}}),
    # stage 1: SimVP frame prediction, self-supervised on train + unlabeled
    dict(type='TrainModel', name='pretrain', config='configs/simvp/simvp_incepu_pretrain_small_cpu.py',
         amp=True),
    # stage 4: future segmentation, here in mask space (the segmenter's masks of frames 1-11
    # in, the masks of frames 12-22 out) from the motion prior, the best of its 3 epochs on val
    dict(type='TrainModel', name='future_seg', config='configs/maskspace/maskspace_gsta_motion_small_cpu.py',
         amp=True),
    # stage 6: New Object Suppression (after filling holes), known objects from the
    # segmenter's masks of frames 1-11
    dict(type='TestModel', name='future_seg_nos', model='future_seg',
         model_overrides=_post,
         rows={'stages/raw': 'mask-space SimVP (gSTA) + motion prior',
               'stages/FillHoles': 'mask-space SimVP (gSTA) + motion prior + fill holes',
               'stages/NewObjectSuppression': 'mask-space SimVP (gSTA) + motion prior + fill holes + NOS'}),
    # stage 4 the winner's way: RGB SimVP from the pre-trained frame predictor, re-headed to
    # the class logits of frame 22 (attribute readout), with the motion prior from the
    # segmenter's masks (without a prior the short run never leaves the all-background
    # answer), then fill holes + NOS
    dict(type='TrainModel', name='rgb_seg', config='configs/simvp_seg_motion_prior_small_cpu.py',
         amp=True, cfg_options={'model.pretrained.checkpoint': '{pretrain}'}),
    dict(type='TestModel', name='rgb_seg_nos', model='rgb_seg',
         model_overrides=_post,
         rows={'stages/raw': "winner's RGB SimVP (IncepU) + motion prior",
               'stages/FillHoles': "winner's RGB SimVP (IncepU) + motion prior + fill holes",
               'stages/NewObjectSuppression': "winner's RGB SimVP (IncepU) + motion prior + fill holes + NOS"}),
]
