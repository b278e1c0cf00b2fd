"""Learned object dynamics: where each object of frame 11 is at each future frame.

Class ids are unique in a video, so every object's track over frames 1-11 comes free from the
context masks (``object_centroids``). ``ObjectDynamicsPredictor`` starts from the hand-written
extrapolation (the ``MotionPrior``'s velocity and damping: with ``learn=False`` it *is* that
extrapolation, the learned model's control) and learns a correction per object and horizon
from the whole track, the object's attributes, its place in the fixed camera's image and the
other objects of the video (one self-attention layer: collisions). It paints frame 22 by
moving (and scaling) each object's mask of frame 11 (``paint_objects``) and decides pixels as
the extrapolation does (``occupancy_scores``), so the two differ only in where objects go.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from futureseg.registry import MODELS
from futureseg.structures.metainfo import NUM_CLASSES, NUM_MATERIALS, NUM_SHAPES, attribute_indices
from .data_preprocessor import stack_field
from .future_outputs import FutureMaskOutputs
from futureseg.structures.objects import object_centroids, occupancy_scores, paint_objects
from .track_motion import build_track_motion

#: Rows of the image the pixel features are measured in (the quickstart's 80): a model trained
#: at one resolution reads tracks of another in the same units.
CANONICAL_ROWS = 80.0


def class_attributes(num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """(K, 5) one-hot shape (3) and material (2) of each class id; background all zeros."""
    shape, material, _ = attribute_indices(torch.arange(num_classes).clamp(min=1))
    shape = F.one_hot(shape, NUM_SHAPES)
    material = F.one_hot(material, NUM_MATERIALS)
    out = torch.cat([shape, material], 1).float()
    out[0] = 0
    return out


def frame_stats(masks: torch.Tensor, num_classes: int = NUM_CLASSES) -> Dict[str, torch.Tensor]:
    """What the dynamics reads of each frame, computed once for a whole video so that every
    window of it is a slice: ``count``, ``cy``, ``cx`` (``object_centroids``) and ``border``
    (whether the object touches the image border), each (B, T, K); plus ``size`` (H, W).

    Args:
        masks (Tensor): (B, T, H, W) class ids.
        num_classes (int): Classes. Default: 49.
    """
    masks = masks.long()
    b, t, h, w = masks.shape
    count, cy, cx = object_centroids(masks, num_classes)
    edges = torch.cat([masks[..., 0, :], masks[..., -1, :], masks[..., :, 0], masks[..., :, -1]], -1)
    ids = edges.clamp(0, num_classes - 1)
    border = torch.zeros(b, t, num_classes, device=masks.device).scatter_(2, ids, 1.0) > 0
    return dict(count=count, cy=cy, cx=cx, border=border, size=(h, w))


def window_stats(stats: Dict[str, torch.Tensor], start: int, stop: int) -> Dict[str, torch.Tensor]:
    """The ``frame_stats`` of frames ``start:stop``."""
    out = {k: v[:, start:stop] for k, v in stats.items() if k != 'size'}
    out['size'] = stats['size']
    return out


class TrackFeatures(nn.Module):
    """Per-object features of the context masks and of the physical prior's extrapolation.

    Args:
        num_classes (int): Classes. Default: 49.
        min_pixels (int): Pixels an object needs in a frame to be seen there. Default: 1.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, min_pixels: int = 1):
        super().__init__()
        self.num_classes, self.min_pixels = num_classes, min_pixels
        self.register_buffer('attributes', class_attributes(num_classes), persistent=False)

    def num_features(self, num_input_frames: int) -> int:
        """Length of each object's feature vector for that many context masks: per frame
        the centroid relative to the newest (2), the log area ratio and whether it is seen;
        then place (2), on the border, shape and material (5), and the prior's displacement
        (2) and log size factor (1) at the last horizon."""
        return num_input_frames * 4 + 2 + 1 + NUM_SHAPES + NUM_MATERIALS + 3

    def forward(self, stats: Dict[str, torch.Tensor],
                prior: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Tracks of the objects of the newest context frame.

        Args:
            stats (dict): ``frame_stats`` of the context frames, newest last.
            prior (dict): The prior's extrapolation of them (``ImageTrackMotion`` /
                ``FloorTrackMotion``): ``present``, ``shift``, ``scale``, and the prior's own
                ``features`` where it has some (appended).

        Returns:
            dict: ``present`` (B, K) bool; ``features`` (B, K, F); ``centroid`` (B, K, 2) and
            ``count`` (B, K) in the newest frame; ``unit`` pixels per canonical pixel.
        """
        count, cy, cx = stats['count'], stats['cy'], stats['cx']        # (B, T, K)
        b = count.shape[0]
        h, w = stats['size']
        unit = h / CANONICAL_ROWS
        present = prior['present']
        m = (count >= self.min_pixels).float()
        last_y, last_x = cy[:, -1], cx[:, -1]                           # (B, K)
        rel_y = (cy - last_y[:, None]) * m / unit
        rel_x = (cx - last_x[:, None]) * m / unit
        area = torch.log((count + 1) / (count[:, -1:] + 1)) * m
        per_frame = torch.stack([rel_y, rel_x, area, m], -1)            # (B, T, K, 4)
        per_frame = per_frame.permute(0, 2, 1, 3).flatten(2)            # (B, K, T*4)
        # where it is in the fixed camera's image (perspective, the floor's edges), whether
        # its mask is cut by the border, its shape and material, where the prior sends it
        place = torch.stack([last_y / h * 2 - 1, last_x / w * 2 - 1], -1)
        attrs = self.attributes[None].expand(b, -1, -1)
        on_border = stats['border'][:, -1].float()
        goes = torch.cat([prior['shift'][:, :, -1] / unit,
                          prior['scale'][:, :, -1:].clamp(min=1e-3).log()], -1)
        extra = [prior['features']] if 'features' in prior else []
        feats = torch.cat([per_frame, place, on_border[..., None], attrs, goes] + extra, -1)
        return dict(present=present, features=feats * present[..., None],
                    centroid=torch.stack([last_y, last_x], -1), count=count[:, -1], unit=unit)


@MODELS.register_module()
class ObjectDynamicsPredictor(FutureMaskOutputs, BaseModel):
    """Where each object of the newest context mask goes: the motion prior's extrapolation
    plus a learned correction per object and horizon; frame 22 painted from the moved masks.

    Reads each sample's ``context_masks`` (``LoadVideo(load_context_masks=True)``); trains on
    the masks of the future frames (dataset ``mode='future_masks'``): a Huber loss on each
    object's centroid at every horizon where the object is seen whole (not cut by the border,
    not hidden by more than half), and on its size (perspective).

    Args:
        prior (dict, optional): The physical prior the model starts from
            (``build_track_motion``): an ``ImageTrackMotion`` or ``FloorTrackMotion`` config,
            or a ``MotionPrior`` config (its ``window`` and ``damping``); None is
            ``ImageTrackMotion(window=3, damping=1.0)``. Default: None.
        learn (bool): Learn the correction; False is the prior alone (the control: the same
            painting and decision rule, no parameters trained). Default: True.
        hidden (int): Width of the per-object network. Default: 128.
        interaction (bool): One self-attention layer over the objects of a video (how one
            object's track bears on another's: collisions). Default: True.
        heads (int): Attention heads. Default: 4.
        learn_scale (bool): Also predict each object's size change (perspective). Default: True.
        num_input_frames (int): Context masks read (frames 1-11). Default: 11.
        future_steps (int): Horizons predicted (frames 12-22). Default: 11.
        output (str): 'last' paints frame 22 only; 'all' the 11 future frames. Default: 'last'.
        huber_beta (float): Huber loss transition, in canonical pixels. Default: 1.0.
        time_shifts (int): Extra training windows per batch: besides frames 1-11 -> 12-22,
            this many windows drawn from 2-12 ... 11-21 (each predicts the frames left after
            it), so that every video teaches each object's path from 11 starting points.
            Default: 0.
        dropout (float): Dropout in the per-object network. Default: 0.0.
        horizon_power (float): Each horizon h of the loss weighs ``(h / future_steps) **
            horizon_power`` (0: all alike; frame 22, the one scored, is the last). Default: 0.0.
        min_visible (float): A future mask counts as a target where the object keeps at
            least this share of its frame-11 pixels (less: hidden or leaving). Default: 0.6.
        num_classes (int): Classes. Default: 49.
        postprocessors (Sequence[dict]): As ``FutureMaskOutputs``'. Default: ().
        known_objects (dict, optional): As ``FutureMaskOutputs``'. Default: None.
        data_preprocessor (dict, optional): None means ``dict(type='VideoDataPreprocessor')``.
            Default: None.
        init_cfg (dict, optional): MMEngine init config. Default: None.
    """

    def __init__(self, prior: Optional[dict] = None, learn: bool = True, hidden: int = 128,
                 interaction: bool = True, heads: int = 4, learn_scale: bool = True,
                 num_input_frames: int = 11, future_steps: int = 11, output: str = 'last',
                 huber_beta: float = 1.0, time_shifts: int = 0, dropout: float = 0.0,
                 horizon_power: float = 0.0,
                 min_visible: float = 0.6, num_classes: int = NUM_CLASSES,
                 postprocessors: Sequence[dict] = (), known_objects: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor or dict(type='VideoDataPreprocessor'),
                         init_cfg=init_cfg)
        if output not in ('last', 'all'):
            raise ValueError(f"output must be 'last' or 'all', got {output!r}")
        self.prior = build_track_motion(prior, future_steps, num_classes)
        self.tracks = TrackFeatures(num_classes)
        self.learn, self.learn_scale, self.output = learn, learn_scale, output
        self.future_steps, self.num_classes = future_steps, num_classes
        self.num_input_frames = num_input_frames
        self.huber_beta, self.min_visible = huber_beta, min_visible
        self.time_shifts, self.horizon_power = time_shifts, horizon_power
        self.init_postprocessing(postprocessors, known_objects)
        if learn:
            self.embed = nn.Sequential(
                nn.Linear(self.tracks.num_features(num_input_frames)
                          + self.prior.num_features(num_input_frames), hidden), nn.GELU(),
                nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout))
            self.interact = nn.TransformerEncoderLayer(
                hidden, heads, dim_feedforward=2 * hidden, dropout=0.0, batch_first=True,
                norm_first=True) if interaction else None
            self.head = nn.Linear(hidden, future_steps * 3)  # (dy, dx, log scale) per horizon
            # zero start: an untrained model is exactly its prior
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    # -- where objects go ------------------------------------------------------------------
    def motion(self, stats: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Displacement (B, K, S, 2) in pixels and size factor (B, K, S) of every object of
        the newest context frame at horizons 1..S, plus the tracks (``TrackFeatures``), from
        the context frames' ``frame_stats``."""
        pr = self.prior(stats)
        tr = self.tracks(stats, pr)
        shift, scale = pr['shift'], pr['scale']
        if self.learn:
            x = self.embed(tr['features'])
            if self.interact is not None:
                x = self.interact(x, src_key_padding_mask=~tr['present'])
            out = self.head(x).unflatten(-1, (self.future_steps, 3))
            shift = shift + out[..., :2] * tr['unit']
            if self.learn_scale:
                # within the painter's range (paint_objects clamps at 0.25), no overflow
                scale = (scale * out[..., 2].clamp(-3, 3).exp()).clamp(0.25, 4.0)
        present = tr['present'][..., None]
        tr.update(shift=shift * present[..., None], scale=torch.where(present, scale, 1.0))
        return tr

    def horizons(self) -> List[int]:
        """The horizons painted: frame 22 only ('last') or all 11 ('all')."""
        return [self.future_steps] if self.output == 'last' else list(range(1, self.future_steps + 1))

    def occupancy(self, masks: torch.Tensor, horizons: Sequence[int]) -> torch.Tensor:
        """Occupancy (B, len(horizons), K, H, W) of the future frames ``horizons`` (1-based,
        of 1..future_steps) painted from the context masks (B, T, H, W): each object's mask of
        the newest frame moved and scaled to where the model sends it (``paint_objects``)."""
        mo = self.motion(frame_stats(masks, self.num_classes))
        hz = torch.as_tensor(list(horizons), device=masks.device) - 1
        bi, ki = mo['present'].nonzero(as_tuple=True)
        return paint_objects(masks[:, -1].long(), bi, ki, mo['shift'][bi, ki][:, hz],
                             mo['scale'][bi, ki][:, hz], self.num_classes)

    def logits(self, masks: torch.Tensor) -> torch.Tensor:
        """Scores (B, T', K, H, W) of the painted future frames (``occupancy_scores``)."""
        return occupancy_scores(self.occupancy(masks, self.horizons()))

    # -- training --------------------------------------------------------------------------
    def motion_loss(self, context: Dict[str, torch.Tensor],
                    future: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Huber losses of the predicted centroids (and sizes) against the true ones, over the
        objects seen whole in the future frames: ``frame_stats`` of the context frames and of
        S <= future_steps future frames (horizons 1..S)."""
        mo = self.motion(context)
        count, cy, cx = (future[k].permute(0, 2, 1) for k in ('count', 'cy', 'cx'))  # (B, K, S)
        s = count.shape[-1]
        ok = mo['present'][..., None] & (count >= self.min_visible * mo['count'][..., None]) \
            & ~future['border'].permute(0, 2, 1) & (count > 0)
        target = torch.stack([cy, cx], -1) - mo['centroid'][:, :, None]
        unit = mo['unit']
        hz = torch.arange(1, s + 1, device=count.device, dtype=torch.float32) / self.future_steps
        w = ok.float() * hz ** self.horizon_power
        n = w.sum().clamp(min=1e-6)
        err = F.smooth_l1_loss(mo['shift'][:, :, :s] / unit, target / unit, beta=self.huber_beta,
                               reduction='none').sum(-1)
        losses = dict(loss_centroid=(err * w).sum() / n)
        if self.learn_scale:
            # size: the square root of the area ratio
            ratio = 0.5 * torch.log(count.clamp(min=1) / mo['count'][..., None].clamp(min=1))
            err_s = F.smooth_l1_loss(torch.log(mo['scale'][:, :, :s].clamp(min=1e-3)), ratio, beta=0.1,
                                     reduction='none')
            losses['loss_scale'] = (err_s * w).sum() / n
        return losses

    def loss(self, masks: torch.Tensor, future: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``motion_loss`` of frames 1-11 -> the future masks (B, S, H, W), averaged with that
        of ``time_shifts`` later windows of the same videos."""
        if future.shape[1] != self.future_steps:
            raise ValueError(f'training needs the masks of all {self.future_steps} future frames '
                             f"(dataset mode='future_masks'), got {future.shape[1]}")
        t = masks.shape[1]
        offsets = [0]
        if self.time_shifts:
            later = torch.randperm(self.future_steps - 1)[:self.time_shifts] + 1
            offsets += later.tolist()
        stats = frame_stats(torch.cat([masks, future], 1), self.num_classes)
        total: Dict[str, torch.Tensor] = {}
        for o in offsets:
            losses = self.motion_loss(window_stats(stats, o, o + t),
                                      window_stats(stats, o + t, stats['count'].shape[1]))
            for k, v in losses.items():
                total[k] = total.get(k, 0) + v / len(offsets)
        return total

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        masks = self.context(inputs, data_samples)
        if masks.shape[1] != self.num_input_frames:
            raise ValueError(f'the model reads {self.num_input_frames} context masks, got '
                             f'{masks.shape[1]}')
        if mode == 'loss':
            if not self.learn:
                raise ValueError('learn=False is the prior alone: nothing to train; test it '
                                 'with tools/test.py CONFIG (no checkpoint needed)')
            return self.loss(masks, stack_field(data_samples, 'gt_masks'))
        return self.finish(self.logits(masks), data_samples, mode)

    @property
    def reads(self) -> Tuple[str, ...]:
        """The sample fields read at test time: the context masks (the objects' tracks), and the
        post-processors' source."""
        return self.reads_with_known(('context_masks', ))
