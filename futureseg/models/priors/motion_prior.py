"""Object motion extrapolated from the input masks: each object of the newest mask moved on
along the track of its centroid, slowing down as its shape and material make it slow down.

``extrapolate_occupancy`` is the one implementation: ``extrapolate_masks`` turns it into
class ids and ``MotionPrior`` predicts it and votes with it, times a learned weight per
horizon, on a future predictor's logits (as ``CopyPrior`` votes with the copied mask), so that
training starts from the extrapolation and learns the rest (collisions, objects entering,
the segmenter's errors).
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from futureseg.structures.metainfo import GROUP_NAMES, NUM_CLASSES, NUM_GROUPS, class_group
from futureseg.structures.objects import (object_centroids, occupancy_scores, paint_objects,  # noqa: F401
                                         pixel_grid)
from futureseg.registry import MODELS
from .base import HorizonWeightedPrior


def class_groups(num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """(shape, material) group (0..5, ``GROUP_NAMES`` order) of each class id; background 0."""
    groups = class_group(torch.arange(num_classes).clamp(min=1))
    groups[0] = 0
    return groups


def travelled(horizons: torch.Tensor, damping: torch.Tensor, last: int) -> torch.Tensor:
    """Frames' worth of the current velocity travelled after each horizon, under a constant
    deceleration that leaves ``damping`` of the constant-velocity distance at ``last``.

    Args:
        horizons (Tensor): (T,) frames ahead (1 = the next frame).
        damping (Tensor): (G,) share of the constant-velocity displacement reached at horizon
            ``last``: 1 keeps the velocity; 0.5 stops exactly at ``last``; below 0.5 the
            object stops earlier (after ``2 * damping * last`` frames) and stays.
        last (int): The horizon ``damping`` refers to (11: frame 22 from frame 11).

    Returns:
        Tensor: (T, G) distances in frames of the starting velocity.
    """
    h = horizons.to(damping.dtype)[:, None]
    d = damping.clamp(0, 1)[None]
    # stopping time in frames: d >= 0.5 -> last / (2 (1 - d)) (inf at d = 1), else 2 d last
    stop = torch.where(d >= 0.5, last / (2 * (1 - d)).clamp(min=1e-6), 2 * d * last)
    s = torch.minimum(h, stop)
    return s - s ** 2 / (2 * stop.clamp(min=1e-6))  # damping 0: s = 0, no move


def object_tracks(masks: torch.Tensor, window: int = 3, num_classes: int = NUM_CLASSES,
                  min_pixels: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Velocity of each object of the newest mask, from its centroids over the last frames.

    Args:
        masks (Tensor): (B, T, H, W) class ids, newest frame last; ids >= num_classes (the
            ignore id) are nobody's pixels.
        window (int): Frames before the newest one whose centroids the velocity is fitted to
            (least squares over ``window + 1`` frames, those where the object is seen).
            Default: 3.
        num_classes (int): Number of classes, background included. Default: 49.
        min_pixels (int): Pixels an object needs in a frame to be seen there. Default: 1.

    Returns:
        tuple[Tensor, Tensor]: ``present`` (B, K) bool, the objects of the newest mask
        (background never), and ``velocity`` (B, K, 2) in pixels per frame (dy, dx); 0 for
        an object seen in one frame only.
    """
    frames = masks[:, max(masks.shape[1] - window - 1, 0):]
    return track_velocity(*object_centroids(frames, num_classes), min_pixels)


