"""Decode heads that classify an object pixel by its attributes, not by its 48 classes.

A class id is one (shape, material, colour) (``structures.metainfo.object_class_id``), and
the attributes are independent things to see: the colour is in the pixel, the material in its highlights and reflections,
the shape in the outline around it. A 49-way classifier learns each of the 48 combinations
from the few objects of that combination in the data; a factorised one learns each
attribute from all the objects that have it (a red cube teaches "cube" for the blue ones).
The head predicts 1 + 3 + 2 + 8 = 14 numbers per pixel and turns them into the 49 class
log-probabilities

    log p(background) = log sigmoid(b)
    log p(shape s, material m, colour c) = log sigmoid(-b) + log softmax(shape)[s]
                                           + log softmax(material)[m] + log softmax(colour)[c]

so that mmsegmentation's cross-entropy, metrics and inference work on them unchanged
(the 49 numbers are normalised log-probabilities: their softmax is the distribution).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads import ASPPHead, FCNHead
from mmseg.models.losses import CrossEntropyLoss
from mmseg.models.utils import resize

from futureseg.structures.metainfo import (COLORS, MATERIALS, NUM_CLASSES, SHAPES, attribute_indices,
                                          object_class_id)
from futureseg.registry import MODELS
from .full_resolution import FullResolutionASPPHead

NUM_ATTRIBUTE_CHANNELS = 1 + len(SHAPES) + len(MATERIALS) + len(COLORS)  # 14


def split_attribute_logits(raw: torch.Tensor) -> tuple:
    """(B, 14, H, W) attribute logits -> their four groups in channel order: background
    (B, 1, H, W), shape (B, 3, H, W), material (B, 2, H, W) and colour (B, 8, H, W)."""
    if raw.shape[1] != NUM_ATTRIBUTE_CHANNELS:
        raise ValueError(f'expected {NUM_ATTRIBUTE_CHANNELS} attribute channels, got {raw.shape[1]}')
    return tuple(raw.split([1, len(SHAPES), len(MATERIALS), len(COLORS)], 1))


def attribute_log_probs(raw: torch.Tensor) -> torch.Tensor:
    """(B, 14, H, W) attribute logits -> (B, 49, H, W) class log-probabilities."""
    b, *groups = split_attribute_logits(raw)
    shape, material, color = (F.log_softmax(x, 1) for x in groups)
    # (B, S, M, C, H, W) flattened is class-id order (structures.metainfo.object_class_id)
    objects = (shape[:, :, None, None] + material[:, None, :, None] + color[:, None, None])
    objects = objects.flatten(1, 3) + F.logsigmoid(-b)
    return torch.cat([F.logsigmoid(b), objects], 1)


def attribute_argmax(raw: torch.Tensor) -> torch.Tensor:
    """(B, 14, H, W) attribute logits -> (B, H, W) class ids, the argmax of
    ``attribute_log_probs(raw)`` without building the 49 channels: the best object class is
    the best shape, material and colour together (their log-probabilities add), and it wins
    over the background where its log-probability is higher (ties go to the background, the
    first class, as in ``argmax``)."""
    b, *groups = split_attribute_logits(raw.float())
    b = b[:, 0]
    parts = [F.log_softmax(x, 1).max(1) for x in groups]
    best = F.logsigmoid(-b) + sum(p.values for p in parts)
    cls = object_class_id(parts[0].indices, parts[1].indices, parts[2].indices)
    return torch.where(F.logsigmoid(b) >= best, torch.zeros_like(cls), cls)


def attribute_cross_entropy(raw: torch.Tensor, label: torch.Tensor,
                            class_weight: torch.Tensor | None = None, ignore_index: int = 255,
                            avg_non_ignore: bool = True) -> torch.Tensor:
    """The 49-way cross-entropy of ``attribute_log_probs(raw)`` computed from the 14 attribute
    logits: a pixel's negative log-probability is ``-log sigmoid(b)`` on the background and
    ``-log sigmoid(-b)`` minus its shape's, material's and colour's log-softmax on an object,
    so the 49 channels (and mmsegmentation's second log-softmax over them) are never built.
    Equal to mmsegmentation's ``cross_entropy`` on the 49 log-probabilities with the same
    ``class_weight``, ``ignore_index`` and ``avg_non_ignore`` (``reduction='mean'``): the mean
    over the labelled pixels (all pixels with ``avg_non_ignore=False``), or with class
    weights the weighted mean, the sum of the pixels' weights dividing (mmsegmentation's
    raises an ``IndexError`` there on an ignored pixel; here ignored pixels weigh nothing).

    Args:
        raw (Tensor): (B, 14, H, W) attribute logits at the labels' size.
        label (Tensor): (B, H, W) class ids in [0, 49) or ``ignore_index``.
        class_weight (Tensor, optional): (49,) weight of each class. Default: None.
        ignore_index (int): label of pixels without a loss. Default: 255.
        avg_non_ignore (bool): average over the labelled pixels only, as mmsegmentation's
            ``avg_non_ignore=True``; else over all pixels. Default: True.

    Returns:
        Tensor: the scalar loss.
    """
    b, *groups = split_attribute_logits(raw.float())
    if raw.shape[0] != label.shape[0] or raw.shape[2:] != label.shape[1:]:
        raise ValueError(f'logits {tuple(raw.shape)} and labels {tuple(label.shape)} differ in size')
    valid = label != ignore_index
    bad = valid & ((label < 0) | (label >= NUM_CLASSES))
    if bad.any():  # a gather would fail with an index error that names no label
        raise ValueError(f'labels must be class ids in [0, {NUM_CLASSES}) or {ignore_index} (ignored); '
                         f'got {sorted(label[bad].unique().tolist())[:10]}')
    obj = label.clamp(min=1) - 1  # any id: only read where the label is an object
    obj = torch.where(valid, obj, torch.zeros_like(obj))
    b = b[:, 0]
    nll_object = -F.logsigmoid(-b)
    for logits, index in zip(groups, attribute_indices(obj + 1)):
        log_p = F.log_softmax(logits, 1)
        nll_object = nll_object - log_p.gather(1, index[:, None]).squeeze(1)
    is_background = label == 0
    nll = torch.where(is_background, -F.logsigmoid(b), nll_object)
    if class_weight is not None:
        safe = torch.where(valid, label, torch.zeros_like(label))
        pixel_weight = torch.where(valid, class_weight.to(nll)[safe], torch.zeros_like(nll))
        return (nll * pixel_weight).sum() / pixel_weight.sum().clamp(min=1e-12)
    nll = torch.where(valid, nll, torch.zeros_like(nll))
    count = valid.sum() if avg_non_ignore else torch.tensor(label.numel(), device=label.device)
    return nll.sum() / count.clamp(min=1)


def _is_plain_cross_entropy(loss_decode: nn.Module) -> bool:
    """Whether ``loss_decode`` is mmsegmentation's softmax cross-entropy, the loss
    ``attribute_cross_entropy`` reproduces."""
    return (type(loss_decode) is CrossEntropyLoss and not loss_decode.use_sigmoid
            and not loss_decode.use_mask)


class AttributeClassifierMixin:
    """Replaces a decode head's 49-way 1x1 classifier by the attribute one (14 outputs),
    after the head it is mixed into has built itself.

    In training the 14 attribute logits, not the 49 log-probabilities, are up-sampled to the
    labels' size (a head at stride 4 up-samples 3.5x fewer channels), and ``acc_seg`` is an
    argmax: mmsegmentation's ``accuracy`` runs ``topk``, which took as long as a third of the
    backbone's convolutions on this project's CPU (an argmax over 49 channels as long; the
    attributes' own argmax is ``attribute_argmax``).

    Args:
        factorised_loss (bool): compute a softmax ``CrossEntropyLoss`` of ``loss_decode`` from
            the 14 attribute logits (``attribute_cross_entropy``); False builds the 49 class
            log-probabilities and runs mmsegmentation's loss on them (the same value, slower;
            ``tools/benchmarks/segmenter_step.py`` times both). Default: True.
        **kwargs: the decode head's arguments.
    """

    def __init__(self, factorised_loss: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.factorised_loss = factorised_loss
        if self.num_classes != NUM_CLASSES:
            raise ValueError(f'attribute heads predict the {NUM_CLASSES} course classes, '
                             f'got num_classes={self.num_classes}')
        self.conv_seg = nn.Conv2d(self.channels, NUM_ATTRIBUTE_CHANNELS, kernel_size=1)

    def _raw_logits(self, feat: torch.Tensor) -> torch.Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg(feat)

    def attribute_logits(self, inputs) -> torch.Tensor:
        """(B, 14, h, w) attribute logits at the head's resolution."""
        return self._raw_logits(self._forward_feature(inputs))

    def forward(self, inputs) -> torch.Tensor:
        return attribute_log_probs(self.attribute_logits(inputs))

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        return attribute_log_probs(self._raw_logits(feat))

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        return self.loss_by_feat(self.attribute_logits(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: torch.Tensor, batch_data_samples) -> dict:
        """mmsegmentation's ``loss_by_feat`` on the (B, 14, h, w) attribute logits (what
        ``loss`` passes), up-sampled to the labels: a softmax ``CrossEntropyLoss`` is
        ``attribute_cross_entropy`` of them (the same value without the 49 channels: a
        training step of the quickstart's segmenter 1.15-1.36x faster under bf16,
        ``tools/benchmarks/segmenter_step.py``); any other loss, a pixel sampler or
        ``factorised_loss=False`` gets the 49 class log-probabilities. Then ``acc_seg``."""
        seg_label = self._stack_batch_gt(batch_data_samples)
        if seg_logits.shape[2:] != seg_label.shape[2:]:
            seg_logits = resize(seg_logits, size=seg_label.shape[2:], mode='bilinear',
                                align_corners=self.align_corners)
        raw, log_probs = seg_logits, None
        seg_weight = None
        if self.sampler is not None:
            log_probs = attribute_log_probs(raw)
            seg_weight = self.sampler.sample(log_probs, seg_label)
        seg_label = seg_label.squeeze(1)
        losses = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        loss = dict()
        for loss_decode in losses:
            if self.factorised_loss and seg_weight is None and _is_plain_cross_entropy(loss_decode):
                weight = loss_decode.class_weight
                weight = raw.new_tensor(weight, dtype=torch.float32) if weight is not None else None
                value = loss_decode.loss_weight * attribute_cross_entropy(
                    raw, seg_label, weight, self.ignore_index, loss_decode.avg_non_ignore)
            else:
                log_probs = attribute_log_probs(raw) if log_probs is None else log_probs
                value = loss_decode(log_probs, seg_label, weight=seg_weight,
                                    ignore_index=self.ignore_index)
            loss[loss_decode.loss_name] = loss.get(loss_decode.loss_name, 0) + value
        with torch.no_grad():
            valid = seg_label != self.ignore_index
            hits = (attribute_argmax(raw.detach()) == seg_label) & valid
            loss['acc_seg'] = hits.sum().float() * 100. / valid.sum().clamp(min=1)
        return loss


@MODELS.register_module()
class AttributeFCNHead(AttributeClassifierMixin, FCNHead):
    """mmsegmentation's FCNHead with the attribute classifier.

    Args:
        factorised_loss (bool): the cross-entropy from the attribute logits
            (``AttributeClassifierMixin``). Default: True.
        **kwargs: FCNHead's arguments (``in_channels``, ``channels``, ``num_convs``,
            ``norm_cfg``, ``loss_decode``, ...); ``num_classes`` must be 49.
    """


@MODELS.register_module()
class AttributeASPPHead(AttributeClassifierMixin, ASPPHead):
    """mmsegmentation's ASPPHead (DeepLabV3) with the attribute classifier.

    Args:
        factorised_loss (bool): the cross-entropy from the attribute logits
            (``AttributeClassifierMixin``). Default: True.
        **kwargs: ASPPHead's arguments (``in_channels``, ``channels``, ``dilations``,
            ``norm_cfg``, ``loss_decode``, ...); ``num_classes`` must be 49.
    """


@MODELS.register_module()
class AttributeFullResolutionASPPHead(AttributeClassifierMixin, FullResolutionASPPHead):
    """``FullResolutionASPPHead`` with the attribute classifier, split by where each attribute
    is seen: the shape and the material are classified from the ASPP output (they need the
    whole object; at stride 1 a few convolutions see only a part of it) and up-sampled, the
    background and the colour (the outline and the pixel) from the full-resolution features.

    Args:
        factorised_loss (bool): the cross-entropy from the attribute logits
            (``AttributeClassifierMixin``). Default: True.
        **kwargs: FullResolutionASPPHead's arguments (``full_res_index``,
            ``full_res_channels``, ``num_refine_convs``, ``in_channels``, ``in_index``,
            ``channels``, ``dilations``, ``loss_decode``, ...); ``num_classes`` must be 49.
    """

    def __init__(self, factorised_loss: bool = True, **kwargs):
        super().__init__(factorised_loss=factorised_loss, **kwargs)
        ns, nm = len(SHAPES), len(MATERIALS)
        self.conv_seg_deep = nn.Conv2d(self.channels, ns + nm, kernel_size=1)
        self.conv_seg = nn.Conv2d(self.refine_channels, 1 + len(COLORS), kernel_size=1)

    def attribute_logits(self, inputs) -> torch.Tensor:
        deep, fine = self.aspp_and_refined(inputs)
        full = inputs[self.full_res_index]
        if self.dropout is not None:
            deep, fine = self.dropout(deep), self.dropout(fine)
        shape_material = self._to(self.conv_seg_deep(deep), full)
        fine = self.conv_seg(fine)
        # attribute order of attribute_log_probs: background, shape, material, colour
        return torch.cat([fine[:, :1], shape_material, fine[:, 1:]], 1)
