"""A full-resolution branch for segmenters whose backbone stops at a coarser stride.

At 80 x 120 an object is 10-20 pixels wide, so a DeepLabV3 at output stride 4 sees it as a
few cells and its bilinear up-sampling rounds the outline off (object-vs-background IoU 0.82
on the quickstart data, against 0.93 for a U-Net at stride 1). DeepLabV3+ fixes the outline
with a stride-4 skip and depthwise convolutions, both of which are slow or too coarse here.
This is the plain-convolution version at stride 1:

- ``FullResolutionBranch`` wraps any backbone and puts a few stride-1 convolutions of the
  image in front of its features (output 0 is the full-resolution feature map);
- ``FullResolutionASPPHead`` runs DeepLabV3's ASPP on the deep features as usual, up-samples
  its output to full resolution, concatenates the full-resolution features and refines the
  result with a few 3x3 convolutions before the classifier.

The shape and material come from the deep features (they need the whole object); where the
object ends, from the image.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads import ASPPHead
from mmseg.models.utils import resize

from futureseg.registry import MODELS


@MODELS.register_module()
class FullResolutionBranch(BaseModule):
    """A backbone whose first output is the image seen by ``num_convs`` stride-1 3x3 convs.

    Returns ``(full_resolution_features, *backbone(x))``, so the wrapped backbone's
    ``out_indices`` shift by one in the heads' ``in_index``.

    Args:
        backbone (dict): the wrapped backbone's config (e.g. ``dict(type='mmseg.ResNetV1c',
            ...)``; a bare type is looked up in mmsegmentation's scope when the segmenter is
            built there).
        in_channels (int): image channels. Default: 3.
        channels (int): channels of the full-resolution features. Default: 16.
        num_convs (int): stride-1 3x3 convolutions. Default: 2.
        norm_cfg (dict | None): norm layer of the convolutions. Default: ``dict(type='BN')``.
        act_cfg (dict): activation of the convolutions. Default: ``dict(type='ReLU')``.
        init_cfg (dict | list | None): MMEngine initialisation config. Default: None.
    """

    def __init__(self, backbone: dict, in_channels: int = 3, channels: int = 16,
                 num_convs: int = 2, norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_convs < 1:
            raise ValueError(f'num_convs must be >= 1, got {num_convs}')
        self.backbone = MODELS.build(backbone)
        self.convs = nn.Sequential(*[
            ConvModule(in_channels if i == 0 else channels, channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg) for i in range(num_convs)])

    def forward(self, x: torch.Tensor) -> tuple:
        return (self.convs(x), *self.backbone(x))


@MODELS.register_module()
class FullResolutionASPPHead(ASPPHead):
    """DeepLabV3's ASPP head, refined at full resolution (the plain-convolution DeepLabV3+).

    Args:
        full_res_index (int): index of the full-resolution features among the backbone's
            outputs (``FullResolutionBranch`` puts them first). Default: 0.
        full_res_channels (int): their channels. Default: 16.
        num_refine_convs (int): 3x3 convolutions on the concatenated ASPP output and
            full-resolution features. Default: 2.
        refine_channels (int | None): their output channels, those the classifier reads
            (None = ``channels``; fewer is cheaper: they run on every pixel). Default: None.
        **kwargs: ASPPHead's arguments (``in_channels``, ``in_index`` of the deep features,
            ``channels``, ``dilations``, ``norm_cfg``, ``loss_decode``, ...).
    """

    def __init__(self, full_res_index: int = 0, full_res_channels: int = 16,
                 num_refine_convs: int = 2, refine_channels: Optional[int] = None, **kwargs):
        super().__init__(**kwargs)
        if num_refine_convs < 1:
            raise ValueError(f'num_refine_convs must be >= 1, got {num_refine_convs}')
        self.full_res_index = full_res_index
        self.refine_channels = refine_channels or self.channels
        self.refine = nn.Sequential(*[
            ConvModule(self.channels + full_res_channels if i == 0 else self.refine_channels,
                       self.refine_channels, 3, padding=1, conv_cfg=self.conv_cfg,
                       norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
            for i in range(num_refine_convs)])
        self.conv_seg = nn.Conv2d(self.refine_channels, self.out_channels, kernel_size=1)

    def _to(self, x: torch.Tensor, full: torch.Tensor) -> torch.Tensor:
        """Bilinear up-sampling of ``x`` to the size of the full-resolution features."""
        return resize(x, size=full.shape[2:], mode='bilinear', align_corners=self.align_corners)

    def aspp_and_refined(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        """(ASPP output at the deep features' stride, refined features at full resolution)."""
        deep = super()._forward_feature(inputs)
        full = inputs[self.full_res_index]
        return deep, self.refine(torch.cat([self._to(deep, full), full], 1))

    def _forward_feature(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.aspp_and_refined(inputs)[1]