def track_velocity(count: torch.Tensor, cy: torch.Tensor, cx: torch.Tensor,
                   min_pixels: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """``object_tracks`` from the centroids (``object_centroids``, each (B, n, K)) of the
    frames the velocity is fitted over, newest last."""
    n = count.shape[1]
    seen = count >= min_pixels
    # least-squares slope of the centroid against time, over the frames where it is seen
    tt = torch.arange(n, dtype=torch.float32, device=count.device).view(1, n, 1)
    m = seen.float()
    k = m.sum(1, keepdim=True).clamp(min=1)
    t_mean = (m * tt).sum(1, keepdim=True) / k
    dt = (tt - t_mean) * m
    var = (dt ** 2).sum(1)
    slope_y = (dt * cy).sum(1) / var.clamp(min=1e-6)
    slope_x = (dt * cx).sum(1) / var.clamp(min=1e-6)
    moving = var > 1e-6  # seen in two frames at least
    velocity = torch.stack([slope_y, slope_x], -1) * moving[..., None]
    present = seen[:, -1].clone()
    present[:, 0] = False
    return present, velocity


def extrapolate_occupancy(masks: torch.Tensor, horizons: Sequence[int], window: int = 3,
                          damping: Union[float, Sequence[float], torch.Tensor] = 1.0,
                          num_classes: int = NUM_CLASSES, last: int = 11) -> torch.Tensor:
    """Where each object of the newest mask will be: its pixels moved along its track.

    Args:
        masks (Tensor): (B, T, H, W) class ids of the input frames, newest last.
        horizons (Sequence[int]): Frames ahead of the newest one to predict (e.g. 1..11, or
            [11] for frame 22 from frame 11).
        window (int): As ``object_tracks``'. Default: 3.
        damping (float | Sequence[float]): One share for every object, or one per
            (shape, material) group in ``GROUP_NAMES`` order (see ``travelled``).
            Default: 1.0 (constant velocity).
        num_classes (int): Number of classes. Default: 49.
        last (int): The horizon the damping refers to. Default: 11.

    Returns:
        Tensor: (B, len(horizons), K, H, W) occupancy in [0, 1] (bilinear, so sub-pixel
        moves keep their mass); channel 0, the background, is what no object covers.
    """
    dev = masks.device
    present, velocity = object_tracks(masks, window, num_classes)
    damping = torch.as_tensor(damping, dtype=torch.float32, device=dev).flatten()
    if damping.numel() not in (1, NUM_GROUPS):
        raise ValueError(f'damping takes 1 value or {NUM_GROUPS} (one per (shape, material): '
                         f'{", ".join(GROUP_NAMES)}), got {damping.numel()}')
    hz = torch.as_tensor(list(horizons), device=dev)
    dist = travelled(hz, damping.expand(NUM_GROUPS), last)          # (T, G)
    bi, ki = present.nonzero(as_tuple=True)
    shift = velocity[bi, ki][:, None] * dist[:, class_groups(num_classes).to(dev)[ki]].T[..., None]
    return paint_objects(masks[:, -1], bi, ki, shift, num_classes=num_classes)


def extrapolate_masks(masks: torch.Tensor, horizons: Sequence[int], window: int = 3,
                      damping: Union[float, Sequence[float], torch.Tensor] = 1.0,
                      num_classes: int = NUM_CLASSES, last: int = 11) -> torch.Tensor:
    """Class ids (B, len(horizons), H, W) of ``extrapolate_occupancy``: a pixel goes to the
    object covering at least half of it, the lowest in the image (nearest the camera) where
    two do; else background. Arguments as ``extrapolate_occupancy``'s."""
    occ = extrapolate_occupancy(masks, horizons, window, damping, num_classes, last)
    return occupancy_scores(occ).argmax(2)


@MODELS.register_module()
class MotionPrior(HorizonWeightedPrior):
    """Predicts the extrapolated object masks; votes with them, times a learned weight per
    horizon, on the logits.

    The objects of the newest input mask are moved along their centroids' track
    (``extrapolate_occupancy``; ``output='occupancy'``), so an untrained model predicts the
    extrapolation wherever its own logits are flat; the weights (one per output horizon)
    learn how far to trust it.

    Its settings are saved in checkpoints (persistent buffers ``damping`` and
    ``window_frames``): a loaded checkpoint's values replace the config's (a damping of the
    other accepted length too); a checkpoint without them (written before they were saved)
    keeps the config's.

    Args:
        init (float): Starting weight of every horizon. Default: 4.0.
        window (int): Frames before the newest one the velocity is fitted over. Default: 3.
        damping (float | Sequence[float]): Share of the constant-velocity displacement
            reached at horizon ``last``, one value or one per (shape, material) in
            ``GROUP_NAMES`` order (fit it with ``tools/benchmarks/motion_extrapolation.py``).
            Default: 1.0.
        future_steps (int): Horizons of a full output (frames 12-22 from frame 11); the
            horizon of a single output step is the last. Default: 11.
        num_classes (int): Classes of the logits. Default: 49.
    """

    output = 'occupancy'
    #: The settings a checkpoint carries (persistent buffers), restored on loading.
    settings = ('damping', 'window_frames')

    def __init__(self, init: float = 4.0, window: int = 3,
                 damping: Union[float, Sequence[float]] = 1.0, future_steps: int = 11,
                 num_classes: int = NUM_CLASSES):
        super().__init__(init, future_steps)
        if window < 1:
            raise ValueError(f'window must be >= 1 (two frames give a velocity), got {window}')
        self.num_classes = num_classes
        damping = torch.as_tensor(damping, dtype=torch.float32).flatten()
        if damping.numel() not in (1, NUM_GROUPS):
            raise ValueError(f'damping takes 1 value or {NUM_GROUPS} ({", ".join(GROUP_NAMES)}), '
                             f'got {damping.numel()}')
        # persistent: a checkpoint carries the settings it was trained with
        self.register_buffer('damping', damping)
        self.register_buffer('window_frames', torch.tensor(int(window)))

    @property
    def window(self) -> int:
        """Frames before the newest one the velocity is fitted over (``window_frames``)."""
        return int(self.window_frames)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        keep_settings(self, state_dict, prefix)
        saved = state_dict.get(prefix + 'damping')
        # the saved damping wins, also when it has the other accepted length (1 or 6 values)
        if (saved is not None and saved.shape != self.damping.shape
                and saved.numel() in (1, NUM_GROUPS) and saved.dim() == 1):
            self.damping = torch.empty_like(saved, device=self.damping.device,
                                            dtype=self.damping.dtype)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def predict(self, masks: torch.Tensor, horizons: Sequence[int]) -> torch.Tensor:
        """The occupancy (B, len(horizons), K, H, W) of the extrapolated ``masks``
        (B, T_in, H, W); no gradient flows through it."""
        with torch.no_grad():
            return extrapolate_occupancy(masks, list(horizons), self.window, self.damping,
                                         self.num_classes, self.future_steps)


def keep_settings(module: nn.Module, state_dict: dict, prefix: str) -> None:
    """Put a module's current ``settings`` buffers into ``state_dict`` (in place) where the
    checkpoint has none (written before they were saved), so that loading keeps the config's
    values instead of reporting them missing; the checkpoint's win where it has them."""
    for name in getattr(module, 'settings', ()):
        state_dict.setdefault(prefix + name, getattr(module, name))
