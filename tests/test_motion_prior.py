"""The motion extrapolation: object tracks, the deceleration, the hard masks, and
``MotionPrior`` on the logits of the mask-space and RGB predictors."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from futureseg.apis import register_all_modules

register_all_modules()
from futureseg.models.simvp.motion_prior import (  # noqa: E402
    class_groups, extrapolate_masks, extrapolate_occupancy, object_tracks, travelled)
from futureseg.registry import MODELS  # noqa: E402
from futureseg.structures import VideoDataSample, class_id  # noqa: E402

from conftest import FIXTURES  # noqa: E402

H, W = 16, 24
CUBE = class_id('cube', 'metal', 'red')            # group 0
SPHERE = class_id('sphere', 'rubber', 'blue')      # group 3


def moving_square(cid=CUBE, start=(2, 2), velocity=(0, 1), frames=11, size=3, extra=None):
    """(frames, H, W) masks of a size x size square moving ``velocity`` pixels a frame."""
    masks = torch.zeros(frames, H, W, dtype=torch.long)
    for t in range(frames):
        y, x = start[0] + velocity[0] * t, start[1] + velocity[1] * t
        masks[t, y:y + size, x:x + size] = cid
    if extra is not None:
        masks[extra[0]] = extra[1]
    return masks


def test_class_groups_follow_the_class_id_layout():
    groups = class_groups()
    assert groups[CUBE] == 0 and groups[class_id('cube', 'rubber', 'gray')] == 1
    assert groups[SPHERE] == 3 and groups[class_id('cylinder', 'rubber', 'yellow')] == 5


def test_travelled_keeps_velocity_at_1_and_stops_early_below_half():
    h = torch.arange(1, 12)
    d = travelled(h, torch.tensor([1.0, 0.5, 0.25, 0.0]), last=11)
    assert torch.allclose(d[:, 0], h.float())                  # constant velocity
    assert torch.allclose(d[-1], torch.tensor([11.0, 5.5, 2.75, 0.0]))
    assert torch.all(d[1:, 1] >= d[:-1, 1])                     # never goes back
    assert torch.allclose(d[5:, 2], torch.full((6,), 2.75))    # stopped after 5.5 frames


def test_object_tracks_fit_the_centroid_velocity():
    masks = moving_square(velocity=(0, 1))[None]
    masks[0, :, 0, 0] = 255  # ignore pixels belong to nobody
    present, vel = object_tracks(masks, window=3)
    assert present[0].nonzero().flatten().tolist() == [CUBE]
    assert torch.allclose(vel[0, CUBE], torch.tensor([0.0, 1.0]), atol=1e-5)
    # seen only in the newest frame: no velocity, still present
    single = torch.zeros(1, 11, H, W, dtype=torch.long)
    single[0, -1, 5:8, 5:8] = SPHERE
    present, vel = object_tracks(single, window=3)
    assert present[0, SPHERE] and torch.equal(vel[0, SPHERE], torch.zeros(2))


def test_extrapolated_square_lands_where_it_is_going():
    masks = moving_square(velocity=(0, 1))[None]       # at x 12..14 in frame 11
    out = extrapolate_masks(masks, [1, 5], window=3, damping=1.0)
    assert out.shape == (1, 2, H, W)
    for i, h in enumerate([1, 5]):
        expected = torch.zeros(H, W, dtype=torch.long)
        expected[2:5, 12 + h:15 + h] = CUBE
        assert torch.equal(out[0, i], expected)
    # damping 0 is copy frame 11
    assert torch.equal(extrapolate_masks(masks, [11], damping=0.0)[0, 0], masks[0, -1])
    # per-group damping: only the cube's group is stopped
    damp = [0.0, 1, 1, 1, 1, 1]
    assert torch.equal(extrapolate_masks(masks, [11], damping=damp)[0, 0], masks[0, -1])
    occ = extrapolate_occupancy(masks, [11], damping=1.0)
    assert torch.allclose(occ.sum(2), torch.ones(1, 1, H, W))
    assert float(occ[0, 0, CUBE].sum()) == pytest.approx(3, abs=1e-3)  # x 23..25: x = 23 in frame
    with pytest.raises(ValueError, match='damping takes 1 value or 6'):
        extrapolate_masks(masks, [1], damping=[1.0, 1.0])


def test_nearer_object_wins_where_two_land_on_one_pixel():
    a = moving_square(CUBE, start=(2, 2), velocity=(1, 0))      # moving down
    b = moving_square(SPHERE, start=(13, 2), velocity=(0, 0))   # still, lower in the image
    masks = torch.where(b > 0, b, a)[None]
    out = extrapolate_masks(masks, [1], window=3)[0, 0]
    # the cube (rows 13..15 next frame) lands on the sphere: the sphere is nearer the camera
    assert (out == SPHERE).sum() == 9


def test_motion_prior_starts_the_mask_space_model_at_the_extrapolation():
    cfg = Config.fromfile(osp.join(FIXTURES, 'maskspace_tiny.py'))
    cfg.model.update(output='all', prior=dict(type='MotionPrior', init=50.0, window=3))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    masks = moving_square(velocity=(1, 0), start=(0, 2))
    samples = [VideoDataSample(context_masks=masks, gt_masks=torch.zeros(11, H, W, dtype=torch.long))]
    with torch.no_grad():
        out = model(torch.rand(1, 11, 3, H, W), samples, mode='predict')[0].pred_masks
    expected = extrapolate_masks(masks[None], range(1, 12), window=3)[0]
    assert torch.equal(out, expected)
    with torch.no_grad():  # one weight per horizon
        model.prior.weight.copy_(torch.arange(1., 12.))
    base = torch.zeros(1, 2, 49, H, W, requires_grad=True)
    logits = model.prior(base, masks[None], [3, 11])
    assert logits[0, 0, CUBE].max() == 3 and logits[0, 1, 0].max() == 11
    # gradients: the graph's leaves are the network's logits and the prior's weight only (the
    # extrapolation of the masks is a constant of it); only the weights of the horizons used
    # get a gradient, each the summed occupancy of its horizon (every pixel's occupancy sums to
    # 1 over the classes: H * W); the logits get the identity
    leaves, todo = set(), [logits.grad_fn]
    while todo:
        fn = todo.pop()
        if hasattr(fn, 'variable'):
            leaves.add(id(fn.variable))
        todo += [f for f, _ in fn.next_functions if f is not None]
    assert leaves == {id(base), id(model.prior.weight)}
    model.prior.weight.grad = None
    logits.sum().backward()
    grad = model.prior.weight.grad
    assert grad[[2, 10]].tolist() == pytest.approx([H * W, H * W])
    assert grad[[i for i in range(11) if i not in (2, 10)]].abs().sum() == 0
    assert torch.equal(base.grad, torch.ones_like(base))
    with pytest.raises(ValueError, match='horizons'):
        model.prior(torch.zeros(1, 2, 49, H, W), masks[None], [12, 13])


def test_rgb_predictor_with_motion_prior_config():
    cfg = Config.fromfile(osp.join(FIXTURES, 'simvp_seg_tiny.py'))
    cfg.model.update(prior=dict(type='MotionPrior', init=50.0, damping=[1.0] * 6))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    masks = moving_square(velocity=(0, 1), start=(2, 0))
    samples = [VideoDataSample(context_masks=masks, gt_masks=masks[:1])]
    with torch.no_grad():
        out = model(torch.rand(1, 11, 3, H, W), samples, mode='predict')[0].pred_masks
    assert torch.equal(out[-1], extrapolate_masks(masks[None], [11])[0, 0])  # frame 22
    with pytest.raises(ValueError, match='window'):
        MODELS.build(dict(type='MotionPrior', window=0))


def test_shipped_configs_build_the_motion_prior():
    root = osp.dirname(osp.dirname(FIXTURES))
    for name in ('configs/maskspace/maskspace_gsta_motion_small_cpu.py',
                 'configs/simvp_seg_motion_prior_small_cpu.py'):
        cfg = Config.fromfile(osp.join(root, name))
        prior = MODELS.build(dict(cfg.model.prior))
        assert type(prior).__name__ == 'MotionPrior' and prior.damping.numel() == 6


def test_build_prior_takes_a_number_or_a_config():
    from futureseg.models.simvp.predictors import build_prior
    assert build_prior(0., 5, 49) is None and build_prior(None, 5, 49) is None
    assert build_prior(3.0, 4, 49).weight.tolist() == [0, 0, 0, 3.0]
    copy = build_prior(dict(type='CopyPrior', init=2.0), 5, 49)  # num_frames from the model
    assert copy.weight.tolist() == [0, 0, 0, 0, 2.0]
    motion = build_prior(dict(type='MotionPrior', window=2), 5, 7)
    assert type(motion).__name__ == 'MotionPrior' and motion.num_classes == 7


def test_checkpoint_carries_the_prior_settings_it_was_trained_with(tmp_path):
    from futureseg.models.loading import build_model
    cfg = Config.fromfile(osp.join(FIXTURES, 'maskspace_tiny.py'))
    trained_damping = [0.7, 0.4, 0.9, 0.9, 0.7, 0.5]
    cfg.model.update(prior=dict(type='MotionPrior', damping=trained_damping, window=2))
    model = MODELS.build(cfg.model)
    state = model.state_dict()
    assert torch.allclose(state['priors.0.damping'], torch.tensor(trained_damping))
    assert state['priors.0.window_frames'].item() == 2
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(state_dict=state), path)
    # built with other settings (a damping of another length too), loaded the way
    # init_model / test.py do
    for other in (1.0, [0.1] * 6):
        cfg.model.prior.update(damping=other, window=3)
        loaded = build_model(cfg, path)
        assert torch.allclose(loaded.prior.damping, torch.tensor(trained_damping))
        assert loaded.prior.window == 2
        # and it is the saved settings that move the objects
        masks = torch.zeros(11, H, W, dtype=torch.long)  # speeding up: the window matters
        for t, x in enumerate([0] * 7 + [1, 2, 4, 7]):
            masks[t, 2:5, x:x + 3] = CUBE
        out = loaded.prior(torch.zeros(1, 1, 49, H, W), masks[None], [11])
        expected = extrapolate_occupancy(masks[None], [11], window=2, damping=trained_damping)
        assert torch.allclose(out, loaded.prior.weight[-1] * expected)
        assert not torch.allclose(expected, extrapolate_occupancy(
            masks[None], [11], window=3, damping=trained_damping))
    # a checkpoint from before the settings were saved keeps the config's, also with the
    # prior under its old key prior.*
    old = {k.replace('priors.0.', 'prior.'): v for k, v in state.items()
           if k not in ('priors.0.damping', 'priors.0.window_frames')}
    torch.save(dict(state_dict=old), path)
    cfg.model.prior.update(damping=0.25, window=4)
    loaded = build_model(cfg, path)
    assert loaded.prior.damping.tolist() == [0.25] and loaded.prior.window == 4
    assert torch.equal(loaded.prior.weight, model.prior.weight)


def test_motion_prior_takes_future_steps_from_the_model():
    from futureseg.models.simvp.predictors import with_future_steps
    cfg = Config.fromfile(osp.join(FIXTURES, 'maskspace_tiny.py'))
    cfg.model.update(mode='autoregressive', future_steps=4, output='all',
                     prior=dict(type='MotionPrior', init=1.0, damping=0.5))
    model = MODELS.build(cfg.model)
    assert model.prior.future_steps == 4 and model.prior.weight.numel() == 4
    masks = moving_square(velocity=(0, 1))
    samples = [VideoDataSample(context_masks=masks, gt_masks=masks[:4])]
    assert model(torch.rand(1, 11, 3, H, W), samples, mode='tensor').shape == (1, 4, 49, H, W)
    # the damping refers to the model's last step (4 ahead: stopped there), not to 11
    vote = model.prior(torch.zeros(1, 1, 49, H, W), masks[None], [1])
    assert torch.allclose(vote, extrapolate_occupancy(masks[None], [1], damping=0.5, last=4))
    assert not torch.allclose(vote, extrapolate_occupancy(masks[None], [1], damping=0.5, last=11))
    # a prior config that sets it keeps its own
    cfg.model.prior.future_steps = 11
    assert MODELS.build(cfg.model).prior.future_steps == 11
    # the RGB predictor: its last output step is num_input_frames ahead
    rgb = Config.fromfile(osp.join(FIXTURES, 'simvp_seg_tiny.py'))
    rgb.model.update(num_input_frames=6, prior=dict(type='MotionPrior'))
    assert MODELS.build(rgb.model).prior.future_steps == 6
    # only priors that take future_steps get it
    assert with_future_steps(dict(type='CopyPrior'), 4) == dict(type='CopyPrior')
    assert with_future_steps(2.0, 4) == 2.0
