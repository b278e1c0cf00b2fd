"""The objects of class masks: where each one is (centroids), and frames painted from the
objects of a mask moved and scaled (``paint_objects``) with the decision rule of painted
objects (``occupancy_scores``). Class ids are unique in a video, so a class is one object.

Shared by the motion prior and the learned dynamics (models) and by the gap breakdown
(evaluation), which paints the oracle that moves each object by its true displacement.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from .metainfo import NUM_CLASSES


def pixel_grid(h: int, w: int, device=None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Row and column coordinates (H, W) of every pixel, float32."""
    return torch.meshgrid(torch.arange(h, dtype=torch.float32, device=device),
                          torch.arange(w, dtype=torch.float32, device=device), indexing='ij')


def object_centroids(masks: torch.Tensor, num_classes: int = NUM_CLASSES
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pixel count and centroid of every class in every frame.

    Args:
        masks (Tensor): (B, T, H, W) class ids; ids outside [0, num_classes) (the ignore id)
            are nobody's pixels.
        num_classes (int): Number of classes, background included. Default: 49.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``count``, ``cy``, ``cx``, each (B, T, K) float32:
        pixels of class k in frame t and their mean row and column (0 where count is 0).
    """
    b, t, h, w = masks.shape
    ids = masks.long().flatten(2)                                   # (B, T, HW)
    valid = (ids >= 0) & (ids < num_classes)
    ids = torch.where(valid, ids, 0)
    ys, xs = pixel_grid(h, w, masks.device)
    weight = valid.float()
    count = torch.zeros(b, t, num_classes, device=masks.device).scatter_add_(2, ids, weight)
    sum_y = torch.zeros_like(count).scatter_add_(2, ids, weight * ys.flatten())
    sum_x = torch.zeros_like(count).scatter_add_(2, ids, weight * xs.flatten())
    return count, sum_y / count.clamp(min=1), sum_x / count.clamp(min=1)


def paint_objects(last: torch.Tensor, bi: torch.Tensor, ki: torch.Tensor, shift: torch.Tensor,
                  scale: Optional[torch.Tensor] = None, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """Occupancy of objects of the newest mask moved (and scaled) as given.

    Args:
        last (Tensor): (B, H, W) class ids of the newest input mask.
        bi (Tensor): (P,) video of each object to paint.
        ki (Tensor): (P,) class id of each object.
        shift (Tensor): (P, T, 2) its displacement (dy, dx) in pixels at each of T horizons.
        scale (Tensor, optional): (P, T) its size factor about its centroid (perspective);
            None keeps the size. Default: None.
        num_classes (int): Number of classes. Default: 49.

    Returns:
        Tensor: (B, T, K, H, W) occupancy in [0, 1] (bilinear, so sub-pixel moves keep their
        mass); channel 0, the background, is what no object covers.
    """
    b, h, w = last.shape
    nt = shift.shape[1]
    dev = last.device
    occ = torch.zeros((b, nt, num_classes, h, w), dtype=torch.float32, device=dev)
    if len(bi):
        src = (last[bi] == ki.view(-1, 1, 1).to(last.dtype)).float()  # (P, H, W)
        p = len(bi)
        gy, gx = pixel_grid(h, w, dev)
        sy = gy - shift[..., 0, None, None]
        sx = gx - shift[..., 1, None, None]                         # (P, T, H, W)
        if scale is not None:
            # about the source centroid: a pixel at c + d + s (q - c) comes from q
            mass = src.sum((-2, -1)).clamp(min=1)
            cy = ((src * gy).sum((-2, -1)) / mass)[:, None, None, None]
            cx = ((src * gx).sum((-2, -1)) / mass)[:, None, None, None]
            s = scale.clamp(min=0.25)[..., None, None]
            sy = cy + (sy - cy) / s
            sx = cx + (sx - cx) / s
        # sample the newest mask at the moved position: a transform per object and horizon
        grid = torch.stack([2 * sx / max(w - 1, 1) - 1, 2 * sy / max(h - 1, 1) - 1], -1)
        moved = F.grid_sample(src[:, None].expand(p, nt, h, w).reshape(p * nt, 1, h, w),
                              grid.reshape(p * nt, h, w, 2).to(src.dtype), mode='bilinear',
                              padding_mode='zeros', align_corners=True).view(p, nt, h, w)
        occ[bi, :, ki] = moved
    occ[:, :, 0] = (1 - occ[:, :, 1:].sum(2)).clamp(min=0)
    return occ


def occupancy_scores(occ: torch.Tensor) -> torch.Tensor:
    """Scores (same shape as ``occ``, (B, T, K, H, W)) whose arg-max over K is the decision
    rule of painted objects: a pixel goes to the object covering at least half of it, the
    lowest in the image (nearest the camera) where two do; else background. The scores are
    what a model that paints objects returns as its logits, so that its rows and its
    control's go through the same ``argmax`` and post-processors."""
    h = occ.shape[-2]
    rows = torch.arange(h, dtype=torch.float32, device=occ.device).view(1, 1, 1, h, 1)
    mass = occ[:, :, 1:].sum((-2, -1)).clamp(min=1e-6)
    depth = (occ[:, :, 1:] * rows).sum((-2, -1)) / mass               # (B, T, K-1) centroid row
    objects = torch.where(occ[:, :, 1:] >= 0.5, 1 + depth[..., None, None], torch.zeros(()))
    # background scores 0.5: above every object under half, below every object over it
    return torch.cat([torch.full_like(occ[:, :, :1], 0.5), objects], 2)
