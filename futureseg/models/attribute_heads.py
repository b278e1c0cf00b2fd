"""Decode heads that classify an object pixel by its attributes, not by its 48 classes.

A class id is 1 + shape * 16 + material * 8 + colour, and the attributes are independent
things to see: the colour is in the pixel, the material in its highlights and reflections,
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

from futureseg.structures.metainfo import COLORS, MATERIALS, NUM_CLASSES, SHAPES
from futureseg.registry import MODELS

NUM_ATTRIBUTE_CHANNELS = 1 + len(SHAPES) + len(MATERIALS) + len(COLORS)  # 14


def attribute_log_probs(raw: torch.Tensor) -> torch.Tensor:
    """(B, 14, H, W) attribute logits -> (B, 49, H, W) class log-probabilities."""
    if raw.shape[1] != NUM_ATTRIBUTE_CHANNELS:
        raise ValueError(f'expected {NUM_ATTRIBUTE_CHANNELS} attribute channels, got {raw.shape[1]}')
    ns, nm = len(SHAPES), len(MATERIALS)
    b = raw[:, :1]
    shape = F.log_softmax(raw[:, 1:1 + ns], 1)
    material = F.log_softmax(raw[:, 1 + ns:1 + ns + nm], 1)
    color = F.log_softmax(raw[:, 1 + ns + nm:], 1)
    # (B, S, M, C, H, W) in class-id order: id - 1 = shape * 16 + material * 8 + colour
    objects = (shape[:, :, None, None] + material[:, None, :, None] + color[:, None, None])
    objects = objects.flatten(1, 3) + F.logsigmoid(-b)
    return torch.cat([F.logsigmoid(b), objects], 1)


class AttributeClassifierMixin:
    """Replaces a decode head's 49-way 1x1 classifier by the attribute one (14 outputs),
    after the head it is mixed into has built itself."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.num_classes != NUM_CLASSES:
            raise ValueError(f'attribute heads predict the {NUM_CLASSES} course classes, '
                             f'got num_classes={self.num_classes}')
        self.conv_seg = nn.Conv2d(self.channels, NUM_ATTRIBUTE_CHANNELS, kernel_size=1)

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return attribute_log_probs(self.conv_seg(feat))


@MODELS.register_module()
class AttributeFCNHead(AttributeClassifierMixin, FCNHead):
    """mmsegmentation's FCNHead with the attribute classifier.

    Args:
        **kwargs: FCNHead's arguments (``in_channels``, ``channels``, ``num_convs``,
            ``norm_cfg``, ``loss_decode``, ...); ``num_classes`` must be 49.
    """


@MODELS.register_module()
class AttributeASPPHead(AttributeClassifierMixin, ASPPHead):
    """mmsegmentation's ASPPHead (DeepLabV3) with the attribute classifier.

    Args:
        **kwargs: ASPPHead's arguments (``in_channels``, ``channels``, ``dilations``,
            ``norm_cfg``, ``loss_decode``, ...); ``num_classes`` must be 49.
    """

