# One table for the recipes futureseg holds, on the quickstart's data (80 x 120; 240 train /
# 80 val / 60 unlabeled videos) and CPU-sized models; the quickstart's stages are reused
# (same work_dir: what it already ran is skipped):
#   python tools/run_recipe.py configs/recipes/compare_cpu.py
# Rows beyond the quickstart's: the SimVP routes with the motion prior (the winner's RGB SimVP,
# mask-space gSTA; in the quickstart until the learned dynamics replaced them there), the two
# routes with the copy prior in place of the motion
# prior, predict-then-segment, the winner's RGB SimVP without any prior (pre-trained, as the
# winners trained it), mask-space gSTA autoregressive with scheduled sampling, the Jaccard-loss
# fine-tune of the mask-space motion-prior model, the mask-space motion-prior model with
# PredFormer's translator, and the hybrid (RGB + mask embeddings), each without and with NOS.
_base_ = ['./quickstart_cpu.py']
title = 'futureseg recipes compared (CPU, 80x120 synthetic videos)'
# every model at its config's CPU schedule (6 epochs, best of 2, 4, 6 on val; the two
# motion-prior models 1 epoch (mask space) and 2 (RGB, the better of them))
_nos = dict(postprocessors=[{{_base_.nos}}], known_objects={{_base_.known_from_segmenter}})
_post = dict(postprocessors=[{{_base_.fill_holes}}, {{_base_.nos}}],
             known_objects={{_base_.known_from_segmenter}})


def _rows(label):
    return {'stages/raw': label, 'stages/NewObjectSuppression': label + ' + NOS'}


extra_stages = [
    # the motion prior's damping per (shape, material), fitted on train's true masks; the
    # motion-prior models below read it ('{fit_prior}') instead of the config's hand copy
    # (their checkpoints carry it on, e.g. into ms_jaccard_ft)
    dict(type='FitMotionPrior', name='fit_prior', split='train', window=3),
    # stage 1: SimVP frame prediction, self-supervised on train + unlabeled
    dict(type='TrainModel', name='pretrain', config='configs/simvp/simvp_incepu_pretrain_small_cpu.py',
         amp=True),
    # stage 4: future segmentation in mask space (the segmenter's masks of frames 1-11 in, the
    # masks of frames 12-22 out) from the motion prior, then fill holes + NOS (stage 6)
    dict(type='TrainModel', name='future_seg', config='configs/maskspace/maskspace_gsta_motion_small_cpu.py',
         amp=True, cfg_options={'model.prior.damping': '{fit_prior}'}),
    dict(type='TestModel', name='future_seg_nos', model='future_seg', model_overrides=_post,
         rows={'stages/raw': 'mask-space SimVP (gSTA) + motion prior',
               'stages/NewObjectSuppression': 'mask-space SimVP (gSTA) + motion prior + fill holes + NOS'}),
    # stage 4 the winner's way: RGB SimVP from the pre-trained frame predictor, re-headed to
    # the class logits of frame 22 (attribute readout), with the motion prior from the
    # segmenter's masks (without a prior the short run never leaves the all-background answer)
    dict(type='TrainModel', name='rgb_seg', config='configs/simvp_seg_motion_prior_small_cpu.py',
         amp=True, cfg_options={'model.pretrained.checkpoint': '{pretrain}',
                                'model.prior.damping': '{fit_prior}'}),
    dict(type='TestModel', name='rgb_seg_nos', model='rgb_seg', model_overrides=_post,
         rows={'stages/raw': "winner's RGB SimVP (IncepU) + motion prior",
               'stages/NewObjectSuppression': "winner's RGB SimVP (IncepU) + motion prior + fill holes + NOS"}),
    # the two SimVP routes above with the copy prior in place of the motion prior (an earlier
    # quickstart's rows): what the motion prior is worth
    dict(type='TrainModel', name='ms_copy', config='configs/maskspace/maskspace_gsta_small_cpu.py',
         amp=True),
    dict(type='TestModel', name='ms_copy_nos', model='ms_copy', model_overrides=_nos,
         rows=_rows('mask-space gSTA + copy prior')),
    dict(type='TrainModel', name='rgb_copy', config='configs/simvp_seg_copy_prior_small_cpu.py',
         amp=True, cfg_options={'model.pretrained.checkpoint': '{pretrain}'}),
    dict(type='TestModel', name='rgb_copy_nos', model='rgb_copy', model_overrides=_nos,
         rows=_rows("winner's RGB SimVP (IncepU) + copy prior")),
    # the seed's first result: segment the pre-trained frame predictor's frame 22
    dict(type='PredictThenSegment', name='predict_then_segment', predictor='pretrain',
         segmenter='segmenter', row='predict frames, segment frame 22'),
    # the winner's RGB SimVP as the winners trained it (no prior; rgb_seg above has the
    # motion prior), from the pre-trained frame predictor
    dict(type='TrainModel', name='rgb_seg_plain', config='configs/simvp_seg_small_cpu.py',
         amp=True, cfg_options={'model.pretrained.checkpoint': '{pretrain}'}),
    # tested with NOS and the segmenter's masks of the val videos (seg_masks) as known objects
    dict(type='TestModel', name='rgb_seg_plain_nos', model='rgb_seg_plain',
         config='configs/simvp_seg_nos_small_cpu.py',
         rows=_rows("winner's RGB SimVP (IncepU), no prior")),
    dict(type='TrainModel', name='ms_ar_ss', config='configs/maskspace/maskspace_gsta_ar_ss_small_cpu.py',
         amp=True),
    dict(type='TestModel', name='ms_ar_ss_nos', model='ms_ar_ss', model_overrides=_nos,
         rows=_rows('mask-space gSTA, autoregressive + scheduled sampling')),
    dict(type='TrainModel', name='ms_jaccard_ft', config='configs/maskspace/maskspace_gsta_jaccard_ft_small_cpu.py',
         amp=True, cfg_options={'load_from': '{future_seg}'}),
    dict(type='TestModel', name='ms_jaccard_ft_nos', model='ms_jaccard_ft', model_overrides=_nos,
         rows=_rows('mask-space gSTA + Jaccard-loss fine-tune')),
    # the mask-space motion-prior model above with PredFormer's gated-transformer translator
    # (quadruplet TSST, CPU size) in place of gSTA
    dict(type='TrainModel', name='ms_predformer',
         config='configs/maskspace/maskspace_predformer_motion_small_cpu.py', amp=True),
    dict(type='TestModel', name='ms_predformer_nos', model='ms_predformer', model_overrides=_post,
         rows={'stages/raw': 'mask-space SimVP (PredFormer) + motion prior',
               'stages/NewObjectSuppression': 'mask-space SimVP (PredFormer) + motion prior + fill holes + NOS'}),
    dict(type='TrainModel', name='hybrid', config='configs/maskspace/hybrid_gsta_small_cpu.py',
         amp=True),
    dict(type='TestModel', name='hybrid_nos', model='hybrid', model_overrides=_nos,
         rows=_rows('hybrid: RGB + mask embeddings (gSTA)')),
]
