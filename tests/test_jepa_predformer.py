"""PredFormer translator (sizes against the published configuration, every variant's shapes,
what each attention axis sees) and the JEPA pre-training (EMA, stop-gradient, the collapse
monitor, loading its weights into the downstream routes)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch.utils import flop_counter

from conftest import ROOT
from futureseg.apis import register_all_modules
from futureseg.models.simvp.predformer import VARIANTS, GatedTransformer, attend_along
from futureseg.registry import MODELS

register_all_modules()

#: PredFormer's Moving MNIST configuration (the authors' configs/mmnist/PredFormer.py) with
#: the frames themselves as tokens: 10 frames of 1 x 64 x 64, patch 8
MMNIST = dict(type='PredFormerTranslator', in_channels=10, num_frames=10, patch_size=8, dim=256,
              heads=8, dim_head=32, mlp_ratio=4.)


def count(m):
    return sum(p.numel() for p in m.parameters())


def multiply_adds(model, x):
    """Multiply-adds of one forward pass (torch's FlopCounterMode counts 2 per multiply-add);
    CPU attention kernels are counted as their two matrix products."""
    def sdpa(q, k, v, *args, out_shape=None, **kwargs):
        b, h, s_q, d = q
        return 2 * b * h * s_q * k[2] * (d + v[3])
    aten = torch.ops.aten
    mapping = {aten._scaled_dot_product_flash_attention_for_cpu: sdpa}
    with flop_counter.FlopCounterMode(display=False, custom_mapping=mapping) as counter:
        with torch.no_grad():
            model(x)
    return counter.get_total_flops() / 2


def test_predformer_matches_the_published_moving_mnist_configuration():
    """quadruplet_tsst, depth 6: 25.298 M parameters in the fvcore table the authors' code
    prints (PredFormer repository, issue #11); 16.42 G multiply-adds for one 10-frame video
    (24 blocks x 640 tokens x 1.05 M in the linear layers, plus the attention products)."""
    model = MODELS.build(dict(MMNIST, variant='quadruplet_tsst'))
    assert round(count(model) / 1e3) == 25298
    macs = multiply_adds(model, torch.rand(1, 10, 64, 64))
    linear = 24 * 640 * (256 * 768 + 256 * 256 + 3 * 256 * 1024) + 2 * 640 * 64 * 256
    attention = 6 * 2 * (10 * 64 * 64 * 256 * 2 + 64 * 10 * 10 * 256 * 2)
    assert macs == pytest.approx(linear + attention, rel=1e-3)
    assert macs / 1e9 == pytest.approx(16.42, abs=0.01)


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_every_predformer_variant_in_simvp(variant):
    """Each variant at its published depth has 24 gated blocks (the same parameters up to the
    stacks' closing LayerNorms), and runs as SimVP's translator on the encoder's latents
    (num_frames filled in by the model), gradients reaching the encoder."""
    axes, depth = VARIANTS[variant]
    published = MODELS.build(dict(MMNIST, variant=variant))
    blocks = sum(len(stage.blocks) for stage in published.stages)
    assert blocks == 24 and len(published.stages) == (len(axes) if variant == 'full'
                                                       or variant.startswith('fac_')
                                                       else depth * len(axes))
    model = MODELS.build(dict(
        type='SimVPFramePredictor', num_input_frames=5,
        encoder=dict(type='SimVPEncoder', in_channels=3, hid_S=8, N_S=2),
        translator=dict(type='PredFormerTranslator', patch_size=2, dim=32, heads=2,
                        dim_head=16, variant=variant, depth=1),
        decoder=dict(type='SimVPDecoder', hid_S=8, N_S=2)))
    assert model.translator.num_frames == 5 and model.translator.channels == 8
    x = torch.rand(2, 5, 3, 16, 24)
    out = model(x)
    assert out.shape == (2, 5, 3, 16, 24)
    out.mean().backward()
    assert model.encoder.enc[0].conv.weight.grad.abs().sum() > 0


def test_each_attention_axis_sees_only_its_tokens():
    """'s' mixes the patches of one frame only, 't' the frames of one patch position only,
    'st' everything: a change in frame 0 / patch 0 reaches exactly those tokens."""
    torch.manual_seed(0)
    gt = GatedTransformer(16, 1, heads=2, dim_head=8, mlp_dim=32).eval()
    x = torch.randn(2, 4, 6, 16)  # (B, T, N, D)
    y = x.clone()
    y[:, 0, 0] += torch.randn(16)  # not a constant shift, which the LayerNorms remove
    with torch.no_grad():
        s0, s1 = attend_along(gt, x, 's'), attend_along(gt, y, 's')
        t0, t1 = attend_along(gt, x, 't'), attend_along(gt, y, 't')
        f0, f1 = attend_along(gt, x, 'st'), attend_along(gt, y, 'st')
    changed = lambda a, b: (a - b).abs().amax(-1) > 1e-6  # noqa: E731  (B, T, N)
    assert changed(s0, s1)[:, 0].all() and not changed(s0, s1)[:, 1:].any()
    assert changed(t0, t1)[:, :, 0].all() and not changed(t0, t1)[:, :, 1:].any()
    assert changed(f0, f1).all()


def test_predformer_refuses_what_it_cannot_patch():
    with pytest.raises(ValueError, match='variant'):
        MODELS.build(dict(MMNIST, variant='sts'))
    with pytest.raises(ValueError, match='num_frames'):
        MODELS.build(dict(MMNIST, in_channels=15))
    model = MODELS.build(dict(type='PredFormerTranslator', in_channels=12, num_frames=3,
                              patch_size=2, dim=16, heads=2, dim_head=8, depth=1))
    assert model(torch.rand(1, 12, 4, 6)).shape == (1, 12, 4, 6)
    with pytest.raises(ValueError, match='multiple of patch_size 2'):
        model(torch.rand(1, 12, 5, 6))


def test_predformer_swaps_in_by_a_three_line_config():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'simvp', 'simvp_predformer_pretrain.py'))
    assert cfg.model.type == 'SimVPFramePredictor'
    assert cfg.model.translator == dict(type='PredFormerTranslator', patch_size=2, dim=256,
                                        heads=8, dim_head=32, mlp_ratio=4.,
                                        variant='quadruplet_tsst', depth=6)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'maskspace',
                                   'maskspace_predformer_motion_small_cpu.py'))
    assert cfg.model.translator.type == 'PredFormerTranslator'
    assert cfg.model.prior.type == 'MotionPrior'
    model = MODELS.build(cfg.model)
    assert model.translator.num_frames == 11


# -- JEPA pre-training ---------------------------------------------------------------------
def _jepa(**kw):
    cfg = dict(type='SimVPJEPA', num_input_frames=4,
               encoder=dict(type='SimVPEncoder', in_channels=3, hid_S=8, N_S=2),
               translator=dict(type='GSTATranslator', hid_T=16, N_T=2), **kw)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _frames_batch(model, b=2, t=4, h=16, w=24):
    from futureseg.structures import VideoDataSample
    torch.manual_seed(1)
    samples = []
    for _ in range(b):
        s = VideoDataSample()
        s.target_frames = torch.rand(t, 3, h, w)
        samples.append(s)
    return torch.rand(b, t, 3, h, w), samples


def _perturb(module, scale=1.0):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn_like(p))


def test_ema_update_and_its_momentum_schedule():
    from futureseg.engine import TargetEMAHook
    model = _jepa()
    for o, t in zip(model.encoder.parameters(), model.target_encoder.parameters()):
        assert torch.equal(o, t)  # synchronised after init_weights
    _perturb(model.encoder)
    online = [p.clone() for p in model.encoder.parameters()]
    before = [p.clone() for p in model.target_encoder.parameters()]
    model.update_target(0.9)
    for o, b, t in zip(online, before, model.target_encoder.parameters()):
        assert torch.allclose(t, 0.9 * b + 0.1 * o, atol=1e-6)
        assert not torch.equal(t, o)
    model.update_target(0.)  # momentum 0: a copy
    assert all(torch.equal(o, t) for o, t in
               zip(model.encoder.parameters(), model.target_encoder.parameters()))
    hook = TargetEMAHook(momentum=(0.996, 1.))
    assert hook.value(0, 100) == pytest.approx(0.996)
    assert hook.value(50, 100) == pytest.approx(0.998)  # cosine: half way at the middle
    assert hook.value(100, 100) == pytest.approx(1.)
    assert hook.value(25, 100) < 0.998 - 0.001  # slow start
    with pytest.raises(ValueError, match='momentum'):
        TargetEMAHook(momentum=(0.9, 1.5))


def test_target_branch_gets_no_gradient():
    model = _jepa(var_weight=1., cov_weight=0.04)
    inputs, samples = _frames_batch(model)
    model.train()
    with pytest.warns(UserWarning, match='TargetEMAHook'):
        losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_jepa', 'loss_var', 'loss_cov'}
    sum(losses.values()).backward()
    assert all(not p.requires_grad and p.grad is None for p in model.target_encoder.parameters())
    assert model.encoder.enc[0].conv.weight.grad.abs().sum() > 0
    assert model.predictor.proj.weight.grad.abs().sum() > 0
    assert not model.target_embeddings(samples[0].target_frames[None]).requires_grad
    # the optimiser MMEngine builds leaves the target alone
    before = [p.clone() for p in model.target_encoder.parameters()]
    torch.optim.Adam(model.parameters(), lr=0.1).step()
    assert all(torch.equal(b, p) for b, p in zip(before, model.target_encoder.parameters()))


def test_collapse_monitor_reports_spread_and_flags_a_constant_embedding():
    from futureseg.evaluation import EmbeddingSpreadMetric
    model = _jepa().eval()
    inputs, samples = _frames_batch(model)
    metric = EmbeddingSpreadMetric()
    with torch.no_grad():
        metric.process(None, model(inputs, samples, mode='predict'))
    healthy = metric.compute_metrics(metric.results)
    assert healthy['collapsed'] == 0. and healthy['context_std'] > 0.1
    assert set(healthy) == {'loss', 'collapsed'} | {f'{n}_std{m}' for n in
                                                     ('context', 'pred', 'target')
                                                     for m in ('', '_min')}
    # the encoder's last norm with weight 0: every position gets the same vector (its bias
    # through the activation), online and target alike -> spread 0, flagged
    with torch.no_grad():
        for enc in (model.encoder, model.target_encoder):
            enc.enc[-1].norm.weight.zero_()
            enc.enc[-1].norm.bias.copy_(torch.linspace(0.1, 1., 8))
    inputs, samples = _frames_batch(model)
    metric = EmbeddingSpreadMetric()
    with torch.no_grad():
        metric.process(None, model(inputs, samples, mode='predict'))
    collapsed = metric.compute_metrics(metric.results)
    assert collapsed['context_std'] < 1e-3 and collapsed['target_std'] < 1e-3
    assert collapsed['collapsed'] == 1.
    # random isotropic vectors: each dimension's std x sqrt(D) is about 1
    emb = torch.randn(1, 64, 50, 50)
    from futureseg.models.simvp.jepa import spread_sums
    stats = {n: spread_sums(emb) for n in ('context', 'pred', 'target')}
    metric = EmbeddingSpreadMetric()
    metric.process(None, [dict(jepa_stats=dict(loss=torch.tensor(0.), **stats))])
    assert metric.compute_metrics(metric.results)['target_std'] == pytest.approx(1., abs=0.05)


def _trained_checkpoint(model, tmp_path, name):
    _perturb(model, 0.5)  # as if trained: nothing equals a fresh init by chance
    ckpt = str(tmp_path / name)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), ckpt)
    return ckpt


def test_jepa_weights_load_into_both_downstream_routes(tmp_path):
    """RGB JEPA -> the winner's RGB route (SimVPMaskPredictor), mask JEPA -> the mask-space
    route (SimVPMaskSpacePredictor, its config's key_map with the class vectors): every
    tensor under encoder. / translator. (/ embedding.) is loaded and equal, the target
    encoder and the predictor are left out."""
    small = Config.fromfile(osp.join(ROOT, 'configs', 'simvp_seg_gsta_small_cpu.py')).model
    jepa = Config.fromfile(osp.join(
        ROOT, 'configs', 'simvp', 'simvp_gsta_jepa_pretrain_small_cpu.py')).model
    rgb = MODELS.build(jepa)
    ckpt = _trained_checkpoint(rgb, tmp_path, 'rgb.pth')
    seg = MODELS.build(dict(small, pretrained=dict(checkpoint=ckpt)))
    seg.init_weights()
    for part in ('encoder', 'translator'):
        ref = getattr(rgb, part).state_dict()
        own = getattr(seg, part).state_dict()
        assert own.keys() == ref.keys()
        assert all(torch.equal(own[k], ref[k]) for k in ref), part
    loaded, new, unused = seg.load_pretrained(ckpt)
    assert len(loaded) == len(rgb.encoder.state_dict()) + len(rgb.translator.state_dict())
    assert all(k.startswith(('target_encoder.', 'predictor.')) for k in unused)
    assert unused and all(k.startswith('decoder.') for k in new)

    ms_cfg = Config.fromfile(osp.join(
        ROOT, 'configs', 'maskspace', 'maskspace_gsta_motion_small_cpu.py')).model
    mj = MODELS.build(Config.fromfile(osp.join(
        ROOT, 'configs', 'maskspace', 'maskspace_gsta_jepa_pretrain_small_cpu.py')).model)
    ckpt = _trained_checkpoint(mj, tmp_path, 'masks.pth')
    ms_cfg.pretrained.checkpoint = ckpt
    ms = MODELS.build(ms_cfg)
    ms.init_weights()
    for part in ('embedding', 'encoder', 'translator'):
        ref, own = getattr(mj, part).state_dict(), getattr(ms, part).state_dict()
        assert own.keys() == ref.keys()
        assert all(torch.equal(own[k], ref[k]) for k in ref), part
    _, _, unused = ms.load_pretrained(ckpt, key_map=ms_cfg.pretrained.key_map)
    assert all(k.startswith(('target_encoder.', 'target_embedding.', 'predictor.'))
               for k in unused)


def test_train_tool_pretrains_a_jepa(tiny_dataset, tmp_path):
    """tools/train.py on the JEPA config: the EMA hook runs, every validation logs the spread,
    and the checkpoint loads into the RGB route."""
    from conftest import run_tool
    work = str(tmp_path / 'jepa')
    proc = run_tool('tools/train.py', 'tests/fixtures/simvp_jepa_tiny.py', '--work-dir', work,
                    '--cfg-options', f'train_dataloader.dataset.data_root={tiny_dataset}',
                    f'val_dataloader.dataset.data_root={tiny_dataset}')
    log = proc.stdout + proc.stderr
    assert 'jepa/context_std' in log and 'jepa/collapsed' in log and 'ema_momentum' in log
    assert 'without TargetEMAHook' not in log
    ckpt = osp.join(work, 'epoch_1.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    seg = MODELS.build(dict(type='SimVPMaskPredictor',
                            encoder=dict(type='SimVPEncoder', in_channels=3, hid_S=8, N_S=2),
                            translator=dict(type='GSTATranslator', hid_T=16, N_T=2),
                            decoder=dict(type='SimVPDecoder', hid_S=8, N_S=2),
                            pretrained=dict(checkpoint=ckpt)))
    seg.init_weights()
    assert all(torch.equal(v, state['encoder.' + k]) for k, v in seg.encoder.state_dict().items())
    # the target encoder moved with the EMA: neither the start nor a copy of the encoder
    assert any(not torch.equal(state['target_encoder.' + k], v)
               for k, v in seg.encoder.state_dict().items())


def test_pretraining_comparison_probe_and_table(tiny_dataset):
    """The benchmark's linear probe: one feature row (T x hid_S) per object seen in frames 11
    and 22, its target the centroid displacement read from the true masks; the table."""
    import numpy as np
    from conftest import load_benchmark
    bench = load_benchmark('pretraining_comparison')
    model = MODELS.build(Config.fromfile(osp.join(ROOT, 'tests', 'fixtures',
                                                  'simvp_jepa_tiny.py')).model)
    model.init_weights()
    model.eval()
    feats, moves = bench.probe_samples(model, tiny_dataset, 'train', min_pixels=5)
    assert feats.shape == (len(moves), 11 * 8) and len(moves) > 0
    # the displacements again, straight from the masks (mean row and column of the pixels)
    from futureseg.datasets.layout import list_videos

    def centroid(mask):
        ys, xs = torch.nonzero(mask, as_tuple=True)
        return torch.stack([ys.float().mean(), xs.float().mean()])

    expected = []
    for _, video in list_videos(osp.join(tiny_dataset, 'train')):
        masks = torch.from_numpy(np.load(osp.join(video, 'mask.npy')))
        for c in torch.unique(masks[10]).tolist():
            a, b = masks[10] == c, masks[21] == c
            if 0 < c < 49 and a.sum() >= 5 and b.sum() >= 5:
                expected.append((centroid(b) - centroid(a)).numpy())
    assert np.allclose(np.sort(moves, 0), np.sort(np.stack(expected), 0), atol=1e-4)
    table = bench.to_markdown([dict(arm='none', probe_r2=0.5, probe_median_px=1.0,
                                    no_motion_median_px=2.0, mask_jaccard=0.3)])
    assert '| none | - | 0.500 | 1.00 | 2.00 | - | 0.3000 |' in table
