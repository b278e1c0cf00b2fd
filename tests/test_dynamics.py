"""Learned object dynamics, its control and the gap breakdown."""
import os.path as osp

import numpy as np
import pytest
import torch

from conftest import ROOT, run_tool
from futureseg.apis import register_all_modules
from futureseg.evaluation.gap import GapTally, object_groups, oracle_shift
from futureseg.models.dynamics import ObjectDynamicsPredictor
from futureseg.models.simvp.motion_prior import extrapolate_masks
from futureseg.structures import occupancy_scores, paint_objects

register_all_modules()
DAMPING = [0.7, 0.4, 0.9, 0.9, 0.7, 0.5]


def moving_squares(n_videos=8, h=40, w=60, frames=22, decel=0.08, seed=0):
    """Videos of 2-3 squares (unique class ids) sliding from random places with random
    velocities and a constant deceleration ``decel`` (px / frame^2) until they stop."""
    g = torch.Generator().manual_seed(seed)
    out = torch.zeros(n_videos, frames, h, w, dtype=torch.long)
    for b in range(n_videos):
        ids = torch.randperm(48, generator=g)[:int(torch.randint(2, 4, (1,), generator=g))] + 1
        for k in ids.tolist():
            y0, x0 = 8 + 24 * torch.rand(2, generator=g) * torch.tensor([1, 1.8])
            v = (torch.rand(2, generator=g) - 0.5) * 2.4
            speed = float(v.norm())
            for t in range(frames):
                tt = min(t, speed / decel)  # stops once the speed is spent
                s = speed * tt - decel * tt ** 2 / 2
                y, x = (torch.tensor([y0, x0]) + v / max(speed, 1e-6) * s).round().long().tolist()
                out[b, t, max(y - 2, 0):max(y + 3, 0), max(x - 2, 0):max(x + 3, 0)] = k
    return out


def test_the_control_is_the_motion_prior_extrapolation():
    """learn=False paints exactly what extrapolate_masks paints, and an untrained learned
    model (zero-initialised head) predicts the same as its control."""
    video = moving_squares(4)
    prior = dict(window=3, damping=DAMPING)
    control = ObjectDynamicsPredictor(prior=prior, learn=False).eval()
    learned = ObjectDynamicsPredictor(prior=prior, learn=True).eval()
    assert sum(p.numel() for p in control.parameters()) == 0
    with torch.no_grad():
        ref = extrapolate_masks(video[:, :11], [11], 3, DAMPING)[:, 0]
        assert torch.equal(control.logits(video[:, :11]).argmax(2)[:, 0], ref)
        assert torch.equal(learned.logits(video[:, :11]).argmax(2)[:, 0], ref)


def test_learned_dynamics_learns_a_deceleration_the_prior_does_not_know():
    """On squares that brake harder than the prior assumes, training lowers the centroid
    loss well below the control's and the predicted frame 22 gets closer to the truth."""
    torch.manual_seed(0)
    train, test = moving_squares(48, seed=1), moving_squares(16, seed=2)
    model = ObjectDynamicsPredictor(prior=dict(window=3, damping=1.0), hidden=32,
                                    interaction=False, time_shifts=3)
    start = sum(model.loss(test[:, :11], test[:, 11:]).values()).item()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(8):
        for i in range(0, len(train), 8):
            loss = sum(model.loss(train[i:i + 8, :11], train[i:i + 8, 11:]).values())
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        end = sum(model.loss(test[:, :11], test[:, 11:]).values()).item()
        control = ObjectDynamicsPredictor(prior=dict(window=3, damping=1.0), learn=False)
        acc = (model.logits(test[:, :11]).argmax(2)[:, 0] == test[:, 21]).float().mean()
        acc0 = (control.logits(test[:, :11]).argmax(2)[:, 0] == test[:, 21]).float().mean()
    assert end < 0.5 * start, (start, end)
    assert acc > acc0


def test_damping_is_saved_with_the_model():
    """The prior's damping is a persistent buffer: a checkpoint carries the prior it was
    trained on, whatever the config says later."""
    model = ObjectDynamicsPredictor(prior=dict(damping=DAMPING))
    state = model.state_dict()
    assert torch.allclose(state['prior.damping'], torch.tensor(DAMPING))
    other = ObjectDynamicsPredictor(prior=dict(damping=1.0))
    other.load_state_dict(state)
    assert torch.allclose(other.prior.damping, torch.tensor(DAMPING))


