# The winning recipe at full size (course-sized synthetic data at 160 x 240), for GPUs:
#   python tools/run_recipe.py configs/recipes/full_gpu.py
# Stages 1-6 of docs/design: SimVP pre-training, the DeepLabV3 segmenter, predict-then-segment,
# pseudo-labels, SimVP future segmentation (pre-trained encoder/translator), the clean
# fine-tune and New Object Suppression; then the mask-space model for comparison.
_base_ = ['../_base_/postprocessing/nos.py']
title = 'futureseg full recipe (160x240, course-sized synthetic data)'
data_root = 'data/synth'
work_dir = 'work_dirs/full_recipe'
stages = [
    dict(type='GenerateData', name='data', width=240, height=160,
         splits=dict(train=1000, val=1000, unlabeled=13000, hidden=2000), extra=['--hidden-truth']),
    dict(type='TrainModel', name='pretrain', config='configs/simvp/simvp_incepu_pretrain.py'),
    dict(type='TrainModel', name='segmenter', config='configs/deeplabv3/deeplabv3_r50_synthetic.py'),
    dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter',
         splits=['val', 'train', 'unlabeled', 'hidden']),
    # the reference rows: parameter-free models through tools/test.py (configs/baselines/)
    dict(type='TestModel', name='copy_frame11', config='configs/baselines/copy_frame11.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'future/jaccard': 'copy frame 11 (segmenter mask)'}),
    dict(type='TestModel', name='copy_frame11_true', config='configs/baselines/copy_frame11.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': None},
         rows={'future/jaccard': 'copy frame 11 (true mask)'}),
    dict(type='TestModel', name='ceiling', config='configs/baselines/segmenter_ceiling.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'future/jaccard': 'segment true frame 22 (ceiling)'}),
    dict(type='SegmenterFrameScores', name='segmenter_frames', masks='seg_masks'),
    dict(type='PredictThenSegment', name='predict_then_segment', predictor='pretrain',
         segmenter='segmenter', row='predict frames, segment frame 22'),
    dict(type='TrainModel', name='future_seg', config='configs/simvp_seg_pseudo.py',
         cfg_options={'model.pretrained.checkpoint': '{pretrain}',
                      'train_dataloader.dataset.datasets.1.mask_root': '{seg_masks.unlabeled}'}),
    dict(type='TestModel', name='future_seg_test', model='future_seg',
         rows={'future/jaccard': 'SimVP future segmentation (+ pseudo-labels)'}),
    dict(type='TrainModel', name='clean_ft', config='configs/simvp_seg_clean_ft.py',
         cfg_options={'load_from': '{future_seg}'}),
    # NOS with the segmenter's masks of the val videos (seg_masks) as known objects
    dict(type='TestModel', name='clean_ft_nos', model='clean_ft', config='configs/simvp_seg_nos.py',
         rows={'stages/raw': 'clean fine-tune',
               'stages/NewObjectSuppression': 'clean fine-tune + NOS (the winning recipe)'}),
    dict(type='TrainModel', name='mask_space', config='configs/maskspace/maskspace_gsta.py'),
    dict(type='TestModel', name='mask_space_nos', model='mask_space',
         model_overrides=dict(postprocessors=[{{_base_.nos}}],
                              known_objects={{_base_.known_from_segmenter}}),
         rows={'stages/raw': 'mask-space SimVP (gSTA)',
               'stages/NewObjectSuppression': 'mask-space SimVP (gSTA) + NOS'}),
]
