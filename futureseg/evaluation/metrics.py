"""Metrics (METRICS registry): the competition Jaccard, frame-prediction quality and the
spread of a JEPA pre-training's embeddings."""
import re
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from prettytable import PrettyTable

from futureseg.registry import METRICS
from futureseg.structures import CLASS_NAMES, IGNORE_INDEX, NUM_CLASSES, present_classes
from futureseg.utils.io import atomic_path, write_json_atomic, write_npy_atomic
from .functional import attribute_accuracy, confusion_matrix, jaccard_index, per_class_iou


def seen_new_tallies(pred, gt, input_masks, num_classes=NUM_CLASSES, ignore_index=IGNORE_INDEX):
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


def seen_new_iou(tallies):
    """Pooled IoU of seen and of new objects from ``seen_new_tallies`` of many videos."""
    out = {}
    for name in ('seen', 'new'):
        union = sum(t[f'{name}_union'] for t in tallies)
        out[f'{name}_iou'] = sum(t[f'{name}_inter'] for t in tallies) / union if union else float('nan')
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
        self.num_classes, self.ignore_index, self.print_table = num_classes, ignore_index, print_table
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
                table.add_row([CLASS_NAMES[c] if c < len(CLASS_NAMES) else c, f'{iou[c]:.4f}', int(cm[c].sum())])
            MMLogger.get_current_instance().info('per-class IoU:\n' + table.get_string())
        if 'material_acc' in metrics:
            MMLogger.get_current_instance().info(
                f"Jaccard {metrics['jaccard']:.4f}; on the object pixels found: shape "
                f"{metrics['shape_acc']:.4f}, material {metrics['material_acc']:.4f}, colour "
                f"{metrics['color_acc']:.4f}; objects vs background IoU {metrics['object_iou']:.4f}")
        return metrics


def _gaussian_window(size=11, sigma=1.5, channels=3, device=None):
    x = torch.arange(size, dtype=torch.float32, device=device) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = (g / g.sum())[:, None] @ (g / g.sum())[None, :]
    return g.expand(channels, 1, size, size).contiguous()


def ssim(x, y, data_range=1.0):
    """Mean SSIM of image batches (N, C, H, W) with an 11x11 Gaussian window (Wang et al.)."""
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    w = _gaussian_window(channels=x.shape[1], device=x.device)
    conv = lambda z: F.conv2d(z, w, groups=x.shape[1])  # noqa: E731
    mu_x, mu_y = conv(x), conv(y)
    sxx, syy, sxy = conv(x * x) - mu_x ** 2, conv(y * y) - mu_y ** 2, conv(x * y) - mu_x * mu_y
    s = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return s.mean((1, 2, 3))


