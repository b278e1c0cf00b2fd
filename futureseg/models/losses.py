"""Losses aimed at the competition metric (MODELS registry, like mmseg's losses)."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from futureseg.structures.metainfo import IGNORE_INDEX, NUM_CLASSES
from futureseg.registry import MODELS


def soft_jaccard(probs: torch.Tensor, target: torch.Tensor, ignore_index: int = IGNORE_INDEX,
                 classes: str = 'present', eps: float = 1e-6) -> torch.Tensor:
    """Differentiable macro Jaccard of class probabilities against class ids.

    probs: (N, K, H, W) probabilities; target: (N, H, W) ids. Intersections and unions are
    summed over the whole batch (one global confusion matrix, as the metric). ``classes``:
    'present' averages over the classes in the target or the arg-max prediction (the
    metric's rule: a class absent from both drops out), 'all' over every class. On one-hot
    ``probs`` this equals torchmetrics' multiclass JaccardIndex.
    """
    k = probs.shape[1]
    valid = target != ignore_index
    onehot = F.one_hot(torch.where(valid, target, 0), k).permute(0, 3, 1, 2).to(probs.dtype)
    weight = valid.unsqueeze(1).to(probs.dtype)
    p, y = probs * weight, onehot * weight
    inter = (p * y).sum((0, 2, 3))
    union = p.sum((0, 2, 3)) + y.sum((0, 2, 3)) - inter
    if classes == 'present':
        pred = probs.argmax(1)
        keep = torch.zeros(k, dtype=torch.bool, device=probs.device)
        keep[target[valid].unique()] = True
        keep[pred[valid].unique()] = True
    elif classes == 'all':
        keep = torch.ones(k, dtype=torch.bool, device=probs.device)
    else:
        raise ValueError(f"classes must be 'present' or 'all', got {classes!r}")
    if not keep.any():
        return probs.sum() * 0 + 1  # nothing valid: a constant that keeps the graph
    return (inter[keep] / (union[keep] + eps)).mean()


@MODELS.register_module()
class SoftJaccardLoss(nn.Module):
    """1 - soft Jaccard of the softmax of the logits, over the batch (see ``soft_jaccard``).

    Use it alone or beside cross-entropy to fine-tune towards the metric.

    Args:
        loss_weight (float): Weight of the loss. Default: 1.0.
        classes (str): 'present' (the metric's rule) or 'all' (see ``soft_jaccard``).
            Default: 'present'.
        ignore_index (int): Target id left out. Default: 255.
        loss_name (str): The key in the model's loss dict. Default: 'loss_jaccard'.
    """

    def __init__(self, loss_weight: float = 1.0, classes: str = 'present',
                 ignore_index: int = IGNORE_INDEX, loss_name: str = 'loss_jaccard'):
        super().__init__()
        if classes not in ('present', 'all'):
            raise ValueError(f"classes must be 'present' or 'all', got {classes!r}")
        self.loss_weight, self.classes, self.ignore_index = loss_weight, classes, ignore_index
        self.loss_name = loss_name

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """logits (N, K, H, W), target (N, H, W) long."""
        probs = logits.float().softmax(1)
        return self.loss_weight * (1 - soft_jaccard(probs, target, self.ignore_index, self.classes))


@MODELS.register_module()
class WeightedCrossEntropyLoss(nn.Module):
    """Pixel cross-entropy with a background weight, the default future-mask loss.

    Args:
        loss_weight (float): Weight of the loss. Default: 1.0.
        class_weight (list[float], optional): ``num_classes`` per-class weights; None means
            ``background_weight`` for class 0 and 1 for the others. Default: None.
        background_weight (float): Weight of class 0 when class_weight is None. Default: 0.6.
        num_classes (int): Number of classes, background included. Default: 49.
        ignore_index (int): Target id left out. Default: 255.
        loss_name (str): The key in the model's loss dict. Default: 'loss_ce'.
    """

    def __init__(self, loss_weight: float = 1.0, class_weight: Optional[Sequence[float]] = None,
                 background_weight: float = 0.6, num_classes: int = NUM_CLASSES,
                 ignore_index: int = IGNORE_INDEX, loss_name: str = 'loss_ce'):
        super().__init__()
        if class_weight is None:
            class_weight = [background_weight] + [1.0] * (num_classes - 1)
        if len(class_weight) != num_classes:
            raise ValueError(f'class_weight has {len(class_weight)} entries for {num_classes} classes')
        self.register_buffer('class_weight', torch.tensor(class_weight, dtype=torch.float32), False)
        self.loss_weight, self.ignore_index, self.loss_name = loss_weight, ignore_index, loss_name

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """logits (N, K, H, W), target (N, H, W) long."""
        return self.loss_weight * F.cross_entropy(logits.float(), target, weight=self.class_weight,
                                                  ignore_index=self.ignore_index)
