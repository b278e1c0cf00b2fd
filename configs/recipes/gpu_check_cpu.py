# The GPU check's dry mode: the same stages at the tiniest sizes on the CPU, CUDA hidden
# (it never touches a GPU, even where one is), no AMP, every timeout x4:
#   bash tools/gpu_check.sh --cpu  # = python tools/run_recipe.py configs/recipes/gpu_check_cpu.py
# The 2-process DDP stage is skipped (no GPUs); DDP runs on gloo.
_base_ = ['./gpu_check.py']
title = 'futureseg GPU check, CPU dry mode (tiny, 64x96)'
data_root = 'work_dirs/gpu_check_cpu/data'
work_dir = 'work_dirs/gpu_check_cpu'
budget = 1800
env = dict(CUDA_VISIBLE_DEVICES='')

_tiny_simvp = {'model.encoder.hid_S': 8, 'model.encoder.N_S': 2, 'model.translator.hid_T': 16,
               'model.translator.N_T': 2, 'model.decoder.hid_S': 8, 'model.decoder.N_S': 2}


def _train(kind, config, timeout, model_options):
    """The base's training at the dry mode's sizes: batch 2, in-process loading, 4 iterations
    or 1 epoch without a validation (the test stages test), gloo for DDP."""
    n = 4 if kind == 'segmenter' else 1
    options = {'train_dataloader.batch_size': 2,
               'train_cfg.max_iters' if kind == 'segmenter' else 'train_cfg.max_epochs': n,
               'train_cfg.val_interval': n + 1, 'param_scheduler.0.end': n,
               'default_hooks.checkpoint.interval': n, 'env_cfg.dist_cfg.backend': 'gloo'}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options.update({f'{loader}.num_workers': 0, f'{loader}.persistent_workers': False})
    return dict(config=config, amp=False, timeout=4 * timeout,
                cfg_options=dict(options, **model_options))


_seg_train = _train('segmenter', 'configs/deeplabv3/deeplabv3_r18_small_cpu.py', 90,
                    {"model.backbone.strides": [1, 2, 2, 1]})
stage_overrides = dict(
    data=dict(splits=dict(train=2, val=1, unlabeled=1, hidden=1), width=96, height=64, workers=1,
              mujoco_gl=['osmesa'], timeout=4 * 120),
    segmenter_train=_seg_train,
    segmenter_test=dict(timeout=4 * 45),
    pseudo_label=dict(timeout=4 * 60),
    frame_train=_train('frame', 'configs/simvp/simvp_incepu_pretrain_small_cpu.py', 75,
                       _tiny_simvp),
    frame_test=dict(timeout=4 * 30),
    rgb_train=_train('rgb', 'configs/simvp_seg_small_cpu.py', 75, _tiny_simvp),
    rgb_test=dict(timeout=4 * 30),
    maskspace_train=_train('maskspace', 'configs/maskspace/maskspace_gsta_small_cpu.py', 75,
                           dict(_tiny_simvp, **{'model.embed_dim': 4})),
    maskspace_test=dict(timeout=4 * 30),
    infer=dict(batch_size=2, timeout=4 * 45),
    ddp1_train=_seg_train,
    ddp2_train=_seg_train,
    bench_infer=dict(args=['--sizes', '32x48', '--videos', '2', '--width', 'tiny', '--batch-size',
                           '2', '--paths', 'maskspace+nos',
                           '--data-dir', '{work_dir}/bench_infer/data'],
                     timeout=4 * 90),
)
