"""The priors subsystem: priors that predict, fusions that combine, a list of priors per
model, the learned dynamics as a prior, the prior as input, and the override diagnostic."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from futureseg.apis import register_all_modules

register_all_modules()
from futureseg.evaluation import PriorOverride, override_tallies  # noqa: E402
from futureseg.models.priors import extrapolate_occupancy  # noqa: E402
from futureseg.registry import MODELS  # noqa: E402
from futureseg.structures import VideoDataSample, class_id  # noqa: E402

from conftest import FIXTURES, ROOT  # noqa: E402

H, W = 16, 24
CUBE = class_id('cube', 'metal', 'red')
SPHERE = class_id('sphere', 'rubber', 'blue')
DAMPING = [0.7, 0.4, 0.9, 0.9, 0.7, 0.5]


def moving_squares(b=2, frames=11, h=H, w=W):
    """(b, frames, h, w): a cube moving right and a sphere moving down, 3x3 each."""
    masks = torch.zeros(b, frames, h, w, dtype=torch.long)
    for t in range(frames):
        masks[:, t, 2:5, t:t + 3] = CUBE
        masks[:, t, t // 2:t // 2 + 3, 18:21] = SPHERE
    masks[1, :, 0, 0] = 255  # an ignore pixel: nobody's
    return masks


def samples_of(masks, future=11):
    return [VideoDataSample(context_masks=m, gt_masks=m[-1:].expand(future, -1, -1).clone())
            for m in masks]


def build(fixture, **model):
    cfg = Config.fromfile(osp.join(FIXTURES, fixture))
    cfg.model.update(model)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def without_priors(model, fixture, **model_cfg):
    """The same network without priors, with ``model``'s network weights."""
    plain = build(fixture, **dict(model_cfg, prior=0.))
    state = {k: v for k, v in model.state_dict().items()
             if not k.startswith(('priors.', 'fusion.'))}
    plain.load_state_dict(state)  # strict: the network's keys are the same
    return plain


@pytest.mark.parametrize('fixture', ['maskspace_tiny.py', 'simvp_seg_tiny.py'])
def test_add_fusion_is_the_previous_formula_bit_for_bit(fixture):
    """``AddFusion`` of one prior is what the model computed before the priors subsystem
    (26f9d06): the network's logits plus ``weight[h] * occupancy`` (MotionPrior) or plus the
    scatter-added vote of the input masks (CopyPrior), bit for bit."""
    masks = moving_squares()
    inputs = torch.rand(2, 11, 3, H, W, generator=torch.Generator().manual_seed(0))
    motion = build(fixture, prior=dict(type='MotionPrior', damping=DAMPING))
    with torch.no_grad():
        motion.prior.weight.copy_(torch.linspace(0.5, 6, motion.prior.weight.numel()))
        out = motion(inputs, samples_of(masks), mode='tensor')
        net = without_priors(motion, fixture)(inputs, samples_of(masks), mode='tensor')
    horizons = motion.output_horizons(out.shape[1])
    w = motion.prior.weight[torch.as_tensor(horizons) - 1]
    occ = extrapolate_occupancy(masks, horizons, 3, motion.prior.damping, 49,
                                motion.prior.future_steps)
    assert torch.equal(out, net + (w.view(1, -1, 1, 1, 1) * occ).to(net.dtype))

    copy = build(fixture, prior=dict(type='CopyPrior'))
    with torch.no_grad():
        copy.prior.weight.copy_(torch.linspace(-1, 4, 11))
        out = copy(inputs, samples_of(masks), mode='tensor')
        net = without_priors(copy, fixture)(inputs, samples_of(masks), mode='tensor')
    valid = masks < 49
    ids = torch.where(valid, masks, 0)
    weights = copy.prior.weight.view(1, -1, 1, 1) * valid.float()
    vote = net.new_zeros(2, 49, H, W).scatter_add_(1, ids, weights)
    assert torch.equal(out, net + vote[:, None])


