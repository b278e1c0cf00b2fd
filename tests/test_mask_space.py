"""Mask-space future prediction: embeddings, direct / autoregressive modes, scheduled
sampling, the soft Jaccard loss and the context-mask data path."""
import os
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from futureseg.apis import register_all_modules

register_all_modules()
from futureseg.datasets.layout import DataError  # noqa: E402
from futureseg.structures import VideoDataSample  # noqa: E402
from futureseg.engine.hooks import ScheduledSamplingHook, schedule_value  # noqa: E402
from futureseg.models.losses import SoftJaccardLoss, soft_jaccard  # noqa: E402
from futureseg.registry import DATASETS, MODELS  # noqa: E402

from conftest import FIXTURES, ROOT, run_tool  # noqa: E402

H, W = 16, 24


def build(**overrides):
    cfg = Config.fromfile(osp.join(FIXTURES, 'maskspace_tiny.py'))
    cfg.model.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def batch(b=2, future=11, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = torch.rand(b, 11, 3, H, W, generator=g)
    samples = [VideoDataSample(context_masks=torch.randint(0, 49, (11, H, W), generator=g),
                               gt_masks=torch.randint(0, 49, (future, H, W), generator=g))
               for _ in range(b)]
    return inputs, samples


def test_mask_embedding_maps_ids_and_ignore_and_rejects_bad_ids():
    emb = MODELS.build(dict(type='MaskEmbedding', embed_dim=3))
    masks = torch.tensor([[[0, 5], [255, 48]]])
    out = emb(masks)
    assert out.shape == (1, 3, 2, 2)
    assert torch.equal(out[0, :, 0, 1], emb.embed.weight[5])
    assert torch.equal(out[0, :, 1, 0], emb.embed.weight[49])  # ignore has its own vector
    with pytest.raises(ValueError, match='out of range'):
        emb(torch.tensor([[[49]]]))
    onehot = torch.nn.functional.one_hot(torch.tensor([[7]]), 49).permute(0, 2, 1)[..., None].float()
    assert torch.allclose(emb.soft(onehot)[0, :, 0, 0], emb.embed.weight[7])


@pytest.mark.parametrize('kwargs, steps', [
    (dict(output='last'), 1), (dict(output='all'), 11), (dict(output='all', downsample=2), 11),
    (dict(output='last', with_frames=True), 1), (dict(output='all', downsample=2, readout='attributes'), 11),
    (dict(output='last', readout='attributes'), 1),
    (dict(mode='autoregressive', output='last'), 1), (dict(mode='autoregressive', output='all'), 11),
    (dict(mode='autoregressive', output='all', feedback='soft', ss_prob=1.0, ss_steps=3), 11)])
def test_prediction_shapes(kwargs, steps):
    model = build(**kwargs).eval()
    inputs, samples = batch()
    with torch.no_grad():
        logits = model(inputs, samples, mode='tensor')
        assert logits.shape == (2, steps, 49, H, W)
        out = model(inputs, samples, mode='predict')
    assert out[0].pred_masks.shape == (steps, H, W)
    model.train()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_ce'} and losses['loss_ce'].isfinite()


def test_hybrid_reads_the_frames_and_mask_model_does_not():
    inputs, samples = batch()
    other = inputs + 0.5
    for with_frames in (False, True):
        model = build(with_frames=with_frames).eval()
        with torch.no_grad():
            same = torch.equal(model(inputs, samples, 'tensor'), model(other, samples, 'tensor'))
        assert same != with_frames


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='hybrid'):
        build(with_frames=True, mode='autoregressive')
    with pytest.raises(ValueError, match='downsample'):
        build(downsample=3)
    model = build(downsample=2)
    inputs, samples = batch()
    samples = [VideoDataSample(context_masks=s.context_masks[:, :15]) for s in samples]
    with pytest.raises(ValueError, match=r'15x24 \(HxW\); this model needs H and W divisible by 4'):
        model(inputs[..., :15, :], samples, 'tensor')
    with pytest.raises(ValueError, match='load_context_masks'):
        model(inputs, [VideoDataSample() for _ in range(2)], 'tensor')


