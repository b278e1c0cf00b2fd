"""The competition Jaccard metrics (METRICS registry): the split's score with its breakdowns
(``FutureSegJaccard``), the score before and after each post-processor
(``PostprocessingTable``), and the spread of a JEPA pre-training's embeddings
(``EmbeddingSpreadMetric``). Frame quality is in ``image_quality``, prediction files in
``submission``."""
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from prettytable import PrettyTable

from futureseg.registry import METRICS
from futureseg.structures import CLASS_NAMES, IGNORE_INDEX, NUM_CLASSES, present_classes
from futureseg.utils.io import write_npy_atomic
from .functional import attribute_accuracy, confusion_matrix, jaccard_index, per_class_iou


def seen_new_tallies(pred, gt, input_masks, num_classes: int = NUM_CLASSES,
                     ignore_index: int = IGNORE_INDEX) -> dict:
    """Intersections and unions, over one video's frame, of the object classes already seen
    in the input masks and of the new ones: dict(seen_inter, seen_union, new_inter,
    new_union). Tensors or numpy arrays."""
    pred, gt, input_masks = (torch.as_tensor(x) for x in (pred, gt, input_masks))
    gt, input_masks = gt.to(pred.device), input_masks.to(pred.device)
    seen = torch.zeros(num_classes, dtype=torch.bool, device=pred.device)
    seen[sorted(present_classes(input_masks, num_classes=num_classes))] = True
    valid = gt != ignore_index
    out = {}
    classes = torch.unique(torch.cat([pred[valid], gt[valid]])).long()
    classes = classes[(classes > 0) & (classes < num_classes)]
    for name, chosen in (('seen', classes[seen[classes]]), ('new', classes[~seen[classes]])):
        inter = union = 0
        for c in chosen.tolist():
            p, t = (pred == c) & valid, (gt == c) & valid
            inter += int((p & t).sum())
            union += int((p | t).sum())
        out[f'{name}_inter'], out[f'{name}_union'] = inter, union
    return out


def seen_new_iou(tallies: Sequence[dict]) -> dict:
    """Pooled IoU of seen and of new objects from ``seen_new_tallies`` of many videos."""
    out = {}
    for name in ('seen', 'new'):
        union = sum(t[f'{name}_union'] for t in tallies)
        inter = sum(t[f'{name}_inter'] for t in tallies)
        out[f'{name}_iou'] = inter / union if union else float('nan')
    return out


