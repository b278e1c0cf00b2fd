"""Pinhole camera geometry shared by the scene sampler and the MuJoCo renderer.

The sampler needs to know what the camera sees (to start objects out of view and
aim them at an image edge), so the camera is defined here once and handed to MuJoCo
as an explicit pose (``pos`` + ``xyaxes``) and vertical field of view.
"""
from dataclasses import dataclass

import numpy as np


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