def test_a_list_of_priors_adds_every_vote():
    masks = moving_squares()
    inputs = torch.rand(2, 11, 3, H, W)
    model = build('maskspace_tiny.py', priors=[2.0, dict(type='MotionPrior', init=3.0)])
    assert [type(p).__name__ for p in model.priors] == ['CopyPrior', 'MotionPrior']
    assert model.fusion.num_priors == 2 and model.priors[1].future_steps == 11
    with pytest.raises(ValueError, match='2 priors'):
        model.prior
    with torch.no_grad():
        out = model(inputs, samples_of(masks), mode='tensor')
        net = without_priors(model, 'maskspace_tiny.py', priors=None)(
            inputs, samples_of(masks), mode='tensor')
        hz = model.output_horizons(out.shape[1])
        expected = net + model.priors[0](torch.zeros_like(net), masks, hz) \
            + model.priors[1](torch.zeros_like(net), masks, hz)
    assert torch.allclose(out, expected, atol=1e-6)
    with pytest.raises(ValueError, match='not both'):
        build('simvp_seg_tiny.py', prior=2.0, priors=[2.0])
    with pytest.raises(ValueError, match='not both'):
        build('maskspace_tiny.py', prior=2.0, priors=[2.0])


def test_priors_say_what_they_predict():
    masks = moving_squares()
    copy = MODELS.build(dict(type='CopyPrior', num_frames=11))
    motion = MODELS.build(dict(type='MotionPrior', damping=1.0))
    for prior in (copy, motion):
        assert prior.output == 'occupancy'
        pred = prior.predict(masks, [1, 11])
        assert pred.shape == (2, 2, 49, H, W)
        assert pred.min() >= 0 and pred.max() <= 1
    # copy: the newest mask for every horizon; the ignore pixel is nobody's
    assert torch.equal(copy.predict(masks, [1, 11])[:, 1].argmax(1)[0], masks[0, -1])
    assert copy.predict(masks, [11])[1, 0, :, 0, 0].sum() == 0
    # motion: the cube, 1 px a frame to the right, is 11 px further at horizon 11
    pred = motion.predict(masks, [11])
    assert (pred[0, 0, CUBE, 3] > 0.99).nonzero().flatten().tolist() == [21, 22, 23]


def test_trust_fusion_starts_as_add_fusion_and_learns_a_trust_per_pixel_and_class():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 5, 4, 6)
    votes = [torch.rand(2, 3, 5, 4, 6), torch.rand(2, 1, 5, 4, 6)]  # one broadcasts over T
    add = MODELS.build(dict(type='AddFusion', num_classes=5, num_priors=2))
    trust = MODELS.build(dict(type='TrustFusion', num_classes=5, num_priors=2, hidden=4))
    assert torch.equal(trust(logits, votes), add(logits, votes))
    trust.init_weights()  # an init_cfg re-initialisation keeps the zero start
    assert torch.equal(trust(logits, votes), add(logits, votes))
    with torch.no_grad():
        trust.trust[-1].bias.view(2, 5)[1, 3] = -1.0  # the 2nd prior's trust in class 3
    out = trust(logits, votes)
    expected = logits + votes[0] + votes[1] * torch.tensor(
        [1, 1, 1, float(torch.tensor(-1.0).exp()), 1]).view(1, 1, 5, 1, 1)
    assert torch.allclose(out, expected)
    # the trust reads the logits and votes, it does not train them; its own weights train
    logits.requires_grad_(True)
    trust(logits, votes).sum().backward()
    assert torch.equal(logits.grad, torch.ones_like(logits))
    assert trust.trust[-1].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='2 priors, got 1'):
        trust(logits, votes[:1])


def test_trust_fusion_gets_its_own_learning_rate_through_the_one_cycle():
    """paramwise_cfg's lr_mult on the fusion survives the one-cycle schedule
    (OneCycleLRKeepMult; MMEngine's OneCycleLR gives every group the same peak)."""
    from mmengine.optim import build_optim_wrapper
    from futureseg.registry import PARAM_SCHEDULERS
    model = build('maskspace_tiny.py', prior=dict(type='MotionPrior'),
                  fusion=dict(type='TrustFusion'))
    ow = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3),
        paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=100.)})))
    names = {id(p): n for n, p in model.named_parameters()}
    PARAM_SCHEDULERS.get('OneCycleLRKeepMult')(ow, eta_max=2e-3, total_steps=10)
    seen = 0
    for g in ow.param_groups:
        name = names.get(id(g['params'][0]), '')
        seen += name.startswith('fusion.')
        assert g['lr'] == pytest.approx((200 if name.startswith('fusion.') else 2) * 1e-3 / 25)
    assert seen == 4  # the trust's two convolutions, weights and biases