@METRICS.register_module()
class FutureSegJaccard(BaseMetric):
    """The competition score: ``torchmetrics.JaccardIndex(task='multiclass', num_classes=49)``
    over the whole split, from one confusion matrix (computed on the model's device per batch;
    MMEngine gathers the per-batch matrices from all processes).

    Also reports pixel accuracy, per-class IoU (logged as a table), with ``attributes`` the
    shape / material / colour accuracy on the object pixels found and the object-vs-background
    IoU (``attribute_accuracy``: how a user judges a frame segmenter on this task) and, when the
    samples carry ``input_masks`` (the true masks of frames 1-11), the pooled IoU of objects
    already seen in frames 1-11 vs objects first appearing later.

    Args:
        pred_key (str): Predicted masks of a sample ('pred_sem_seg' for mmseg's segmenters).
            Default: 'pred_masks'.
        gt_key (str): True masks ('gt_sem_seg' for mmseg's segmenters). Default: 'gt_masks'.
        frame (int, optional): -1: the last predicted frame, i.e. frame 22; None: every
            predicted frame. Default: -1.
        num_classes (int): Number of classes, background included. Default: 49.
        ignore_index (int): Target id left out. Default: 255.
        attributes (bool): Also report shape_acc, material_acc, color_acc and object_iou.
            Default: True.
        print_table (bool): Log the per-class IoU table. Default: True.
        confusion_file (str, optional): Also save the split's (num_classes, num_classes)
            confusion matrix (rows target, columns prediction) to this ``.npy`` file
            (``tools/analysis_tools/confusion_matrix.py`` draws it). Default: None.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'future'. Default: None.
    """
    default_prefix = 'future'

    def __init__(self, pred_key: str = 'pred_masks', gt_key: str = 'gt_masks',
                 frame: Optional[int] = -1, num_classes: int = NUM_CLASSES,
                 ignore_index: int = IGNORE_INDEX, attributes: bool = True,
                 print_table: bool = True, confusion_file: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.pred_key, self.gt_key, self.frame = pred_key, gt_key, frame
        self.confusion_file = confusion_file
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.print_table = print_table
        self.attributes = attributes

    def _select(self, masks):
        return masks if self.frame is None else masks[[self.frame]]

    @staticmethod
    def _masks(sample, key):
        value = sample[key]
        return value['data'] if isinstance(value, dict) else value  # mmseg's PixelData -> (1, H, W)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            if self.gt_key not in s:
                continue  # e.g. the hidden split: nothing to score
            pred = self._masks(s, self.pred_key)
            pred, gt = self._select(pred), self._select(self._masks(s, self.gt_key).to(pred.device))
            cm = confusion_matrix(pred, gt, self.num_classes, self.ignore_index)
            result = dict(cm=cm.cpu().numpy())
            if 'input_masks' in s:
                result.update(seen_new_tallies(pred, gt, s['input_masks'], self.num_classes,
                                               self.ignore_index))
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        cm = np.sum([r['cm'] for r in results], axis=0)
        if self.confusion_file:
            write_npy_atomic(self.confusion_file, cm)
        metrics = dict(jaccard=jaccard_index(cm), pixel_acc=float(np.trace(cm) / max(cm.sum(), 1)))
        if self.attributes and self.num_classes == NUM_CLASSES:
            metrics.update(attribute_accuracy(cm))
        if results and 'seen_union' in results[0]:
            metrics.update(seen_new_iou(results))
        if self.print_table:
            iou = per_class_iou(cm)
            table = PrettyTable(['class', 'IoU', 'pixels (true)'])
            for c in np.flatnonzero(np.isfinite(iou)):
                table.add_row([CLASS_NAMES[c] if c < len(CLASS_NAMES) else c, f'{iou[c]:.4f}',
                               int(cm[c].sum())])
            MMLogger.get_current_instance().info('per-class IoU:\n' + table.get_string())
        if 'material_acc' in metrics:
            MMLogger.get_current_instance().info(
                f"Jaccard {metrics['jaccard']:.4f}; on the object pixels found: shape "
                f"{metrics['shape_acc']:.4f}, material {metrics['material_acc']:.4f}, colour "
                f"{metrics['color_acc']:.4f}; objects vs background IoU "
                f"{metrics['object_iou']:.4f}")
        return metrics


@METRICS.register_module()
class EmbeddingSpreadMetric(BaseMetric):
    """The collapse monitor of a JEPA pre-training: the spread of its embeddings over the
    split, and its loss.

    Reads each sample's ``jepa_stats`` (``SimVPJEPA`` in predict mode): for the context
    encoder's embeddings of the input frames ('context'), the predictor's ('pred') and the
    target encoder's of the future frames ('target'), per-dimension sums and sums of squares
    of the L2-normalised vectors at every position. Reports, per name, ``<name>_std``: the
    mean over dimensions of each dimension's std over every position of the split, times
    sqrt(D), about 1 for spread-out embeddings and 0 for a collapsed (constant) one
    (SimSiam's measure), and ``<name>_std_min``, its smallest dimension; ``loss`` (the
    embedding loss, mean over samples) and ``collapsed`` (1.0 when the context or target
    spread is below ``collapse_threshold``, with a warning in the log).

    Args:
        collapse_threshold (float): The spread below which an embedding counts as collapsed.
            Default: 0.05.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'jepa'. Default: None.
    """
    default_prefix = 'jepa'
    names = ('context', 'pred', 'target')

    def __init__(self, collapse_threshold: float = 0.05, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.collapse_threshold = collapse_threshold

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            if 'jepa_stats' not in s:
                raise KeyError('EmbeddingSpreadMetric reads jepa_stats (SimVPJEPA in predict '
                               'mode)')
            st = s['jepa_stats']
            self.results.append(dict(loss=float(st['loss']), **{
                name: {k: torch.as_tensor(v, dtype=torch.float64) for k, v in st[name].items()}
                for name in self.names}))

    def compute_metrics(self, results: list) -> dict:
        out = dict(loss=float(np.mean([r['loss'] for r in results])))
        for name in self.names:
            total = {k: sum(r[name][k] for r in results) for k in ('sum', 'sumsq', 'count')}
            mean = total['sum'] / total['count']
            std = (total['sumsq'] / total['count'] - mean ** 2).clamp_min(0).sqrt()
            std = std * mean.numel() ** 0.5
            out[f'{name}_std'], out[f'{name}_std_min'] = float(std.mean()), float(std.min())
        collapsed = [n for n in ('context', 'target')
                     if out[f'{n}_std'] < self.collapse_threshold]
        out['collapsed'] = float(bool(collapsed))
        if collapsed:
            MMLogger.get_current_instance().warning(
                f'JEPA embeddings collapsed: {", ".join(collapsed)} spread '
                + ', '.join(f'{out[n + "_std"]:.4f}' for n in collapsed)
                + f' < {self.collapse_threshold}')
        return out


@METRICS.register_module()
class PostprocessingTable(BaseMetric):
    """The competition Jaccard of frame 22 before and after each post-processor, in one table
    (the copy-frame-11 baseline and the ceiling are models of their own, configs/baselines/).

    Reads ``pred_stages`` (from a predictor with post-processors; else the one ``raw`` row of
    ``pred_masks``); videos without true masks are skipped. With ``input_masks`` each row also
    gets the IoU of objects seen in frames 1-11 and of new ones (``<row>_seen_iou``,
    ``<row>_new_iou``).

    Args:
        gt_key (str): True masks of a sample. Default: 'gt_masks'.
        num_classes (int): Number of classes, background included. Default: 49.
        ignore_index (int): Target id left out. Default: 255.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'stages'. Default: None.
    """
    default_prefix = 'stages'

    def __init__(self, gt_key: str = 'gt_masks', num_classes: int = NUM_CLASSES,
                 ignore_index: int = IGNORE_INDEX, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_key, self.num_classes, self.ignore_index = gt_key, num_classes, ignore_index

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            if self.gt_key not in s:
                continue
            gt = s[self.gt_key][-1]
            preds = dict(s.get('pred_stages') or {'raw': s['pred_masks'][-1]})
            result = {}
            for k, v in preds.items():
                v = v.to(gt.device)
                result[k] = dict(cm=confusion_matrix(v, gt, self.num_classes,
                                                           self.ignore_index).cpu().numpy())
                if 'input_masks' in s:
                    result[k].update(seen_new_tallies(v, gt, s['input_masks'], self.num_classes,
                                                      self.ignore_index))
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        if not results:
            return {}
        names = list(results[0])
        scores = {n: jaccard_index(np.sum([r[n]['cm'] for r in results], axis=0)) for n in names}
        for n in names:  # IoU of objects seen in frames 1-11 and of new ones, per row
            if 'seen_union' in results[0][n]:
                for key, value in seen_new_iou([r[n] for r in results]).items():
                    scores[f'{n}_{key}'] = value
        table = PrettyTable(['prediction of frame 22', 'Jaccard', 'seen objects IoU',
                             'new objects IoU'])
        for n in names:
            seen, new = (scores.get(f'{n}_{k}_iou', float('nan')) for k in ('seen', 'new'))
            table.add_row([n, f'{scores[n]:.4f}', f'{seen:.4f}', f'{new:.4f}'])
        MMLogger.get_current_instance().info(f'{len(results)} videos:\n' + table.get_string())
        return scores