@METRICS.register_module()
class FramePredictionMetric(BaseMetric):
    """MSE, MAE, PSNR and SSIM of predicted frames, on the [0, 1] scale, averaged over frames.

    Needs samples with ``pred_frames`` (0-255) and ``target_frames`` (as normalised by the
    model's data preprocessor; give the same ``mean`` / ``std`` here, default [0, 1] scaling).

    Args:
        mean (Sequence[float]): The data preprocessor's mean (0-255 scale).
            Default: (0.0, 0.0, 0.0).
        std (Sequence[float]): The data preprocessor's std (0-255 scale).
            Default: (255.0, 255.0, 255.0).
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'frames'. Default: None.
    """
    default_prefix = 'frames'

    def __init__(self, mean: Sequence[float] = (0., 0., 0.),
                 std: Sequence[float] = (255., 255., 255.), collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            pred = s['pred_frames'].float().cpu() / 255.
            target = (s['target_frames'].float().cpu() * self.std + self.mean) / 255.
            mse = ((pred - target) ** 2).mean((1, 2, 3))
            self.results.append(dict(
                mse=float(mse.mean()), mae=float((pred - target).abs().mean()),
                psnr=float((10 * torch.log10(1 / mse.clamp_min(1e-10))).mean()),
                ssim=float(ssim(pred, target).mean())))

    def compute_metrics(self, results: list) -> dict:
        return {k: float(np.mean([r[k] for r in results])) for k in ('mse', 'mae', 'psnr', 'ssim')}


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
        table = PrettyTable(['prediction of frame 22', 'Jaccard', 'seen objects IoU', 'new objects IoU'])
        for n in names:
            table.add_row([n, f'{scores[n]:.4f}', f'{scores.get(f"{n}_seen_iou", float("nan")):.4f}',
                           f'{scores.get(f"{n}_new_iou", float("nan")):.4f}'])
        MMLogger.get_current_instance().info(f'{len(results)} videos:\n' + table.get_string())
        return scores


def save_submission(masks, path):
    """Write the competition submission (a uint8 tensor (N, H, W) in numeric video order)
    through a temporary file and a rename."""
    with atomic_path(path) as tmp:
        torch.save(torch.as_tensor(masks).to(torch.uint8).cpu(), tmp)


def mask_rle(mask):
    """Row-major run-length code of a (H, W) class-id mask: ``[[class, length], ...]``."""
    flat = np.asarray(mask).ravel()
    if not flat.size:
        return []
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    lengths = np.diff(np.r_[starts, flat.size])
    return [[int(flat[s]), int(n)] for s, n in zip(starts, lengths)]


def decode_mask_rle(rle, shape):
    """Inverse of ``mask_rle``: (H, W) uint8 mask."""
    values = np.repeat([v for v, _ in rle], [n for _, n in rle]).astype(np.uint8)
    if values.size != int(np.prod(shape)):
        raise ValueError(f'the run lengths cover {values.size} pixels, shape {tuple(shape)} has '
                         f'{int(np.prod(shape))}')
    return values.reshape(shape)


_FRAME_PATH = re.compile(r'video_(\d+)[/\\]image_(\d+)\.png$')


def prediction_of(sample):
    """(key, mask) of one predicted sample: a future predictor's ``(video_id,)`` and its
    (H, W) mask of the last frame, or a frame segmenter's ``(video_id, frame_index)`` and its
    (H, W) mask of that frame (read from mmseg's ``img_path``)."""
    if 'pred_masks' in sample:
        return (int(sample['video_id']), ), sample['pred_masks'][-1]
    if 'pred_sem_seg' in sample:
        pred = sample['pred_sem_seg']
        pred = pred['data'] if isinstance(pred, dict) else pred.data
        m = _FRAME_PATH.search(str(sample.get('img_path', '')))
        if m is None:
            raise KeyError(f"a segmenter's prediction without a course-layout img_path "
                           f"(video_N/image_k.png): {sample.get('img_path')!r}")
        return (int(m.group(1)), int(m.group(2))), pred[0]
    raise KeyError(f'a sample without pred_masks or pred_sem_seg (keys {sorted(sample)})')


@METRICS.register_module()
class SubmissionWriter(BaseMetric):
    """Writes the predictions of a test run.

    A future predictor's: the predicted class ids of frame 22 per video, in numeric video
    order; a frame segmenter's: the class ids of every frame, in (video, frame) order.

    Args:
        out_file (str, optional): ``.pt`` / ``.pth``: one uint8 tensor, (N, H, W) (the
            competition submission), or (N, T, H, W) for a segmenter; ``.json``: JSON, one
            entry per video (per frame for a segmenter) with its ids, shape, pixels per class
            and the mask run-length coded (``mask_rle``; ``decode_mask_rle`` reads it).
            Written through a temporary file and a rename. Default: None.
        png_dir (str, optional): One PNG mask per video (``video_<N>.png``; a segmenter's
            ``video_<N>_<k>.png``), pixel values = class ids. At least one of ``out_file``
            and ``png_dir`` is needed. Default: None.
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'submission'.
            Default: None.
    """
    default_prefix = 'submission'

    def __init__(self, out_file: Optional[str] = None, png_dir: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not out_file and not png_dir:
            raise ValueError('SubmissionWriter needs out_file or png_dir')
        self.out_file, self.png_dir = out_file, png_dir

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            key, mask = prediction_of(s)
            self.results.append((key, mask.to(torch.uint8).cpu()))

    def compute_metrics(self, results: list) -> dict:
        import os
        import os.path as osp
        results = sorted(results, key=lambda r: r[0])
        keys = [r[0] for r in results]
        if len(set(keys)) != len(keys):
            raise RuntimeError('duplicate video ids in the predictions (a sampler padded the split?)')
        masks = torch.stack([r[1] for r in results])
        logger = MMLogger.get_current_instance()
        if self.out_file and self.out_file.endswith('.json'):
            entries = []
            for key, m in zip(keys, masks.numpy()):
                ids, counts = np.unique(m, return_counts=True)
                entry = dict(video_id=key[0], shape=list(m.shape), rle=mask_rle(m),
                             pixels={str(int(c)): int(n) for c, n in zip(ids, counts)})
                if len(key) > 1:
                    entry['frame_index'] = key[1]
                entries.append(entry)
            write_json_atomic(self.out_file, dict(
                format='futureseg predictions', frame='last' if len(keys[0]) == 1 else 'every',
                rle='row-major [[class id, run length], ...]', predictions=entries), indent=None)
            logger.info(f'predictions of {len(keys)} masks as JSON -> {self.out_file}')
        elif self.out_file:
            if len(keys[0]) > 1:  # a segmenter: (N, T, H, W), videos in order, frames in order
                videos = sorted({k[0] for k in keys})
                masks = masks.reshape(len(videos), -1, *masks.shape[1:])
            save_submission(masks, self.out_file)
            logger.info(f'submission: {tuple(masks.shape)} {masks.dtype} for videos '
                        f'{keys[0][0]}..{keys[-1][0]} -> {self.out_file}')
        if self.png_dir:
            from PIL import Image
            os.makedirs(self.png_dir, exist_ok=True)
            for key, m in results:
                name = '_'.join(str(k) for k in key)
                Image.fromarray(m.numpy()).save(osp.join(self.png_dir, f'video_{name}.png'))
        return dict(videos=len({k[0] for k in keys}))
