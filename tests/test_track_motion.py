"""Track motion priors: the floor plane seen through the camera, and the physics on it."""
import numpy as np
import pytest
import torch

from futureseg.models.track_motion import FloorTrackMotion, ImageTrackMotion, build_track_motion
from futureseg.structures.camera import SYNTHETIC_CAMERA, Camera, floor_to_pixels, pixels_to_floor

H, W = 80, 120
DT = 0.08


def camera() -> Camera:
    return Camera(np.array(SYNTHETIC_CAMERA['pos'], float), np.array(SYNTHETIC_CAMERA['target'], float),
                  SYNTHETIC_CAMERA['fovy'], W, H)


def test_pixels_to_floor_matches_the_camera_and_round_trips():
    cam = camera()
    u = torch.tensor([5.5, 60.0, 110.25], dtype=torch.float64)
    v = torch.tensor([75.5, 40.0, 30.75], dtype=torch.float64)
    xy, ahead = pixels_to_floor(cam, u, v, 0.4)
    assert ahead.all()
    for i in range(3):
        assert np.allclose(xy[i].numpy(), cam.floor_point(u[i].item(), v[i].item(), 0.4)[:2], atol=1e-9)
    u2, v2, depth = floor_to_pixels(cam, xy, 0.4)
    assert torch.allclose(u2, u) and torch.allclose(v2, v)
    # lower in the image is nearer the camera
    assert depth[0] < depth[1] < depth[2]


def sliding_track(start, velocity, decel, frames=22):
    """Floor positions of an object sliding from ``start`` with ``velocity`` (units/s),
    slowing by ``decel`` until it stops: (frames, 2)."""
    start, velocity = np.asarray(start, float), np.asarray(velocity, float)
    speed = np.linalg.norm(velocity)
    t = np.arange(frames) * DT
    s = np.minimum(t, speed / decel)
    return start + (speed * s - 0.5 * decel * s * s)[:, None] * velocity / speed


def stats_of(tracks, cam, frames=11):
    """``frame_stats`` of objects (class ids 1, 2, ...) at these floor tracks, as pixel
    centroids (no masks needed: the prior reads centroids)."""
    k = 49
    count = torch.zeros(1, frames, k)
    cy, cx = torch.zeros(1, frames, k), torch.zeros(1, frames, k)
    for i, tr in enumerate(tracks, start=1):
        uv, _ = cam.project(np.concatenate([tr[:frames], np.full((frames, 1), 0.4)], 1))
        count[0, :, i] = 30
        cx[0, :, i] = torch.as_tensor(uv[:, 0] - 0.5, dtype=torch.float32)
        cy[0, :, i] = torch.as_tensor(uv[:, 1] - 0.5, dtype=torch.float32)
    return dict(count=count, cy=cy, cx=cx, border=torch.zeros(1, frames, k, dtype=torch.bool),
                size=(H, W))


def test_floor_motion_follows_a_sliding_object_through_perspective_and_stops_it():
    cam = camera()
    # class 1 is a metal cube (group 0), class 9 a rubber cube (group 1)
    decel = [1.0, 2.0, 0.2, 0.2, 1.0, 2.0]
    fast = sliding_track([0.5, -2.0], [-2.0, 2.5], decel[0])       # still moving at frame 22
    slow = sliding_track([1.5, 1.0], [-2.2, 0.9], decel[1])        # stops after 1.19 s (frame 16)
    tracks = {1: fast, 9: slow}
    stats = stats_of([np.zeros((22, 2))] * 0, cam)
    for cid, tr in tracks.items():
        one = stats_of([tr], cam)
        for key in ('count', 'cy', 'cx'):
            stats[key][0, :, cid] = one[key][0, :, 1]
    motion = FloorTrackMotion(deceleration=decel, window=2)
    out = motion(stats)
    assert out['present'][0, 1] and out['present'][0, 9] and out['present'].sum() == 2
    for cid, tr in tracks.items():
        uv, depth = cam.project(np.concatenate([tr, np.full((22, 1), 0.4)], 1))
        true_shift = uv[21] - uv[10]
        got = out['shift'][0, cid, -1].numpy()[::-1]           # (dx, dy) like uv
        assert np.abs(got - true_shift).max() < 0.05, (cid, got, true_shift)
        # the size factor is the ratio of depths (perspective)
        assert out['scale'][0, cid, -1].item() == pytest.approx(depth[10] / depth[21], rel=1e-3)
    # the rubber cube stopped: its last horizons do not move
    assert torch.allclose(out['shift'][0, 9, -1], out['shift'][0, 9, -3], atol=1e-4)
    # the image extrapolation (constant velocity) does not know it stops
    image = ImageTrackMotion(window=2, damping=1.0)(stats)
    assert (image['shift'][0, 9, -1] - out['shift'][0, 9, -1]).norm() > 1.0


