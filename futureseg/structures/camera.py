"""Pinhole camera geometry: the synthetic generator's camera, and the floor plane it sees.

The scene sampler needs to know what the camera sees (to start objects out of view and aim
them at an image edge), the renderer hands the same pose to MuJoCo (``pos`` + ``xyaxes``),
and models that reason on the floor (``FloorTrackMotion``) map pixels to floor points and
back with ``pixels_to_floor`` / ``floor_to_pixels`` (torch, differentiable).
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np
import torch


#: The synthetic generator's camera (CLEVR's pose), before its per-video jitter: the default
#: of the scene sampler and of models that reason on the floor of its videos.
SYNTHETIC_CAMERA = dict(pos=(7.5, -6.5, 5.3), target=(0.0, 0.0, 0.0), fovy=34.0)


@dataclass
class Camera:
    pos: np.ndarray       # (3,) world position
    target: np.ndarray    # (3,) point looked at
    fovy: float           # vertical field of view, degrees
    width: int
    height: int

    def axes(self):
        """Unit right, up and backward vectors (MuJoCo's camera looks along -z)."""
        back = self.pos - self.target
        back = back / np.linalg.norm(back)
        right = np.cross(np.array([0.0, 0.0, 1.0]), back)
        right /= np.linalg.norm(right)
        up = np.cross(back, right)
        return right, up, back

    @property
    def focal(self):
        return 0.5 * self.height / np.tan(np.deg2rad(self.fovy) / 2)

    def project(self, points):
        """World points (N, 3) -> pixel (u, v) (N, 2) and depth (N,) (>0 in front)."""
        right, up, back = self.axes()
        rel = np.atleast_2d(points) - self.pos
        x, y, z = rel @ right, rel @ up, -(rel @ back)
        with np.errstate(divide='ignore', invalid='ignore'):
            u = self.width / 2 + self.focal * x / z
            v = self.height / 2 - self.focal * y / z
        return np.stack([u, v], axis=1), z

    def floor_point(self, u, v, z=0.0):
        """The point at height z seen at pixel (u, v) (ray/plane intersection)."""
        right, up, back = self.axes()
        ray = (-back * self.focal + right * (u - self.width / 2) - up * (v - self.height / 2))
        t = (z - self.pos[2]) / ray[2]
        if t <= 0:
            raise ValueError(f'pixel ({u}, {v}) does not look at the floor')
        return self.pos + t * ray

    def sees(self, points, margin=0.0):
        """Whether each point projects inside the image (shrunk by ``margin`` px)."""
        uv, depth = self.project(points)
        return ((depth > 0) & (uv[:, 0] >= -margin) & (uv[:, 0] < self.width + margin)
                & (uv[:, 1] >= -margin) & (uv[:, 1] < self.height + margin))

    def xyaxes(self):
        right, up, _ = self.axes()
        return np.concatenate([right, up])


def _axes_tensor(camera: Camera, like: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Position, right, up, back of ``camera`` as float tensors on ``like``'s device."""
    right, up, back = camera.axes()
    return tuple(torch.as_tensor(np.asarray(a, np.float64), dtype=like.dtype, device=like.device)
                 for a in (camera.pos, right, up, back))


def pixels_to_floor(camera: Camera, u: torch.Tensor, v: torch.Tensor,
                    height: float = 0.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """The points at ``height`` above the floor seen at pixels (u, v) (``Camera.floor_point``
    for tensors: ray / plane intersection).

    Args:
        camera (Camera): The camera.
        u (Tensor): Column coordinates (any shape; pixel centres at i + 0.5).
        v (Tensor): Row coordinates, same shape.
        height (float): Height of the plane. Default: 0.0.

    Returns:
        tuple[Tensor, Tensor]: floor (x, y) (..., 2) and whether the pixel's ray meets the
        plane in front of the camera (...) (pixels above the horizon do not).
    """
    pos, right, up, back = _axes_tensor(camera, u)
    ray = (-back * camera.focal + right * (u - camera.width / 2)[..., None]
           - up * (v - camera.height / 2)[..., None])
    t = (height - pos[2]) / torch.where(ray[..., 2].abs() < 1e-9, torch.full_like(u, -1e-9), ray[..., 2])
    point = pos + t[..., None] * ray
    return point[..., :2], t > 0


def floor_to_pixels(camera: Camera, xy: torch.Tensor,
                    height: float = 0.0) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pixels (u, v) and depth of floor points (``Camera.project`` for tensors).

    Args:
        camera (Camera): The camera.
        xy (Tensor): (..., 2) floor points.
        height (float): Height of the points above the floor. Default: 0.0.

    Returns:
        tuple[Tensor, Tensor, Tensor]: u, v and depth (> 0 in front of the camera), each (...).
    """
    pos, right, up, back = _axes_tensor(camera, xy)
    rel = torch.cat([xy, torch.full_like(xy[..., :1], height)], -1) - pos
    x, y, z = rel @ right, rel @ up, -(rel @ back)
    z_safe = torch.where(z.abs() < 1e-9, torch.full_like(z, 1e-9), z)
    return (camera.width / 2 + camera.focal * x / z_safe,
            camera.height / 2 - camera.focal * y / z_safe, z)
