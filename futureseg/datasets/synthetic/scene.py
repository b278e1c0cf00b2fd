"""Scene samplers: which objects a video holds, where they start and how they move.

A scene is a plain, JSON-serialisable dict; the renderer turns it into frames and masks.
"""
from typing import Sequence, Tuple

import numpy as np

from futureseg.registry import SCENE_SAMPLERS
from ..metainfo import COLORS, MATERIALS, SHAPES, attributes
from futureseg.structures.camera import SYNTHETIC_CAMERA, Camera

# Friction and restitution of public CLEVRER-like generators (Bullet). Bullet multiplies
# the two friction coefficients of a contact; the renderer reproduces that.
FLOOR_PHYSICS = dict(friction=0.3, restitution=0.5)
MATERIAL_PHYSICS = {
    'metal': dict(friction=0.4, restitution=0.3, density=2.7),
    'rubber': dict(friction=0.8, restitution=0.7, density=1.1),
}
GRAVITY = 9.81


@SCENE_SAMPLERS.register_module()
class CLEVRERSceneSampler:
    """Samples CLEVRER-like scenes: 3-6 objects of one size on a gray floor, some at rest,
    some sliding, some entering from the left, right or bottom image edge, before or
    after frame 11.

    Args:
        num_objects (tuple[int, int]): Inclusive range of objects per video (within 1..48).
            Default: (3, 6).
        late_entry_prob (float): Share of videos that get objects entering after frame 11
            (the hard case of the task). Default: 0.33.
        early_entry_prob (float): Chance that each further object enters during frames 2-11
            instead of being in view at frame 1. Default: 0.35.
        moving_prob (float): Chance that an object in view at frame 1 is moving. Default: 0.6.
        speed (tuple[float, float]): Range of speeds (floor units / s) of the objects moving
            at frame 1. Default: (1.5, 4.0).
        entry_speed (tuple[float, float]): Range of speeds (floor units / s) at which
            entering objects cross the image edge. Default: (2.0, 4.0).
        object_radius (float): Half size of every object. Default: 0.4.
        num_frames (int): Frames per video. Default: 22.
        frame_dt (float): Seconds between frames. Default: 0.08.
        camera_pos (tuple[float, float, float]): CLEVR's camera position.
            Default: (7.5, -6.5, 5.3).
        camera_target (tuple[float, float, float]): The point the camera looks at.
            Default: (0.0, 0.0, 0.0).
        camera_jitter (float): Uniform jitter of the camera position and (in x, y) target, per
            video. Default: 0.25.
        fovy (float): Vertical field of view in degrees. Default: 34.0.
        light_jitter (float): Uniform jitter of the light position (-1, -6, 10), per video.
            Default: 0.5.
    """

    def __init__(self,
                 num_objects: Tuple[int, int] = (3, 6),
                 late_entry_prob: float = 0.33,
                 early_entry_prob: float = 0.35,
                 moving_prob: float = 0.6,
                 speed: Tuple[float, float] = (1.5, 4.0),
                 entry_speed: Tuple[float, float] = (2.0, 4.0),
                 object_radius: float = 0.4,
                 num_frames: int = 22,
                 frame_dt: float = 0.08,
                 camera_pos: Sequence[float] = SYNTHETIC_CAMERA['pos'],
                 camera_target: Sequence[float] = SYNTHETIC_CAMERA['target'],
                 camera_jitter: float = 0.25,
                 fovy: float = SYNTHETIC_CAMERA['fovy'],
                 light_jitter: float = 0.5):
        lo, hi = num_objects
        if not 1 <= lo <= hi <= len(SHAPES) * len(MATERIALS) * len(COLORS):
            raise ValueError(f'num_objects must be a range within 1..48, got {num_objects}')
        self.num_objects = (lo, hi)
        self.late_entry_prob = late_entry_prob
        self.early_entry_prob = early_entry_prob
        self.moving_prob = moving_prob
        self.speed = speed
        self.entry_speed = entry_speed
        self.radius = object_radius
        self.num_frames = num_frames
        self.frame_dt = frame_dt
        self.camera_pos = np.asarray(camera_pos, float)
        self.camera_target = np.asarray(camera_target, float)
        self.camera_jitter = camera_jitter
        self.fovy = fovy
        self.light_jitter = light_jitter

    # ------------------------------------------------------------------ helpers
    def _camera(self, rng, width, height):
        pos = self.camera_pos + rng.uniform(-self.camera_jitter, self.camera_jitter, 3)
        target = self.camera_target + rng.uniform(-self.camera_jitter, self.camera_jitter, 3) * [1, 1, 0]
        return Camera(pos=pos, target=target, fovy=self.fovy, width=width, height=height)

    def _corners(self, xy):
        r = self.radius
        offs = np.array([[dx, dy, dz] for dx in (-r, r) for dy in (-r, r) for dz in (0, 2 * r)])
        return np.array([xy[0], xy[1], 0.0]) + offs

    def _free(self, xy, placed, min_gap):
        return all(np.hypot(*(xy - p)) >= min_gap for p in placed)

    def _decel(self, shape, material):
        # Sliding objects lose mu*g; spheres soon roll and keep most of their speed.
        mu = FLOOR_PHYSICS['friction'] * MATERIAL_PHYSICS[material]['friction']
        return 0.15 if shape == 'sphere' else mu * GRAVITY

    def _place_in_view(self, rng, cam, placed):
        for _ in range(200):
            u = rng.uniform(0.1, 0.9) * cam.width
            v = rng.uniform(0.25, 0.92) * cam.height
            xy = cam.floor_point(u, v, z=self.radius)[:2]
            if self._free(xy, placed, 3.0 * self.radius) and cam.sees(self._corners(xy)).all():
                return xy
        return None

    def _place_entering(self, rng, cam, placed, entry_frame, shape, material):
        """Start out of view, aimed through an image edge so that it crosses it at about
        ``entry_frame`` (free sliding; the real entry frame is measured from the masks)."""
        w, h = cam.width, cam.height
        for _ in range(200):
            edge = rng.choice(['left', 'right', 'bottom'], p=[0.35, 0.35, 0.3])
            if edge == 'left':
                u, v = 0.0, rng.uniform(0.35, 1.0) * h
            elif edge == 'right':
                u, v = float(w), rng.uniform(0.35, 1.0) * h
            else:
                u, v = rng.uniform(0.0, 1.0) * w, float(h)
            border = cam.floor_point(u, v, z=self.radius)[:2]
            aim = cam.floor_point(rng.uniform(0.3, 0.7) * w, rng.uniform(0.4, 0.85) * h,
                                  z=self.radius)[:2]
            direction = (aim - border) / np.linalg.norm(aim - border)
            v_edge = rng.uniform(*self.entry_speed)
            a = self._decel(shape, material)
            t = entry_frame * self.frame_dt
            dist = v_edge * t + 0.5 * a * t * t + self.radius
            start = border - direction * dist
            # push further out until no part of the object is visible at frame 1
            for _ in range(100):
                if not cam.sees(self._corners(start)).any():
                    break
                start = start - direction * self.radius
                dist += self.radius
            if not self._free(start, placed, 3.0 * self.radius):
                continue
            speed0 = np.sqrt(v_edge ** 2 + 2 * a * (dist - self.radius))
            return start, direction * speed0
        return None, None

    # ------------------------------------------------------------------ sampling
    def __call__(self, rng: np.random.Generator, width: int, height: int) -> dict:
        cam = self._camera(rng, width, height)
        n = int(rng.integers(self.num_objects[0], self.num_objects[1] + 1))
        classes = rng.choice(np.arange(1, 49), size=n, replace=False)

        # Roles: at least one object in view at frame 1; late entrants make the task hard.
        roles = ['in_view'] * n
        order = list(range(n))
        num_late = 0
        if n > 1 and rng.random() < self.late_entry_prob:
            num_late = 2 if (n > 3 and rng.random() < 0.25) else 1
        for k in order[n - num_late:]:
            roles[k] = 'late'
        for k in order[1:n - num_late]:
            if rng.random() < self.early_entry_prob:
                roles[k] = 'early'

        objects, placed = [], []
        for k in range(n):
            cid = int(classes[k])
            shape, material, color = attributes(cid)
            planned = None
            if roles[k] == 'in_view':
                xy = self._place_in_view(rng, cam, placed)
                if xy is None:
                    continue
                vel = np.zeros(2)
                if rng.random() < self.moving_prob:
                    if placed and rng.random() < 0.5:  # aim at another object: collisions
                        other = placed[int(rng.integers(len(placed)))]
                        direction = (other - xy) / max(np.linalg.norm(other - xy), 1e-6)
                    else:
                        ang = rng.uniform(0, 2 * np.pi)
                        direction = np.array([np.cos(ang), np.sin(ang)])
                    vel = direction * rng.uniform(*self.speed)
            else:
                planned = int(rng.integers(1, 11) if roles[k] == 'early'
                              else rng.integers(12, self.num_frames - 2))
                xy, vel = self._place_entering(rng, cam, placed, planned, shape, material)
                if xy is None:
                    continue
            placed.append(xy)
            objects.append(dict(
                class_id=cid, shape=shape, material=material, color=color, role=roles[k],
                planned_entry_frame=planned,
                position=[round(float(xy[0]), 6), round(float(xy[1]), 6), self.radius],
                yaw=round(float(rng.uniform(0, np.pi / 2)), 6),
                velocity=[round(float(vel[0]), 6), round(float(vel[1]), 6)],
            ))
        light = (np.array([-1.0, -6.0, 10.0]) + rng.uniform(-1, 1, 3) * self.light_jitter)
        return dict(
            num_frames=self.num_frames,
            frame_dt=self.frame_dt,
            object_radius=self.radius,
            camera=dict(pos=[round(float(x), 6) for x in cam.pos],
                        target=[round(float(x), 6) for x in cam.target], fovy=self.fovy),
            light=dict(pos=[round(float(x), 6) for x in light]),
            objects=objects,
        )