def test_deceleration_is_learnable_or_saved():
    fixed = FloorTrackMotion(deceleration=1.5)
    assert 'log_deceleration' in fixed.state_dict() and not list(fixed.parameters())
    learned = FloorTrackMotion(deceleration=1.5, learn_deceleration=True)
    assert [n for n, _ in learned.named_parameters()] == ['log_deceleration']
    assert torch.allclose(learned.deceleration, torch.full((6,), 1.5))


def test_deceleration_is_learned_from_tracks():
    """Gradient through the fit and the stopping: a prior started at the wrong deceleration
    moves to the one the tracks slide with."""
    cam = camera()
    rng = np.random.default_rng(0)
    true_decel = 1.6
    stats_in, targets = [], []
    for _ in range(8):
        start = rng.uniform(-1, 1, 2)
        vel = rng.uniform(1.5, 3.0) * np.array([np.cos(a := rng.uniform(0, 6.28)), np.sin(a)])
        tr = sliding_track(start, vel, true_decel)
        stats_in.append(stats_of([tr], cam))
        uv, _ = cam.project(np.concatenate([tr, np.full((22, 1), 0.4)], 1))
        targets.append(torch.as_tensor(uv[21, ::-1] - uv[10, ::-1], dtype=torch.float32))
    motion = FloorTrackMotion(deceleration=0.5, learn_deceleration=True)
    opt = torch.optim.Adam(motion.parameters(), lr=0.05)
    for _ in range(150):
        loss = sum(((motion(s)['shift'][0, 1, -1] - t) ** 2).sum() for s, t in zip(stats_in, targets))
        opt.zero_grad()
        loss.backward()
        opt.step()
    # every object here is a metal cube (class 1, group 0): only its deceleration is trained
    assert motion.deceleration[0].item() == pytest.approx(true_decel, rel=0.05)
    assert motion.deceleration[1].item() == pytest.approx(0.5)


def test_build_track_motion_reads_a_motion_prior_config():
    m = build_track_motion(dict(type='MotionPrior', init=4.0, window=2, damping=0.5))
    assert isinstance(m, ImageTrackMotion) and m.window == 2
    assert torch.allclose(m.damping, torch.full((6,), 0.5))
    assert isinstance(build_track_motion(dict(type='FloorTrackMotion')), FloorTrackMotion)
    with pytest.raises(ValueError, match='unknown'):
        FloorTrackMotion(camera=dict(fov=30))
    with pytest.raises(ValueError, match='deceleration takes 1 value or 6'):
        FloorTrackMotion(deceleration=[1.0, 2.0])


def test_a_mask_error_does_not_send_an_object_across_the_world():
    """A class id seen in two far places (a segmenter's mistake) fits an absurd speed: it is
    slowed to ``max_speed``, the size factor stays in the painter's range, gradients finite."""
    cam = camera()
    tr = sliding_track([0.5, -1.0], [1.0, 0.5], 1.0)
    stats = stats_of([tr], cam)
    stats['cx'][0, -2, 1] = 2.0      # the id jumps from the far left ...
    stats['cy'][0, -2, 1] = 5.0      # ... near the top in frame 10
    motion = FloorTrackMotion(deceleration=1.0, learn_deceleration=True, max_speed=6.0)
    out = motion(stats)
    assert torch.isfinite(out['shift']).all() and torch.isfinite(out['scale']).all()
    assert 0.25 <= out['scale'][0, 1].min() and out['scale'][0, 1].max() <= 4.0
    # 6 units / s for 0.88 s is at most ~5.3 floor units: well inside a few image widths
    assert out['shift'][0, 1].abs().max() < 3 * W
    out['shift'][0, 1, -1].sum().backward()
    assert torch.isfinite(motion.log_deceleration.grad).all()