def test_gap_groups_oracle_and_holds():
    """A hand-made video: object 5 static, 7 moving, 9 collided (per the collisions), 11
    entering; the oracle shift of pure translations is the truth; a perfect prediction holds
    nothing; a prediction that misses the mover gives it the gap."""
    ctx = torch.zeros(11, 30, 40, dtype=torch.long)
    ctx[:, 2:6, 2:6] = 5
    for t in range(11):
        ctx[t, 10:14, 2 + t:6 + t] = 7
        ctx[t, 20:24, 20:24] = 9
    last = torch.zeros(30, 40, dtype=torch.long)
    last[2:6, 2:6] = 5
    last[10:14, 23:27] = 7
    last[20:24, 30:34] = 9
    last[25:29, 35:39] = 11
    groups = object_groups(ctx, last, {15: [9]})
    assert groups == {5: 'static', 7: 'moving', 9: 'collided', 11: 'entering'}
    oracle = oracle_shift(ctx, last)
    assert torch.equal(oracle, torch.where(last == 11, 0, last))
    tally = GapTally()
    tally.add(last, ctx, last, {15: [9]})
    s = tally.summary()
    assert s['prediction']['jaccard'] == pytest.approx(1.0)
    assert all(s[g]['holds'] == pytest.approx(0.0) for g in ('entering', 'collided', 'moving', 'static'))
    assert s['causal bound']['jaccard'] < 1.0  # the entering object cannot be known
    miss = last.clone()
    miss[last == 7] = 0
    tally = GapTally()
    tally.add(miss, ctx, last, {15: [9]})
    s = tally.summary()
    assert s['moving']['mean_iou'] == 0 and s['moving']['holds'] > 0.1
    assert s['static']['mean_iou'] == 1 and s['static']['holds'] == pytest.approx(0.0)


def test_paint_objects_scale_grows_about_the_centroid():
    last = torch.zeros(1, 21, 21, dtype=torch.long)
    last[0, 8:13, 8:13] = 3
    occ = paint_objects(last, torch.tensor([0]), torch.tensor([3]), torch.zeros(1, 1, 2),
                        torch.full((1, 1), 2.0))
    mask = occupancy_scores(occ).argmax(2)[0, 0]
    ys, xs = (mask == 3).nonzero(as_tuple=True)
    assert ys.float().mean() == pytest.approx(10, abs=0.5) and xs.float().mean() == pytest.approx(10, abs=0.5)
    assert 64 <= int((mask == 3).sum()) <= 121  # about 4x the 25 pixels


def test_test_tool_runs_the_control_without_a_checkpoint(tiny_dataset, tmp_path):
    """tools/test.py CONFIG: a model without trained parameters needs no checkpoint; the gap
    breakdown tool runs on it too; a trainable model without one is refused by name."""
    config = 'configs/dynamics/motion_extrapolation_small_cpu.py'
    opts = [f'test_dataloader.dataset.data_root={tiny_dataset}',
            'test_dataloader.dataset.context_mask_root=None']
    out = str(tmp_path / 'gap.json')
    proc = run_tool('tools/analysis_tools/gap_breakdown.py', config, '--work-dir', str(tmp_path / 'w'),
                    '--json', out, '--cfg-options', *opts)
    assert '| oracle shift |' in proc.stdout and '| moving objects |' in proc.stdout
    import json
    with open(out) as f:
        summary = json.load(f)
    assert 0 <= summary['prediction']['jaccard'] <= summary['causal bound']['jaccard'] <= 1
    proc = run_tool('tools/test.py', 'configs/dynamics/object_dynamics_small_cpu.py',
                    '--work-dir', str(tmp_path / 'w2'), '--cfg-options', *opts, check=False)
    assert proc.returncode != 0
    assert 'trained parameters: give its checkpoint' in proc.stdout + proc.stderr


def test_with_gap_breakdown_adds_the_metric_once():
    from futureseg.evaluation.gap import with_gap_breakdown
    one = with_gap_breakdown(dict(type='FutureSegJaccard'))
    assert one == [dict(type='FutureSegJaccard'), dict(type='GapBreakdown')]
    assert with_gap_breakdown(one) == one
    assert with_gap_breakdown([dict(type='futureseg.GapBreakdown')]) == [dict(type='futureseg.GapBreakdown')]
    assert with_gap_breakdown(None) == [dict(type='GapBreakdown')]
