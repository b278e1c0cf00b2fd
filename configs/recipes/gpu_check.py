# futureseg's check of a GPU node in one command, <= 10 minutes on one GPU (docs/gpu.md):
#   bash tools/gpu_check.sh        # = python tools/run_recipe.py configs/recipes/gpu_check.py
# A small synthetic data set (MuJoCo through EGL, OSMesa if EGL fails), then the segmenter,
# the frame predictor, the RGB mask predictor and the mask-space predictor trained briefly
# with AMP (fp16) and tested, pseudo-labels and inference on the GPU, torchrun DDP with 1 and
# (with 2+ GPUs) 2 processes, and a few rows of the inference benchmark. Every stage has its
# own timeout and a failure stops only what depends on it (on_failure='continue'); the stage
# table gives each stage's status, seconds, peak GPU memory and samples/s.
# The CPU dry mode of the same plan: configs/recipes/gpu_check_cpu.py.
title = 'futureseg GPU check (CUDA, AMP, 160x240)'
data_root = 'work_dirs/gpu_check/data'
work_dir = 'work_dirs/gpu_check'
on_failure = 'continue'
budget = 570  # seconds: the whole check fits a 10-minute slot with start-up to spare

_batch, _workers, _iters, _epochs = 8, 4, 60, 2


def _train(kind, config, timeout, **extra):
    """A short training: the sizes above, validated at its end, logged every iteration
    without smoothing (the samples/s reads the logged iteration times; MMEngine's default
    window of 10 would carry the first, warm-up iteration into the next nine)."""
    n = _iters if kind == 'segmenter' else _epochs
    options = {'train_dataloader.batch_size': _batch,
               'train_cfg.max_iters' if kind == 'segmenter' else 'train_cfg.max_epochs': n,
               'train_cfg.val_interval': n, 'param_scheduler.0.end': n,
               'default_hooks.checkpoint.interval': n, 'default_hooks.logger.interval': 1,
               'log_processor.window_size': 1}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options.update({f'{loader}.num_workers': _workers, f'{loader}.persistent_workers': True})
    options.update(extra.pop('cfg_options', {}))
    return dict(type='TrainModel', name=f'{kind}_train', config=config, amp=True,
                cfg_options=options, timeout=timeout, **extra)


_segmenter = 'configs/deeplabv3/deeplabv3_r18_synthetic.py'
stages = [
    dict(type='GenerateData', name='data', splits=dict(train=32, val=8, unlabeled=8, hidden=8),
         width=240, height=160, workers=8, extra=['--no-progress'], mujoco_gl=['egl', 'osmesa'],
         timeout=120),
    _train('segmenter', _segmenter, 90),
    dict(type='TestModel', name='segmenter_test', model='segmenter_train', rows={}, timeout=45),
    # pseudo-labels of the unlabelled videos and the val masks the mask-space model reads
    dict(type='SegmentFrames', name='pseudo_label', segmenter='segmenter_train',
         splits=['val', 'unlabeled'], timeout=60),
    _train('frame', 'configs/simvp/simvp_incepu_pretrain.py', 75),
    dict(type='TestModel', name='frame_test', model='frame_train', rows={}, timeout=30),
    _train('rgb', 'configs/simvp_seg.py', 75,
           cfg_options={'model.pretrained.checkpoint': '{frame_train}'}),
    dict(type='TestModel', name='rgb_test', model='rgb_train', timeout=30),
    _train('maskspace', 'configs/maskspace/maskspace_gsta.py', 75,
           cfg_options={'val_dataloader.dataset.context_mask_root': '{pseudo_label.val}',
                        'test_dataloader.dataset.context_mask_root': '{pseudo_label.val}'}),
    dict(type='TestModel', name='maskspace_test', model='maskspace_train', timeout=30),
    dict(type='Infer', name='infer', model='maskspace_train', segmenter='segmenter_train',
         split='hidden', batch_size=_batch, timeout=45),
    # MMEngine's DDP under torchrun: 1 process (NCCL; gloo in the dry mode), then 2 processes
    # where 2 GPUs are visible
    dict(_train('segmenter', _segmenter, 90), name='ddp1_train', launcher='pytorch', port=29531),
    dict(_train('segmenter', _segmenter, 90), name='ddp2_train', gpus=2, port=29532,
         requires_gpus=2),
    dict(type='RunBenchmark', name='bench_infer', script='tools/benchmarks/inference_benchmark.py',
         args=['--sizes', '160x240', '--videos', '16', '--width', 'full', '--batch-size', '8',
               '--data-dir', '{work_dir}/bench_infer/data'],
         rate_key='videos_s', timeout=90),
]