@pytest.mark.parametrize('config', ['maskspace_gsta_small_cpu.py',
                                    'maskspace_gsta_ar_ss_small_cpu.py'])
def test_sizes_the_model_cannot_take_are_refused(config):
    """N_S = 4 and downsample 2: H and W must be multiples of 8. 40x60 used to die in the
    decoder ("The size of tensor a (32) must match the size of tensor b (30)", as OpenSTL
    issue #140); now it is refused up front, in both modes. 40x64 runs."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'maskspace', config))
    model = MODELS.build(cfg.model).eval()
    assert model.size_multiple() == 8

    def data(h, w):
        return (torch.zeros(1, 11, 3, h, w),
                [VideoDataSample(context_masks=torch.zeros(11, h, w, dtype=torch.long))])

    with pytest.raises(ValueError) as err:
        model(*data(40, 60), 'tensor')
    assert str(err.value) == ('input frames are 40x60 (HxW); this model needs H and W divisible '
                              'by 8 (encoder strides 1,2,1,2: 4, x downsample 2): e.g. 40x64, or '
                              'resize / pad the data (dataset pipeline)')
    with torch.no_grad():
        assert model(*data(40, 64), 'tensor').shape[-2:] == (40, 64)


def test_autoregressive_teacher_forcing_feeds_the_truth():
    model = build(mode='autoregressive', output='all').train()
    inputs, samples = batch()
    masks = torch.stack([s.context_masks for s in samples])
    truth = torch.stack([s.gt_masks for s in samples])
    changed = truth.clone()
    changed[:, 3] = (changed[:, 3] + 1) % 49
    with torch.no_grad():
        a, b = model.rollout(masks, truth), model.rollout(masks, changed)
    # the mask of frame 15 (step 3) is fed back before step 4 and changes nothing earlier
    assert torch.equal(a[:, :4], b[:, :4])
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_scheduled_sampling_at_full_rate_is_free_running():
    model = build(mode='autoregressive', output='all')
    inputs, samples = batch()
    masks = torch.stack([s.context_masks for s in samples])
    truth = torch.stack([s.gt_masks for s in samples])
    model.eval()
    with torch.no_grad():
        free = model.rollout(masks)
    model.train()
    model.ss_prob, model.ss_steps = 1.0, 22  # every step fed its own prediction
    # no dropout, stochastic depth (OpenSTL's rates start at 0.01) or norm statistics
    # differences in this check
    from mmcv.cnn.bricks import DropPath
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.Dropout, DropPath)):
            m.eval()
    with torch.no_grad():
        fed_own = model.rollout(masks, truth)
        model.ss_prob = 0.0
        forced = model.rollout(masks, truth)
    assert torch.allclose(fed_own, free, atol=1e-5)
    assert not torch.allclose(forced, free, atol=1e-3)


def test_autoregressive_training_needs_all_future_masks():
    model = build(mode='autoregressive').train()
    inputs, samples = batch(future=1)
    with pytest.raises(ValueError, match='future_masks'):
        model(inputs, samples, 'loss')


def test_schedule_values():
    assert schedule_value(0, 0, 1) == 0 and schedule_value(1, 0, 1) == 1
    assert schedule_value(0.25, 0, 1) == pytest.approx(0.25)
    assert schedule_value(0.5, 0, 1, 'cosine') == pytest.approx(0.5)
    assert schedule_value(0.25, 0, 1, 'cosine') < 0.25
    assert schedule_value(0.99, 0, 1, 'step') == 0 and schedule_value(1.0, 0, 1, 'step') == 1
    assert schedule_value(2.0, 1, 11) == 11  # clamped after the ramp
    with pytest.raises(ValueError, match='schedule'):
        schedule_value(0.5, 0, 1, 'exp')


def test_scheduled_sampling_hook_sets_the_model():
    hook = ScheduledSamplingHook(prob=(0., 1.), steps=(1, 11), begin=0., end=0.8)
    model = build(mode='autoregressive')
    runner = SimpleNamespace(model=model, iter=0, max_iters=100,
                             message_hub=MessageHub.get_instance('ss_test'))
    seen = []
    for it in (0, 40, 80, 99):
        runner.iter = it
        hook.before_train_iter(runner, it)
        seen.append((round(model.ss_prob, 3), model.ss_steps))
    assert seen == [(0.0, 1), (0.5, 6), (1.0, 11), (1.0, 11)]
    assert runner.message_hub.get_scalar('train/ss_prob').current() == 1.0
    with pytest.raises(TypeError, match='ss_prob'):
        runner.model = torch.nn.Linear(1, 1)
        hook.before_train_iter(runner, 0)
    with pytest.raises(ValueError, match='after begin'):
        ScheduledSamplingHook(begin=0.5, end=0.5)


def test_soft_jaccard_equals_torchmetrics_on_one_hot_inputs():
    from torchmetrics.classification import MulticlassJaccardIndex
    g = torch.Generator().manual_seed(3)
    target = torch.randint(0, 6, (3, 20, 30), generator=g)
    target[0, :4] = 255
    pred = torch.where(torch.rand(target.shape, generator=g) < 0.6, target.clamp(max=5),
                       torch.randint(0, 9, target.shape, generator=g))
    probs = torch.nn.functional.one_hot(pred, 49).permute(0, 3, 1, 2).float()
    metric = MulticlassJaccardIndex(num_classes=49, ignore_index=255)
    expected = metric(pred, target)
    assert soft_jaccard(probs, target).item() == pytest.approx(expected.item(), abs=1e-5)


def test_soft_jaccard_loss_has_gradients_and_prefers_the_truth():
    target = torch.randint(0, 49, (2, 8, 8))
    logits = torch.randn(2, 49, 8, 8, requires_grad=True)
    loss = SoftJaccardLoss()(logits, target)
    loss.backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    good = torch.nn.functional.one_hot(target, 49).permute(0, 3, 1, 2).float() * 20
    assert SoftJaccardLoss()(good, target) < 0.01 < loss.item()


def test_jaccard_loss_alone_or_with_cross_entropy():
    inputs, samples = batch()
    alone = build(losses=[dict(type='SoftJaccardLoss')]).train()
    assert set(alone(inputs, samples, 'loss')) == {'loss_jaccard'}
    both = build(losses=[dict(type='WeightedCrossEntropyLoss', background_weight=0.1),
                         dict(type='SoftJaccardLoss', loss_weight=0.5)]).train()
    losses = both(inputs, samples, 'loss')
    assert set(losses) == {'loss_ce', 'loss_jaccard'}
    sum(losses.values()).backward()
    assert both.embedding.embed.weight.grad.abs().sum() > 0


def _write_context(tiny_dataset, split, out, frames=None, shift=1):
    """Fake "segmenter masks": the true masks with ids shifted, so the source is visible."""
    from futureseg.datasets.layout import list_videos, load_mask
    for vid, path in list_videos(osp.join(tiny_dataset, split)):
        if osp.isfile(osp.join(path, 'mask.npy')):
            m = load_mask(osp.join(path, 'mask.npy'))
        else:  # hidden: 11 frames, no masks
            m = np.zeros((11, 64, 96), np.uint8)
        m = m[:frames] if frames else m
        os.makedirs(osp.join(out, f'video_{vid}'), exist_ok=True)
        np.save(osp.join(out, f'video_{vid}', 'mask.npy'), np.where(m > 0, (m + shift) % 49, 0).astype(np.uint8))


def test_context_masks_come_from_context_mask_root(tiny_dataset, tmp_path):
    pipeline = [dict(type='LoadVideo', load_input_masks='auto', load_context_masks=True),
                dict(type='PackVideoInputs')]
    plain = DATASETS.build(dict(type='FutureSegVideoDataset', data_root=tiny_dataset, split='val',
                                mode='last_mask', pipeline=pipeline, test_mode=True))[0]['data_samples']
    assert torch.equal(plain.context_masks, plain.input_masks)
    out = str(tmp_path / 'ctx')
    _write_context(tiny_dataset, 'val', out)
    seg = DATASETS.build(dict(type='FutureSegVideoDataset', data_root=tiny_dataset, split='val',
                              mode='last_mask', context_mask_root=out, pipeline=pipeline,
                              test_mode=True))[0]['data_samples']
    assert seg.context_masks.shape == (11, 64, 96)
    assert not torch.equal(seg.context_masks, seg.input_masks)
    assert torch.equal(seg.input_masks, plain.input_masks)  # the true masks stay for the metric
    # the hidden split: 11-frame masks are enough
    hidden_out = str(tmp_path / 'ctx_hidden')
    _write_context(tiny_dataset, 'hidden', hidden_out, frames=11)
    hidden = DATASETS.build(dict(type='FutureSegVideoDataset', data_root=tiny_dataset, split='hidden',
                                 mode='inputs_only', context_mask_root=hidden_out, pipeline=pipeline,
                                 test_mode=True))[0]['data_samples']
    assert hidden.context_masks.shape == (11, 64, 96)
    with pytest.raises(DataError, match='no context masks'):
        DATASETS.build(dict(type='FutureSegVideoDataset', data_root=tiny_dataset, split='val',
                            mode='last_mask', context_mask_root=str(tmp_path / 'none'),
                            pipeline=pipeline, test_mode=True))


TINY_MODEL = ['model.encoder.hid_S=8', 'model.encoder.N_S=2', 'model.decoder.hid_S=8',
              'model.decoder.N_S=2', 'model.translator.hid_T=16', 'model.translator.N_T=2',
              'model.embed_dim=4']


@pytest.fixture(scope='module')
def trained_maskspace(tiny_dataset, tmp_path_factory):
    """A tiny mask-space model trained 2 epochs by tools/train.py: (work_dir, checkpoint)."""
    wd = str(tmp_path_factory.mktemp('ms'))
    run_tool('tools/train.py', osp.join(FIXTURES, 'maskspace_tiny.py'), '--work-dir', wd,
             '--cfg-options', f'train_dataloader.dataset.data_root={tiny_dataset}',
             f'val_dataloader.dataset.data_root={tiny_dataset}',
             'val_dataloader.dataset.context_mask_root=None')
    ckpt = osp.join(wd, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    return wd, ckpt


@pytest.mark.slow
def test_test_tool_runs_the_mask_space_model_with_nos_and_draws(tiny_dataset, trained_maskspace, tmp_path):
    import json
    metrics = str(tmp_path / 'metrics.json')
    show = str(tmp_path / 'show')
    run_tool('tools/test.py', 'configs/maskspace/maskspace_gsta_nos.py', trained_maskspace[1],
             '--work-dir', str(tmp_path / 'test'), '--metrics-out', metrics, '--show-dir', show,
             '--cfg-options', f'test_dataloader.dataset.data_root={tiny_dataset}',
             'test_dataloader.dataset.context_mask_root=None', *TINY_MODEL,
             'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False')
    with open(metrics) as f:
        scores = json.load(f)
    assert 0 <= scores['future/jaccard'] <= 1
    assert {'stages/raw', 'stages/NewObjectSuppression',
            'stages/NewObjectSuppression_seen_iou'} <= set(scores)
    # one panel per val video: 3 frames + true mask + raw + NOS tiles of 96 px, 2 px apart
    pngs = sorted(os.listdir(show))
    assert pngs == ['video_4.png', 'video_5.png']
    import cv2
    panel = cv2.imread(osp.join(show, pngs[0]))
    assert panel.shape[1] == 6 * 96 + 5 * 2 and panel.shape[0] > 64


@pytest.mark.slow
def test_visualize_and_analyze_logs_tools(tiny_dataset, trained_maskspace, tmp_path):
    out = str(tmp_path / 'vis')
    proc = run_tool('tools/visualize.py', 'configs/maskspace/maskspace_gsta_nos.py', trained_maskspace[1],
                    '--data-root', tiny_dataset, '--num', '2', '--out', out, '--cfg-options',
                    'test_dataloader.dataset.context_mask_root=None', *TINY_MODEL)
    assert 'drew 2 videos' in proc.stdout
    import cv2
    grid = cv2.imread(osp.join(out, 'grid.png'))
    assert grid.shape[0] > 2 * 64 and grid[..., 0].std() > 0
    curves = str(tmp_path / 'curves.png')
    proc = run_tool('tools/analyze_logs.py', trained_maskspace[0], '--out', curves)
    assert 'best future/jaccard' in proc.stdout and osp.getsize(curves) > 10000
    with pytest.raises(AssertionError, match='no .*scalars.json'):
        run_tool('tools/analyze_logs.py', str(tmp_path))


def test_corrupt_context_masks():
    from futureseg.datasets.transforms import CorruptContextMasks
    masks = np.zeros((11, 8, 8), np.uint8)
    masks[:, :4, :4], masks[:, 4:, 4:], masks[:, 0, 7] = 5, 17, 255
    np.random.seed(1)
    out = CorruptContextMasks(swap_prob=1.0, drop_prob=0.0)(dict(context_masks=masks.copy()))['context_masks']
    assert (out[:, :4, :4] != 5).all() and (out[:, 4:, 4:] != 17).all()
    assert ((out[:, :4, :4] >= 1) & (out[:, :4, :4] < 49)).all()
    assert (out[:, 0, 7] == 255).all() and (out[masks == 0] == 0).all()
    # whole regions change together, per frame
    assert all(len(np.unique(f[:4, :4])) == 1 for f in out)
    dropped = CorruptContextMasks(swap_prob=0.0, drop_prob=1.0)(dict(context_masks=masks.copy()))
    assert set(np.unique(dropped['context_masks'])) == {0, 255}
    kept = CorruptContextMasks(swap_prob=0.0, drop_prob=0.0)(dict(context_masks=masks.copy()))
    assert np.array_equal(kept['context_masks'], masks)
    with pytest.raises(KeyError, match='load_context_masks'):
        CorruptContextMasks()(dict())
    with pytest.raises(ValueError, match='swap_prob'):
        CorruptContextMasks(swap_prob=0.8, drop_prob=0.5)


def test_corrupt_context_masks_swaps_a_whole_objects_shape_in_every_frame():
    from futureseg.datasets.transforms import CorruptContextMasks
    from futureseg.structures import attributes, class_id
    cube, sphere = class_id('cube', 'metal', 'red'), class_id('sphere', 'rubber', 'blue')
    taken = class_id('cylinder', 'rubber', 'blue')  # the sphere may only become a cube
    masks = np.zeros((11, 8, 8), np.uint8)
    masks[:, :2, :2], masks[:, 4:6, 4:6], masks[:, 7, 7], masks[:, 0, 7] = cube, sphere, taken, 255
    np.random.seed(0)
    out = CorruptContextMasks(0., 0., shape_swap_prob=1.0)(dict(context_masks=masks.copy()))['context_masks']
    new_cube, new_sphere = out[0, 0, 0], out[0, 4, 4]
    assert (out[:, :2, :2] == new_cube).all() and (out[:, 4:6, 4:6] == new_sphere).all()  # all frames
    assert attributes(int(new_cube))[0] != 'cube' and attributes(int(new_cube))[1:] == ('metal', 'red')
    assert new_sphere == class_id('cube', 'rubber', 'blue')
    assert (out[:, 0, 7] == 255).all() and (out[masks == 0] == 0).all()
    assert (out[:, 7, 7] == taken).all()  # both other shapes are (or were) in the video: kept
    kept = CorruptContextMasks(0., 0., shape_swap_prob=0.)(dict(context_masks=masks.copy()))
    assert np.array_equal(kept['context_masks'], masks)
    with pytest.raises(ValueError, match='shape_swap_prob'):
        CorruptContextMasks(shape_swap_prob=1.5)


def test_copy_prior_votes_with_the_input_masks_and_skips_ignore():
    prior = MODELS.build(dict(type='CopyPrior', num_frames=3, init=2.0, num_classes=5))
    with torch.no_grad():
        prior.weight.copy_(torch.tensor([0.5, 0.0, 2.0]))
    masks = torch.tensor([[[[1, 255]], [[3, 3]], [[4, 255]]]])  # (1, 3, 1, 2)
    out = prior(torch.zeros(1, 1, 5, 1, 2), masks)
    expected = torch.zeros(1, 1, 5, 1, 2)
    expected[0, 0, 1, 0, 0], expected[0, 0, 4, 0, 0] = 0.5, 2.0  # frame 2's weight is 0
    assert torch.equal(out, expected)  # the ignore pixel got no vote at all
    with pytest.raises(ValueError, match='3 input masks, got 2'):
        prior(torch.zeros(1, 1, 5, 1, 2), masks[:, :2])


def test_rgb_predictor_with_copy_prior_starts_at_copy_frame11():
    cfg = Config.fromfile(osp.join(FIXTURES, 'simvp_seg_tiny.py'))
    cfg.model.update(prior=50.0)  # overwhelms the untrained logits
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    inputs, samples = batch()
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
    for s in out:
        assert torch.equal(s.pred_masks[-1], s.context_masks[-1])
    with pytest.raises(ValueError, match='context_masks'):
        model(inputs, [VideoDataSample(gt_masks=samples[0].gt_masks)] * 2, mode='tensor')
    cfg.model.update(prior=0.0)
    plain = MODELS.build(cfg.model)
    assert plain.prior is None and not any('prior' in k for k in plain.state_dict())


@pytest.mark.parametrize('fixture', ['simvp_seg_tiny.py', 'maskspace_tiny.py'])
def test_old_keyword_copy_prior_warns_and_builds_the_same_prior(fixture):
    cfg = Config.fromfile(osp.join(FIXTURES, fixture))
    with pytest.warns(DeprecationWarning, match='use prior='):
        old = MODELS.build(dict(cfg.model, copy_prior=dict(type='CopyPrior', init=3.0)))
    assert type(old.prior).__name__ == 'CopyPrior' and old.prior.weight[-1] == 3.0
    assert not hasattr(old, 'copy_prior')
    with pytest.raises(ValueError, match='both prior= and its old name copy_prior='):
        MODELS.build(dict(cfg.model, prior=2.0, copy_prior=3.0))


@pytest.mark.parametrize('fixture', ['simvp_seg_tiny.py', 'maskspace_tiny.py'])
@pytest.mark.parametrize('old_prefix', ['copy_prior.', 'prior.'])
def test_checkpoint_with_the_old_prior_keys_loads_into_the_first_prior(fixture, old_prefix,
                                                                       tmp_path):
    from mmengine.runner.checkpoint import load_checkpoint
    cfg = Config.fromfile(osp.join(FIXTURES, fixture))
    cfg.model.update(prior=4.0)
    torch.manual_seed(0)
    trained = MODELS.build(cfg.model)
    with torch.no_grad():
        trained.prior.weight.copy_(torch.arange(11.))
    # what a checkpoint written before the list of priors holds: the one prior under
    # copy_prior.* (before its rename) or prior.*
    old = {old_prefix + k[len('priors.0.'):] if k.startswith('priors.0.') else k: v
           for k, v in trained.state_dict().items()}
    assert old_prefix + 'weight' in old and 'priors.0.weight' not in old
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(dict(old))  # strict: every key found under its new name
    assert torch.equal(fresh.prior.weight, torch.arange(11.))
    path = str(tmp_path / 'old.pth')
    torch.save(dict(state_dict=old), path)
    other = MODELS.build(cfg.model)
    load_checkpoint(other, path, map_location='cpu', logger='silent')  # init_model's loader
    assert all(torch.equal(v, trained.state_dict()[k]) for k, v in other.state_dict().items())
    # a pretrained= copy from an old checkpoint maps the prior's keys too
    loaded, _, _ = MODELS.build(cfg.model).load_pretrained(path,
                                                          key_map={'priors.': 'priors.'})
    assert loaded == ['priors.0.weight']


def test_rgb_predictor_attribute_readout_gives_class_log_probabilities():
    cfg = Config.fromfile(osp.join(FIXTURES, 'simvp_seg_tiny.py'))
    cfg.model.update(readout='attributes')
    model = MODELS.build(cfg.model).eval()
    assert model.decoder.readout.out_channels == 14
    inputs, samples = batch()
    with torch.no_grad():
        logits = model(inputs, samples, mode='tensor')
    assert logits.shape == (2, 1, 49, H, W)
    assert torch.allclose(logits.exp().sum(2), torch.ones(2, 1, H, W), atol=1e-4)
    with pytest.raises(ValueError, match='readout'):
        MODELS.build(dict(cfg.model, readout='pixels'))
