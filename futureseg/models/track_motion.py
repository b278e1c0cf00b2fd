"""Where each object of the newest context mask goes by physics alone: its centroid track
extrapolated, in the image (``ImageTrackMotion``, the motion prior's extrapolation) or on the
floor plane the fixed camera sees (``FloorTrackMotion``). Both read the ``frame_stats`` of the
context frames and return, per object and horizon, a displacement in pixels and a size factor,
which ``ObjectDynamicsPredictor`` paints (its control) and corrects (its learned rows).
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn

from futureseg.registry import MODELS
from futureseg.structures.camera import SYNTHETIC_CAMERA, Camera, floor_to_pixels, pixels_to_floor
from futureseg.structures.metainfo import NUM_CLASSES
from .priors.motion_prior import GROUP_NAMES, NUM_GROUPS, class_groups, track_velocity, travelled


def _per_group(values: Union[float, Sequence[float]], name: str) -> torch.Tensor:
    """One value per (shape, material) group from one or ``NUM_GROUPS`` values."""
    t = torch.as_tensor(values, dtype=torch.float32).flatten()
    if t.numel() not in (1, NUM_GROUPS):
        raise ValueError(f'{name} takes 1 value or {NUM_GROUPS} (one per (shape, material): '
                         f'{", ".join(GROUP_NAMES)}), got {t.numel()}')
    return t.expand(NUM_GROUPS).clone()


@MODELS.register_module()
class ImageTrackMotion(nn.Module):
    """The motion prior's extrapolation (``MotionPrior``): each centroid moved on along its
    image track (least-squares velocity over the last ``window + 1`` frames), slowing down so
    that it reaches ``damping`` of the constant-velocity distance at the last horizon; sizes
    kept.

    Args:
        window (int): Frames before the newest one the velocity is fitted over. Default: 3.
        damping (float | Sequence[float]): One value or one per (shape, material), as
            ``MotionPrior``'s. Default: 1.0.
        future_steps (int): Horizons 1..future_steps. Default: 11.
        num_classes (int): Classes. Default: 49.
        min_pixels (int): Pixels an object needs in a frame to be seen there. Default: 1.
    """

    def __init__(self, window: int = 3, damping: Union[float, Sequence[float]] = 1.0,
                 future_steps: int = 11, num_classes: int = NUM_CLASSES, min_pixels: int = 1):
        super().__init__()
        if window < 1:
            raise ValueError(f'window must be >= 1 (two frames give a velocity), got {window}')
        self.window, self.future_steps, self.min_pixels = window, future_steps, min_pixels
        # persistent: a checkpoint carries the prior it was trained on
        self.register_buffer('damping', _per_group(damping, 'damping'))
        self.register_buffer('groups', class_groups(num_classes), persistent=False)

    def num_features(self, num_input_frames: int) -> int:
        """Per-object features it adds to a learned model's (none: the model reads the image
        track itself)."""
        return 0

    def forward(self, stats: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``present`` (B, K), ``shift`` (B, K, S, 2) in pixels (dy, dx), ``scale`` (B, K, S)."""
        count, cy, cx = stats['count'], stats['cy'], stats['cx']
        n = min(self.window + 1, count.shape[1])
        present, velocity = track_velocity(count[:, -n:], cy[:, -n:], cx[:, -n:], self.min_pixels)
        hz = torch.arange(1, self.future_steps + 1, device=count.device)
        dist = travelled(hz, self.damping, self.future_steps)                 # (S, G)
        shift = velocity[:, :, None] * dist[:, self.groups].permute(1, 0)[None, :, :, None]
        return dict(present=present, shift=shift, scale=torch.ones_like(shift[..., 0]))


