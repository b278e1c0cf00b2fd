"""Where the gap lies: a prediction of frame 22 beside its oracles, and per group of objects
(entering, collided, moving, static) how well it is predicted and what it holds of the gap.

For one video, from the true masks of frames 1-11 and of frame 22 (and its ``scene.json``,
whose collisions name the objects that hit something between frames 11 and 22):

- the *causal bound*: the true frame 22 without the objects that enter after frame 11 (what
  no method that sees frames 1-11 can know);
- the *oracle shift*: every object of the true frame 11 moved by its true centroid
  displacement to frame 22 (``paint_objects``): the best any "move the frame-11 mask"
  predictor can do;
- per group: the objects' count, their mean IoU, and the Jaccard the prediction would gain if
  that group's objects were predicted perfectly (their true pixels written in, their false
  ones taken out).

All scores are the competition Jaccard over the whole split (one confusion matrix a row).
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from futureseg.registry import METRICS
from futureseg.structures import IGNORE_INDEX, NUM_CLASSES, present_classes
from futureseg.structures.objects import object_centroids, occupancy_scores, paint_objects
from .functional import confusion_matrix, jaccard_index

GROUPS = ('entering', 'collided', 'moving', 'static')
#: A frame-11 object whose centroid moves less than this (pixels, frame 11 -> 22) is static.
STATIC_PIXELS = 1.0


def read_collisions(video_dir: Optional[str]) -> Optional[Dict[int, List[int]]]:
    """Class ids of the objects in each collision of a generated video's ``scene.json``, by
    frame (0-based), or None when the video has no scene file (the course data)."""
    path = osp.join(video_dir, 'scene.json') if video_dir else None
    if not path or not osp.isfile(path):
        return None
    with open(path) as f:
        scene = json.load(f)
    ids = [o['class_id'] for o in scene.get('objects', [])]
    out: Dict[int, List[int]] = {}
    for c in scene.get('collisions', []):
        out.setdefault(int(c['frame']), []).extend(ids[i] for i in c['objects'] if i < len(ids))
    return out


def object_groups(context: torch.Tensor, last: torch.Tensor,
                  collisions: Optional[Dict[int, List[int]]] = None, first: int = 10,
                  num_classes: int = NUM_CLASSES) -> Dict[int, str]:
    """The group of each object of one video's true frame 22 or frame 11.

    Args:
        context (Tensor): (T, H, W) true masks of frames 1-11.
        last (Tensor): (H, W) true mask of frame 22.
        collisions (dict, optional): ``read_collisions``; None: no object counts as collided
            (they fall into 'moving'). Default: None.
        first (int): Index of the newest context frame (frame 11). Default: 10.
        num_classes (int): Classes. Default: 49.

    Returns:
        dict: class id -> 'entering' (not in frames 1-11), 'collided' (in a collision after
        frame 11), 'moving' (its centroid moved at least ``STATIC_PIXELS``; or it left the
        view) or 'static'.
    """
    both = torch.stack([context[-1], last])
    count, cy, cx = object_centroids(both[None].long(), num_classes)
    seen_before = present_classes(context, num_classes=num_classes)
    hit = set()
    for frame, objs in (collisions or {}).items():
        if frame > first:
            hit.update(objs)
    groups = {}
    for k in range(1, num_classes):
        at11, at22 = count[0, 0, k] > 0, count[0, 1, k] > 0
        if not (at11 or at22):
            continue
        if k not in seen_before:
            groups[k] = 'entering'
        elif k in hit:
            groups[k] = 'collided'
        elif at11 and at22:
            moved = torch.hypot(cy[0, 1, k] - cy[0, 0, k], cx[0, 1, k] - cx[0, 0, k])
            groups[k] = 'moving' if moved >= STATIC_PIXELS else 'static'
        else:
            groups[k] = 'moving'  # seen before, gone from or back in view by frame 22
    return groups


def oracle_shift(context: torch.Tensor, last: torch.Tensor,
                 num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """The true frame-11 mask with each object moved by its true centroid displacement to
    frame 22 (objects gone by then are dropped), painted and decided as the motion prior's
    extrapolation is (``paint_objects``, ``occupancy_scores``). (H, W) class ids."""
    both = torch.stack([context[-1], last]).long()
    count, cy, cx = object_centroids(both[None], num_classes)
    keep = (count[0, 0] > 0) & (count[0, 1] > 0)
    keep[0] = False
    ki = keep.nonzero().flatten()
    shift = torch.stack([cy[0, 1, ki] - cy[0, 0, ki], cx[0, 1, ki] - cx[0, 0, ki]], -1)[:, None]
    occ = paint_objects(both[:1], torch.zeros_like(ki), ki, shift, num_classes=num_classes)
    return occupancy_scores(occ).argmax(2)[0, 0]


def _fix_group(pred: np.ndarray, truth: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """The prediction with these classes predicted perfectly."""
    out = pred.copy()
    sel = np.isin(truth, classes) | np.isin(pred, classes)
    out[sel] = truth[sel]
    return out


class GapTally:
    """Accumulates ``gap_breakdown`` over videos: confusion matrices and per-object IoUs.

    Args:
        num_classes (int): Classes. Default: 49.
    """

    def __init__(self, num_classes: int = NUM_CLASSES):
        self.num_classes = num_classes
        self.cms: Dict[str, np.ndarray] = {}
        self.ious: Dict[str, List[float]] = {g: [] for g in GROUPS}
        self.with_collisions = True

    def _add(self, key: str, pred: np.ndarray, truth: np.ndarray) -> None:
        cm = confusion_matrix(pred, truth, self.num_classes)
        self.cms[key] = self.cms.get(key, 0) + cm

    def add(self, pred, context, last, collisions: Optional[Dict[int, List[int]]] = None) -> None:
        """One video: its predicted frame 22 (H, W), true masks of frames 1-11 (T, H, W), true
        frame 22 (H, W), collisions (``read_collisions``; None if unknown)."""
        pred, context, last = (torch.as_tensor(np.asarray(x)).long() for x in (pred, context, last))
        self.with_collisions &= collisions is not None
        groups = object_groups(context, last, collisions, num_classes=self.num_classes)
        p, t = pred.numpy(), last.numpy()
        self._add('prediction', p, t)
        entering = [k for k, g in groups.items() if g == 'entering']
        bound = t.copy()
        bound[np.isin(t, entering)] = 0
        self._add('causal bound', bound, t)
        self._add('oracle shift', oracle_shift(context, last, self.num_classes).numpy(), t)
        valid = t != IGNORE_INDEX
        for g in GROUPS:
            members = [k for k, gg in groups.items() if gg == g]
            self._add(f'fixed:{g}', _fix_group(p, t, members), t)
            for k in members:
                inter = ((p == k) & (t == k) & valid).sum()
                union = (((p == k) | (t == k)) & valid).sum()
                if union:
                    self.ious[g].append(inter / union)

    def summary(self) -> Dict[str, dict]:
        """Rows: 'causal bound', 'oracle shift', 'prediction' (jaccard) and per group
        (count, mean_iou, holds: the Jaccard gained by predicting it perfectly)."""
        pred = jaccard_index(self.cms['prediction'])
        out = {k: dict(jaccard=jaccard_index(self.cms[k]))
               for k in ('causal bound', 'oracle shift', 'prediction')}
        for g in GROUPS:
            ious = self.ious[g]
            out[g] = dict(count=len(ious), mean_iou=float(np.mean(ious)) if ious else float('nan'),
                          holds=jaccard_index(self.cms[f'fixed:{g}']) - pred)
        out['collisions_known'] = self.with_collisions
        return out


def with_gap_breakdown(evaluators) -> list:
    """A config's ``test_evaluator`` (one dict or a list) as a list with the ``GapBreakdown``
    metric added (once): what tests that report the gap breakdown run."""
    evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else \
        ([evaluators] if evaluators else [])
    evaluators = [dict(e) for e in evaluators]
    if not any(str(e.get('type', '')).split('.')[-1] == 'GapBreakdown' for e in evaluators):
        evaluators.append(dict(type='GapBreakdown'))
    return evaluators


def gap_summary(metrics: dict, prefix: str = 'gap') -> dict:
    """The ``GapTally.summary`` layout from a test's flat metrics (``GapBreakdown``'s
    ``gap/<row>_jaccard`` and ``gap/<group>_<field>`` keys)."""
    out = {k: dict(jaccard=metrics[f'{prefix}/{k.replace(" ", "_")}_jaccard'])
           for k in ('causal bound', 'oracle shift', 'prediction')}
    for g in GROUPS:
        out[g] = {f: metrics[f'{prefix}/{g}_{f}'] for f in ('count', 'mean_iou', 'holds')}
    return out


def format_gap_table(summary: Dict[str, dict]) -> str:
    """The ``GapTally.summary`` as a Markdown table."""
    lines = ['| row | Jaccard | objects | mean IoU | Jaccard it holds |', '|---|---|---|---|---|']
    for k in ('causal bound', 'oracle shift', 'prediction'):
        lines.append(f'| {k} | {summary[k]["jaccard"]:.4f} | | | |')
    for g in GROUPS:
        r = summary[g]
        lines.append(f'| {g} objects | | {int(r["count"])} | {r["mean_iou"]:.4f} | +{r["holds"]:.4f} |')
    if not summary.get('collisions_known', True):
        lines.append('\n(no scene.json: collided objects are counted as moving)')
    return '\n'.join(lines)


@METRICS.register_module()
class GapBreakdown(BaseMetric):
    """The gap breakdown of a future model's test (``GapTally``): the causal bound, the
    oracle shift and the prediction of frame 22, and per object group (entering, collided,
    moving, static) the count, mean IoU and the Jaccard it holds. Logged as a table; metrics
    ``gap/<row>_jaccard`` and ``gap/<group>_{count,mean_iou,holds}``.

    Needs the true masks of frames 1-11 in each sample (``LoadVideo(load_input_masks='auto')``,
    as the context-mask test pipeline has) and reads collisions from the videos'
    ``scene.json`` (generated data; without it collided objects count as moving).

    Args:
        pred_key (str): Predicted masks of a sample; the last frame is frame 22.
            Default: 'pred_masks'.
        num_classes (int): Classes. Default: 49.
        collect_device (str): As MMEngine's BaseMetric. Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'gap'. Default: None.
    """
    default_prefix = 'gap'

    def __init__(self, pred_key: str = 'pred_masks', num_classes: int = NUM_CLASSES,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.pred_key, self.num_classes = pred_key, num_classes

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            if 'gt_masks' not in s or 'input_masks' not in s:
                continue
            self.results.append(dict(pred=np.asarray(s[self.pred_key][-1].cpu()),
                                     context=np.asarray(s['input_masks'].cpu()),
                                     last=np.asarray(s['gt_masks'][-1].cpu()),
                                     collisions=read_collisions(s.get('video_dir'))))

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        tally = GapTally(self.num_classes)
        for r in results:
            tally.add(r['pred'], r['context'], r['last'], r['collisions'])
        summary = tally.summary()
        MMLogger.get_current_instance().info('gap breakdown of frame 22:\n' + format_gap_table(summary))
        out = {}
        for k in ('causal bound', 'oracle shift', 'prediction'):
            out[f'{k.replace(" ", "_")}_jaccard'] = summary[k]['jaccard']
        for g in GROUPS:
            for field, v in summary[g].items():
                out[f'{g}_{field}'] = v
        return out