def test_dynamics_prior_is_the_trained_dynamics_frozen(tmp_path):
    from futureseg.models.loading import build_model
    dyn_cfg = dict(type='ObjectDynamicsPredictor', prior=dict(window=3, damping=DAMPING),
                   hidden=16, interaction=False, dropout=0.5)
    torch.manual_seed(0)
    dynamics = MODELS.build(dyn_cfg)
    with torch.no_grad():  # a "trained" head: objects go somewhere else than the prior says
        dynamics.head.bias.normal_(0, 2.0)
    path = str(tmp_path / 'dynamics.pth')
    torch.save(dict(state_dict=dynamics.state_dict()), path)
    prior_cfg = dict(type='DynamicsPrior', model=dyn_cfg, checkpoint=path, init=2.0)
    host = build('maskspace_tiny.py', prior=prior_cfg)
    prior = host.prior
    masks = moving_squares()
    with torch.no_grad():
        expected = dynamics.eval().occupancy(masks, [3, 11])
    assert torch.equal(prior.predict(masks, [3, 11]), expected)
    untrained = MODELS.build(dict(prior_cfg, checkpoint=None))
    assert not torch.allclose(untrained.predict(masks, [11]), expected[:, 1:])
    # frozen: no gradient, and in eval mode (no dropout) while the host trains
    assert not any(p.requires_grad for p in prior.dynamics.parameters())
    assert prior.weight.requires_grad
    host.train()
    assert not prior.dynamics.training and host.training
    assert torch.equal(prior.predict(masks, [3, 11]), expected)
    # the host's checkpoint carries the dynamics' weights: it loads without the dynamics file
    host_cfg = Config.fromfile(osp.join(FIXTURES, 'maskspace_tiny.py'))
    host_cfg.model.update(prior=dict(prior_cfg, checkpoint=None))
    host_path = str(tmp_path / 'host.pth')
    torch.save(dict(state_dict=host.state_dict()), host_path)
    loaded = build_model(host_cfg, host_path)
    assert torch.equal(loaded.prior.predict(masks, [11]), expected[:, 1:])
    with pytest.raises(FileNotFoundError, match='dynamics checkpoint not found'):
        MODELS.build(dict(prior_cfg, checkpoint=str(tmp_path / 'missing.pth')))
    with pytest.raises(ValueError, match='one of model= '):
        MODELS.build(dict(type='DynamicsPrior'))


def test_dynamics_prior_from_the_shipped_dynamics_config():
    config = osp.join(ROOT, 'configs/dynamics/object_dynamics_small_cpu.py')
    prior = MODELS.build(dict(type='DynamicsPrior', config=config))
    assert type(prior.dynamics.prior).__name__ == 'FloorTrackMotion'
    assert prior.dynamics.postprocessors == [] and prior.future_steps == 11
    # the mask-space model on top of it: the dynamics' checkpoint is required (no silent
    # untrained dynamics), unless set to None (a host checkpoint carries the weights)
    from futureseg.models.loading import build_model
    config = osp.join(ROOT, 'configs/maskspace/maskspace_gsta_dynamics_prior_small_cpu.py')
    with pytest.raises(FileNotFoundError, match='dynamics checkpoint not found'):
        build_model(config)
    host = build_model(config, cfg_options={'model.prior.checkpoint': None})
    assert type(host.prior).__name__ == 'DynamicsPrior' and host.prior_input


def test_prior_input_feeds_the_priors_prediction_to_the_network():
    """With ``prior_input`` the network's output depends on the prior's prediction even when
    the prior's vote is off (weight 0): it sees the prior instead of re-deriving it."""
    masks = moving_squares()
    inputs = torch.rand(2, 11, 3, H, W)
    model = build('maskspace_tiny.py', prior=dict(type='MotionPrior', init=0.0, damping=1.0),
                  prior_input=True)
    assert model.encoder.enc[0].conv.in_channels == 2 * 4  # mask + prior embeddings
    with torch.no_grad():
        out = model(inputs, samples_of(masks), mode='tensor')
        model.prior.damping.fill_(0.2)  # the prior sends the objects elsewhere
        other = model(inputs, samples_of(masks), mode='tensor')
    assert not torch.allclose(out, other)
    plain = build('maskspace_tiny.py', prior=dict(type='MotionPrior', init=0.0, damping=1.0))
    with torch.no_grad():
        a = plain(inputs, samples_of(masks), mode='tensor')
        plain.prior.damping.fill_(0.2)
        assert torch.equal(a, plain(inputs, samples_of(masks), mode='tensor'))
    with pytest.raises(ValueError, match='prior_input=True needs'):
        build('maskspace_tiny.py', prior=0., prior_input=True)
    with pytest.raises(ValueError, match='prior_input=True needs'):
        build('maskspace_tiny.py', mode='autoregressive', prior_input=True)


