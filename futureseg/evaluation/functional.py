"""The competition score as plain functions (numpy or torch), one global confusion matrix.

``jaccard_index(confusion)`` equals ``torchmetrics.JaccardIndex(task='multiclass',
num_classes=49)`` on the stacked masks: per-class IoU from one confusion matrix over the whole
split, macro average with background included, classes absent from both prediction and target
left out of the average.
"""
import numpy as np
import torch

from futureseg.structures.metainfo import COLORS, IGNORE_INDEX, MATERIALS, NUM_CLASSES, SHAPES, attributes


def confusion_matrix(pred, target, num_classes=NUM_CLASSES, ignore_index=IGNORE_INDEX):
    """(num_classes, num_classes) counts, rows = target, columns = prediction.

    numpy arrays give a numpy matrix; tensors a tensor on their device (no copy to the host),
    so a metric can accumulate on the GPU. Target pixels equal to ``ignore_index`` or outside
    [0, num_classes) are skipped; a prediction outside the range is an error (a model bug,
    not a data problem, and never hidden by clamping).

    Args:
        pred (np.ndarray | torch.Tensor): predicted class ids, any shape.
        target (np.ndarray | torch.Tensor): true class ids, the same number of pixels.
        num_classes (int): Default 49.
        ignore_index (int): Default 255.
    """
    is_torch = isinstance(pred, torch.Tensor)
    pred = torch.as_tensor(pred if is_torch else np.asarray(pred)).reshape(-1).long()
    target = torch.as_tensor(target if isinstance(target, torch.Tensor) else np.asarray(target))
    target = target.reshape(-1).long().to(pred.device)
    if pred.shape != target.shape:
        raise ValueError(f'prediction and target sizes differ: {tuple(pred.shape)} vs {tuple(target.shape)}')
    keep = (target != ignore_index) & (target >= 0) & (target < num_classes)
    pred, target = pred[keep], target[keep]
    if pred.numel() and (int(pred.min()) < 0 or int(pred.max()) >= num_classes):
        raise ValueError(f'predicted class ids must lie in [0, {num_classes}), got '
                         f'[{int(pred.min())}, {int(pred.max())}]')
    cm = torch.bincount(target * num_classes + pred,
                        minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    return cm if is_torch else cm.numpy()


def per_class_iou(confusion):
    """IoU per class; NaN for classes absent from both prediction and target."""
    confusion = np.asarray(confusion, dtype=np.float64)
    inter = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - inter
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, inter / union, np.nan)


def jaccard_index(confusion):
    """Macro-average IoU over the classes present in prediction or target."""
    iou = per_class_iou(confusion)
    return float(np.nanmean(iou)) if np.isfinite(iou).any() else float('nan')


def attribute_confusions(confusion) -> dict:
    """Shape (3 x 3), material (2 x 2) and colour (8 x 8) confusion matrices (rows target,
    columns prediction) on the object pixels found: the pixels where both the target and the
    prediction are an object (any class 1..48), from a (49, 49) confusion matrix."""
    objects = np.asarray(confusion, dtype=np.float64)[1:NUM_CLASSES, 1:NUM_CLASSES]
    attrs = np.array([attributes(c) for c in range(1, NUM_CLASSES)])
    out = {}
    for k, (name, values) in enumerate((('shape', SHAPES), ('material', MATERIALS), ('color', COLORS))):
        code = np.array([values.index(a) for a in attrs[:, k]])
        onehot = np.eye(len(values))[code]  # (48, n): class -> its value of the attribute
        out[name] = onehot.T @ objects @ onehot
    return out


def attribute_accuracy(confusion) -> dict:
    """How well a segmenter names the objects it finds, from a (49, 49) confusion matrix.

    Returns dict(shape_acc, material_acc, color_acc): on the pixels where both the target and
    the prediction are an object (any class 1..48), the share whose predicted class has the
    true shape / material / colour (the trace of ``attribute_confusions``); and object_iou:
    IoU of "any object" vs background. A segmenter that cannot see the material scores
    material_acc near 0.5 (chance).
    """
    full = np.asarray(confusion, dtype=np.float64)
    out = {}
    for name, cm in attribute_confusions(full).items():
        found = cm.sum()
        out[f'{name}_acc'] = float(np.trace(cm) / found) if found else float('nan')
    inter = full[1:NUM_CLASSES, 1:NUM_CLASSES].sum()
    union = full[1:NUM_CLASSES].sum() + full[:, 1:NUM_CLASSES].sum() - inter
    out['object_iou'] = float(inter / union) if union else float('nan')
    return out


# areas (pixels) that bound the object-size rows of ``object_error_table``
OBJECT_AREA_BINS = (30, 60, 120, 250)


def object_records(pred, target) -> np.ndarray:
    """One row per true object of one frame: ``(area, on_border, true_class, predicted_class)``.

    An object is the pixels of one class id of ``target`` (a class id names one object in
    the course data); its predicted class is the most common object class the prediction
    gives those pixels (0 where it gives them none: a missed object), so a whole-object
    mistake reads as one wrong object, not as a share of pixels.

    Args:
        pred (np.ndarray): (H, W) predicted class ids.
        target (np.ndarray): (H, W) true class ids (0 background, 255 ignored).
    """
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape or pred.ndim != 2:
        raise ValueError(f'expected two (H, W) masks of one size, got {pred.shape} and {target.shape}')
    border = np.zeros(target.shape, bool)
    border[[0, -1]] = border[:, [0, -1]] = True
    rows = []
    for cid in np.unique(target):
        if not 1 <= cid < NUM_CLASSES:
            continue
        where = target == cid
        found = pred[where]
        found = found[(found >= 1) & (found < NUM_CLASSES)]
        guess = int(np.bincount(found, minlength=NUM_CLASSES).argmax()) if found.size else 0
        rows.append((int(where.sum()), int((where & border).any()), int(cid), guess))
    return np.array(rows, np.int64).reshape(-1, 4)


def object_error_table(records: np.ndarray, area_bins=OBJECT_AREA_BINS) -> list:
    """Per-object attribute accuracy of ``object_records`` rows, overall and by object size
    and border contact: a list of dicts (``objects``, ``found``, ``missed`` and, on the objects
    found, ``shape_acc``, ``material_acc``, ``color_acc``, ``class_acc``), each with its
    ``row`` name."""
    records = np.asarray(records, np.int64).reshape(-1, 4)
    area, border = records[:, 0], records[:, 1]
    edges = [0, *area_bins, None]
    groups = [('all objects', np.ones(len(records), bool))]
    for lo, hi in zip(edges[:-1], edges[1:]):
        name = f'area >= {lo} px' if hi is None else f'area {lo}-{hi - 1} px'
        groups.append((name, (area >= lo) & ((area < hi) if hi is not None else True)))
    groups += [('touching the image border', border == 1), ('inside the image', border == 0)]
    table = []
    for name, keep in groups:
        rows = records[keep]
        found = rows[rows[:, 3] > 0]
        row = dict(row=name, objects=len(rows), found=len(found), missed=len(rows) - len(found))
        if len(found):
            true = np.array([attributes(c) for c in found[:, 2]])
            guess = np.array([attributes(c) for c in found[:, 3]])
            for k, attr in enumerate(('shape', 'material', 'color')):
                row[f'{attr}_acc'] = float((true[:, k] == guess[:, k]).mean())
            row['class_acc'] = float((found[:, 2] == found[:, 3]).mean())
        table.append(row)
    return table