@MODELS.register_module()
class FloorTrackMotion(nn.Module):
    """Each object's track on the floor: its centroids back-projected through the fixed camera
    onto the plane of object centres, its velocity fitted under the constant deceleration its
    (shape, material) slides with, moved on until it stops, projected back. The displacement
    is what perspective makes of a straight, slowing path (far objects move fewer pixels), and
    the size factor is the ratio of depths (objects grow as they come nearer).

    Args:
        camera (dict, optional): ``pos``, ``target``, ``fovy`` of the camera; None is the
            synthetic generator's (``SYNTHETIC_CAMERA``, without its per-video jitter).
            Default: None.
        object_height (float): Height of the object centres above the floor (the synthetic
            objects' radius), the plane centroids are back-projected onto. Default: 0.4.
        deceleration (float | Sequence[float]): Floor units / s^2 per (shape, material), in
            ``GROUP_NAMES`` order. Default: 1.0.
        learn_deceleration (bool): Make the decelerations parameters (log scale, trained with
            the model that owns this module). Default: False.
        frame_dt (float): Seconds between frames. Default: 0.08.
        window (int): Frames before the newest one the velocity is fitted over. Default: 2.
        max_speed (float): Fastest speed believed, floor units / s: a faster fit is a mask
            error (a class id seen in two places, a segmenter's mistake), slowed to it.
            Default: 6.0.
        future_steps (int): Horizons 1..future_steps. Default: 11.
        num_classes (int): Classes. Default: 49.
        min_pixels (int): Pixels an object needs in a frame to be seen there. Default: 1.
    """

    def __init__(self, camera: Optional[dict] = None, object_height: float = 0.4,
                 deceleration: Union[float, Sequence[float]] = 1.0,
                 learn_deceleration: bool = False, frame_dt: float = 0.08, window: int = 2,
                 max_speed: float = 6.0, future_steps: int = 11, num_classes: int = NUM_CLASSES,
                 min_pixels: int = 1):
        super().__init__()
        if window < 1:
            raise ValueError(f'window must be >= 1 (two frames give a velocity), got {window}')
        camera = dict(SYNTHETIC_CAMERA, **(camera or {}))
        unknown = set(camera) - set(SYNTHETIC_CAMERA)
        if unknown:
            raise ValueError(f'camera takes {sorted(SYNTHETIC_CAMERA)}, got unknown {sorted(unknown)}')
        self.camera = camera
        self.object_height, self.frame_dt, self.max_speed = object_height, frame_dt, max_speed
        self.window, self.future_steps, self.min_pixels = window, future_steps, min_pixels
        log_dec = _per_group(deceleration, 'deceleration').clamp(min=1e-4).log()
        if learn_deceleration:
            self.log_deceleration = nn.Parameter(log_dec)
        else:
            self.register_buffer('log_deceleration', log_dec)
        self.register_buffer('groups', class_groups(num_classes), persistent=False)

    @property
    def deceleration(self) -> torch.Tensor:
        """(G,) floor units / s^2 per (shape, material)."""
        return self.log_deceleration.exp()

    def image_camera(self, height: int, width: int) -> Camera:
        """The camera for masks of this size (the focal length follows the image height)."""
        c = self.camera
        return Camera(pos=np.asarray(c['pos'], float), target=np.asarray(c['target'], float),
                      fovy=float(c['fovy']), width=width, height=height)

    def num_features(self, num_input_frames: int) -> int:
        """Per-object features it adds to a learned model's: every context frame's place on
        the floor along and across the fitted path (2 each), the speed and the deceleration."""
        return 2 * num_input_frames + 2

    def forward(self, stats: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """``present`` (B, K), ``shift`` (B, K, S, 2) in pixels (dy, dx), ``scale`` (B, K, S),
        ``floor_velocity`` (B, K, 2) at the newest frame, floor units / s (the fit, before
        ``max_speed``), and ``features`` (B, K, ``num_features``)."""
        h, w = stats['size']
        cam = self.image_camera(h, w)
        n = min(self.window + 1, stats['count'].shape[1])
        count, cy, cx = (stats[k][:, -n:].permute(0, 2, 1) for k in ('count', 'cy', 'cx'))  # (B, K, n)
        seen = (count >= self.min_pixels).float()
        present = seen[..., -1] > 0
        present[:, 0] = False
        # pixel centres are at i + 0.5 in the camera's continuous coordinates
        xy, ahead = pixels_to_floor(cam, cx + 0.5, cy + 0.5, self.object_height)   # (B, K, n, 2)
        seen = seen * ahead.float()
        xy = xy * seen[..., None]
        t = (torch.arange(n, device=xy.device, dtype=xy.dtype) - (n - 1)) * self.frame_dt  # <= 0
        dec = self.deceleration[self.groups][None, :, None]                          # (1, K, 1)

        def fit(points):
            # weighted least squares of points = p0 + v t over the seen frames
            s0 = seen.sum(-1, keepdim=True).clamp(min=1)
            tm = (seen * t).sum(-1, keepdim=True) / s0
            dt = (t - tm) * seen
            var = (dt ** 2).sum(-1)
            v = (dt[..., None] * points).sum(-2) / var.clamp(min=1e-9)[..., None]
            v = v * (var > 1e-9)[..., None]
            pm = (seen[..., None] * points).sum(-2) / s0
            return pm - v * tm, v                   # position at t = 0 (the newest frame)

        p0, v = fit(xy)
        direction = v / v.norm(dim=-1, keepdim=True).clamp(min=1e-6)
        # a slowing object was faster in the past: remove the deceleration's share, refit
        p0, v = fit(xy + 0.5 * (dec * t ** 2)[..., None] * direction[..., None, :])
        speed = v.norm(dim=-1)
        direction = v / speed.clamp(min=1e-6)[..., None]
        speed = speed.clamp(max=self.max_speed)
        tau = torch.arange(1, self.future_steps + 1, device=xy.device, dtype=xy.dtype) * self.frame_dt
        stop = speed[..., None] / dec.squeeze(-1)[..., None].clamp(min=1e-6)             # (B, K, 1)
        s = torch.minimum(tau, stop)
        dist = speed[..., None] * s - 0.5 * dec.squeeze(-1)[..., None] * s ** 2          # (B, K, S)
        path = p0[..., None, :] + dist[..., None] * direction[..., None, :]             # (B, K, S, 2)
        u0, v0, z0 = floor_to_pixels(cam, p0, self.object_height)
        u1, v1, z1 = floor_to_pixels(cam, path, self.object_height)
        shift = torch.stack([v1 - v0[..., None], u1 - u0[..., None]], -1)
        # a path that leaves the camera's view cone (towards or behind it) is no size cue
        scale = (z0[..., None] / z1.clamp(min=1e-3)).clamp(0.25, 4.0)
        keep = present[..., None]
        # the whole track on the floor, in the frame of the fitted path (along, across): what
        # a learned correction reads of curving paths and changing decelerations
        ac, ay, ax = (stats[k].permute(0, 2, 1) for k in ('count', 'cy', 'cx'))      # (B, K, T)
        track, ok = pixels_to_floor(cam, ax + 0.5, ay + 0.5, self.object_height)
        on = ((ac >= self.min_pixels) & ok).float()[..., None]
        rel = (track - p0[..., None, :]) * on
        across = torch.stack([-direction[..., 1], direction[..., 0]], -1)
        feats = torch.cat([(rel * direction[..., None, :]).sum(-1), (rel * across[..., None, :]).sum(-1),
                           speed[..., None], dec[0, :, 0].expand_as(speed)[..., None]], -1)
        feats = feats.clamp(-20, 20) * present[..., None]
        return dict(present=present, shift=torch.where(keep[..., None], shift, 0.0),
                    scale=torch.where(keep, scale, 1.0), floor_velocity=v * present[..., None],
                    features=feats)


def build_track_motion(prior: Optional[dict], future_steps: int = 11,
                       num_classes: int = NUM_CLASSES) -> nn.Module:
    """The track motion a ``prior`` config names: an ``ImageTrackMotion`` /
    ``FloorTrackMotion`` config, or a ``MotionPrior`` config (or None), read as the image
    extrapolation with that prior's ``window`` and ``damping`` (its other keys are the fusion's,
    not the motion's)."""
    cfg = dict(prior or {})
    kind = cfg.pop('type', 'MotionPrior')
    if kind == 'MotionPrior':
        cfg = dict(type='ImageTrackMotion', window=cfg.get('window', 3), damping=cfg.get('damping', 1.0))
    else:
        cfg['type'] = kind
    cfg.setdefault('future_steps', future_steps)
    cfg.setdefault('num_classes', num_classes)
    return MODELS.build(cfg)