@pytest.mark.parametrize('fixture,prior_input', [('maskspace_tiny.py', False),
                                                  ('maskspace_tiny.py', True),
                                                  ('simvp_seg_tiny.py', False)])
def test_samples_keep_what_the_prior_predicts_alone(fixture, prior_input):
    """With ``prior_input`` the forward's own prior predictions make ``prior_masks``: the
    same masks as the priors' prediction made anew."""
    masks = moving_squares()
    extra = dict(prior_input=True) if prior_input else {}
    model = build(fixture, prior=dict(type='MotionPrior', damping=DAMPING), **extra)
    with torch.no_grad():
        out = model(torch.rand(2, 11, 3, H, W), samples_of(masks), mode='predict')
    hz = model.output_horizons(out[0].pred_masks.shape[0])
    occ = extrapolate_occupancy(masks, hz, damping=DAMPING)
    for i, s in enumerate(out):
        assert torch.equal(s.prior_masks, (4.0 * occ[i]).argmax(1))
        assert s.prior_masks.shape == s.pred_masks.shape
    plain = build(fixture, prior=0.)
    with torch.no_grad():
        out = plain(torch.rand(2, 11, 3, H, W), samples_of(masks), mode='predict')
    assert 'prior_masks' not in out[0]


def test_prior_override_counts_where_the_prediction_leaves_the_prior():
    gt = torch.tensor([[1, 1, 2, 0], [0, 0, 255, 3]])
    prior = torch.tensor([[1, 0, 0, 0], [0, 0, 3, 3]])
    pred = torch.tensor([[1, 1, 1, 0], [3, 0, 0, 3]])
    t = override_tallies(pred, prior, gt)
    # valid: 7 pixels; pred != prior at (0,1) right, (0,2) wrong (prior wrong too), (1,0)
    # wrong where the prior was right; (1,2) is ignored
    assert t == dict(pixels=7, overrides=3, overrides_right=1, overrides_prior_right=1,
                     right=5, prior_right=5)
    metric = PriorOverride()
    sample = dict(pred_masks=pred[None], prior_masks=prior[None], gt_masks=gt[None])
    metric.process(None, [sample, dict(pred_masks=pred[None], gt_masks=gt[None])])
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx(dict(override_share=3 / 7, override_acc=1 / 3,
                                     override_prior_acc=1 / 3, override_gain=0.0,
                                     pixel_acc=5 / 7, prior_pixel_acc=5 / 7))
    # the raw stage (before NOS) instead of the final prediction
    staged = PriorOverride(stage='raw')
    staged.process(None, [dict(sample, pred_stages=dict(raw=prior))])
    assert staged.compute_metrics(staged.results)['override_share'] == 0
    assert PriorOverride().compute_metrics([]) == {}


def braking_squares(n=4, h=80, w=120, frames=22, decel=0.12, seed=0):
    """(n, frames, h, w): 3 squares a video sliding from random places at random speeds and
    braking by ``decel`` px / frame^2 until they stop (sub-pixel moves: the prior's
    occupancy is fractional at their edges)."""
    g = torch.Generator().manual_seed(seed)
    out = torch.zeros(n, frames, h, w, dtype=torch.long)
    for b in range(n):
        for k in (torch.randperm(48, generator=g)[:3] + 1).tolist():
            y0 = 15 + 50 * float(torch.rand(1, generator=g))
            x0 = 15 + 90 * float(torch.rand(1, generator=g))
            v = (torch.rand(2, generator=g) - 0.5) * 4
            speed = float(v.norm())
            for t in range(frames):
                tt = min(t, speed / decel)
                d = speed * tt - decel * tt ** 2 / 2
                y, x = (torch.tensor([y0, x0]) + v / max(speed, 1e-6) * d).round().long().tolist()
                out[b, t, max(y - 4, 0):max(y + 5, 0), max(x - 4, 0):max(x + 5, 0)] = k
    return out


