# The quickstart recipe (README's first command): on a 2-core CPU in under 15 minutes,
#   python tools/run_recipe.py configs/recipes/quickstart_cpu.py
# small synthetic videos (80 x 120): the data, the frame segmenter and its masks (pseudo-labels
# of the unlabelled videos), the copy-frame-11 baseline and the ceiling, the objects
# extrapolated in the image (the motion prior) and on the floor (the learned dynamics'
# control), and the learned object dynamics beside them, with NOS and gap breakdowns. The
# SimVP routes (the winner's RGB SimVP, mask-space gSTA) are rows of
# configs/recipes/compare_cpu.py; the full recipe's stage order is configs/recipes/full_gpu.py's.
_base_ = ['../_base_/postprocessing/nos.py']
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
    # video (those the baseline and the ceiling read; segmenter_frames scores every frame)
    dict(type='TrainModel', name='segmenter',
         config='configs/deeplabv3/deeplabv3_r18_attr_fullres_small_cpu.py', amp=True,
         cfg_options={'val_dataloader.dataset.frames': [10, 21]}),
    # its masks of the val videos (what the future models read at test time) and of the
    # unlabelled ones (stage 3, pseudo-labels: the learned dynamics trains on them)
    dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter', splits=['val', 'unlabeled']),
    # the reference rows, parameter-free models tested like every other row (tools/test.py
    # without a checkpoint): the copy-frame-11 baseline (the segmenter's mask of frame 11; and
    # the true one) and the ceiling (the segmenter's mask of the true frame 22). The
    # '{seg_masks.val}' reference makes them rerun when the segmenter's masks change.
    dict(type='TestModel', name='copy_frame11', config='configs/baselines/copy_frame11.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'future/jaccard': 'copy frame 11 (segmenter mask)'}),
    dict(type='TestModel', name='copy_frame11_true', config='configs/baselines/copy_frame11.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': None},
         rows={'future/jaccard': 'copy frame 11 (true mask)'}),
    dict(type='TestModel', name='ceiling', config='configs/baselines/segmenter_ceiling.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'future/jaccard': 'segment true frame 22 (ceiling)'}),
    # the segmenter's own score on every val frame, from its masks (a line under the table)
    dict(type='SegmenterFrameScores', name='segmenter_frames', masks='seg_masks'),
    # the image extrapolation (MotionPrior: each centroid moved on along its image track, the
    # prior of the SimVP routes), then the floor-plane extrapolation (FloorTrackMotion: the
    # track on the floor through the fixed camera, slowing down as its shape and material
    # slide), the learned dynamics' control; no parameters: tools/test.py without a checkpoint
    dict(type='TestModel', name='extrapolate_image', config='configs/dynamics/image_extrapolation_small_cpu.py',
         model_overrides=_post,
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'stages/raw': 'extrapolate objects in the image (MotionPrior)',
               'stages/NewObjectSuppression': 'extrapolate objects in the image (MotionPrior) + fill holes + NOS'}),
    dict(type='TestModel', name='extrapolate', config='configs/dynamics/motion_extrapolation_small_cpu.py',
         model_overrides=_post, gap=True,
         cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}'},
         rows={'stages/raw': 'extrapolate objects on the floor (floor prior alone)',
               'stages/NewObjectSuppression': 'extrapolate objects on the floor (floor prior alone) + fill holes + NOS'}),
    dict(type='TestModel', name='extrapolate_true', config='configs/dynamics/motion_extrapolation_small_cpu.py',
         cfg_options={'test_dataloader.dataset.context_mask_root': None}, gap=True,
         rows={'future/jaccard': 'extrapolate objects on the floor (true masks of frames 1-11)'}),
    # learned object dynamics: where each object goes, from the tracks of train (true masks,
    # corrupted like the segmenter's) and of the pseudo-labelled unlabelled videos
    dict(type='TrainModel', name='dynamics', config='configs/dynamics/object_dynamics_small_cpu.py',
         cfg_options={'train_dataloader.dataset.datasets.1.mask_root': '{seg_masks.unlabeled}'}),
    # the same model from the true masks (reference), then from the segmenter's with NOS: the
    # recipe's final model (tools/infer.py uses the last test stage)
    dict(type='TestModel', name='dynamics_true', model='dynamics', gap=True,
         cfg_options={'test_dataloader.dataset.context_mask_root': None},
         rows={'future/jaccard': 'learned object dynamics (true masks of frames 1-11)'}),
    dict(type='TestModel', name='dynamics_nos', model='dynamics', model_overrides=_post, gap=True,
         rows={'stages/raw': 'learned object dynamics',
               'stages/NewObjectSuppression': 'learned object dynamics + fill holes + NOS'}),
]
