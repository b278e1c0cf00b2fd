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