def test_one_training_step_at_the_shipped_settings_changes_predictions():
    """configs/maskspace/maskspace_gsta_motion_trust_small_cpu.py as shipped (optimizer, lr
    multiplier and schedule as the runner builds them, at the quickstart's frame size): one
    step changes the predicted masks, and the trust in the prior moves at its own scale, far
    more than the prior's weight (which Adam moves by the learning rate, ~1e-4 a step).

    The changed pixels alone do not tell the settings apart: the ones before (AddFusion,
    OneCycleLR) change as many in one step (67 of 422,400 on this batch with them, 45 with
    these: tie pixels at the prior's fractional edges); the trust's scale does."""
    from mmengine.optim import build_optim_wrapper
    from futureseg.registry import PARAM_SCHEDULERS
    cfg = Config.fromfile(osp.join(ROOT, 'configs/maskspace/maskspace_gsta_motion_trust_small_cpu.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ow = build_optim_wrapper(model, cfg.optim_wrapper)
    for s in cfg.param_scheduler:  # as the runner builds them (30 iterations an epoch)
        s = dict(s)
        kind = PARAM_SCHEDULERS.get(s.pop('type'))
        assert s.pop('convert_to_iter_based')
        kind.build_iter_from_epoch(ow, **s, epoch_length=30)
    video = braking_squares()
    n, _, h, w = video.shape
    samples = [VideoDataSample(context_masks=v[:11], gt_masks=v[11:]) for v in video]
    inputs = torch.zeros(n, 11, 3, h, w)

    def predict():
        """The predicted masks (n, 11, h, w) and the fusion's log-trust of the batch."""
        model.eval()
        with torch.no_grad():
            masks = video[:, :11]
            hz = model.output_horizons(11)
            preds = model.prior_predictions(masks, hz)
            hid, skip = model.encode_translate(model.embed_frames(masks, inputs, preds))
            logits = model.class_scores(model.upsample(
                model.decode(hid, skip).flatten(0, 1)).unflatten(0, (n, 11)))
            votes = model.prior_votes(masks, hz, logits.dtype, preds)
            trust = model.fusion.log_trust(logits, votes)
            return model(inputs, samples, mode='tensor').argmax(2), trust

    before, trust_before = predict()
    weight_before = model.prior.weight.detach().clone()
    model.train()
    ow.update_params(sum(model(inputs, samples, mode='loss').values()))
    after, trust_after = predict()
    assert (before != after).sum() > 0
    moved_weight = (model.prior.weight - weight_before).abs().max()
    moved_trust = (trust_after - trust_before).abs().max()
    assert moved_weight > 0 and moved_trust > 10 * moved_weight


def test_fit_motion_prior_stage_fits_the_damping_that_later_stages_read(tmp_path):
    """The recipe's FitMotionPrior stage: the per-group damping fitted on a split's true masks
    (coordinate ascent: never below the best single value), as the ``--cfg-options`` value a
    later stage's ``{fit_prior}`` reference passes on, parsed back to the fitted list."""
    import argparse
    import numpy as np
    from mmengine.config import DictAction
    from futureseg.apis.prior_fitting import extrapolation_score, load_split
    from futureseg.apis.recipe import FitMotionPrior, RecipeContext
    from futureseg.apis.recipe.config_utils import cfg_options_args
    video = braking_squares(n=6)
    for i, v in enumerate(video):
        (tmp_path / 'train' / f'video_{i}').mkdir(parents=True)
        np.save(tmp_path / 'train' / f'video_{i}' / 'mask.npy', v.numpy().astype(np.uint8))
    ctx = RecipeContext(str(tmp_path), str(tmp_path / 'work'), {}, quiet=True)
    stage = FitMotionPrior('fit_prior', window=2, grid=[0.3, 0.6, 1.0])
    out = stage.run(ctx)
    videos = load_split(str(tmp_path / 'train'))
    assert out['videos'] == 6 and len(out['damping_values']) == 6
    assert set(out['damping_values']) <= {0.3, 0.6, 1.0}
    assert out['jaccard'] == pytest.approx(extrapolation_score(videos, 2, out['damping_values']))
    for d in (0.3, 0.6, 1.0):  # braking squares: constant velocity is not the best
        assert out['jaccard'] >= extrapolation_score(videos, 2, [d] * 6)
    assert out['jaccard'] > extrapolation_score(videos, 2, [1.0] * 6)
    ctx.state['fit_prior'] = dict(status='done', outputs=out)
    args = cfg_options_args({'model.prior.damping': ctx.resolve('{fit_prior}')})
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(args).cfg_options['model.prior.damping']
    assert parsed == pytest.approx(out['damping_values'])
