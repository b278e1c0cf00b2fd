"""SimVP's spatial encoder/decoder and its translators, registered in MODELS.

Shapes: the encoder maps (B*T, C, H, W) frames to (B*T, hid_S, H/2^k, W/2^k) latents and keeps
its first block's output as a skip; a translator maps the folded latents (B, T*hid_S, h, w) to
the same shape (the future); the decoder maps latents + skip back to (B*T', C_out, H, W).
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from futureseg.registry import MODELS
from .blocks import (DEFAULT_ACT_CFG, AttentionBlock, ConvNormAct, InceptionBlock, MetaBlock,
                     resolve_act_cfg)

#: SimVP's spatial norm, GroupNorm with 2 groups.
DEFAULT_NORM_CFG = dict(type='GN', num_groups=2)


def _strides(num_blocks: int) -> List[bool]:
    """Down-sampling flags [False, True, False, True, ...] (strides 1, 2, 1, 2, ...)."""
    return [k % 2 == 1 for k in range(num_blocks)]


def init_basic_conv(block: nn.Module) -> None:
    """OpenSTL's ``BasicConv2d`` init, for the spatial encoder / decoder blocks: truncated
    normal (std 0.02) weights and zero biases of the 2-D convolutions (a transposed
    convolution keeps PyTorch's init, as SimVP v1's)."""
    for m in block.modules():
        if type(m) is nn.Conv2d:
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def init_attention_block(block: nn.Module) -> None:
    """OpenSTL's ``GASubBlock._init_weights`` (gSTA and TAU): convolutions normal with std
    sqrt(2 / fan_out), fan_out = k_h * k_w * out_channels / groups; linear layers truncated
    normal (std 0.02); zero biases; norms at weight 1, bias 0."""
    for m in block.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            nn.init.normal_(m.weight, 0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def drop_path_rates(num_blocks: int, drop_path: float) -> List[float]:
    """OpenSTL's stochastic-depth rule for the meta translators: ``linspace(1e-2, drop_path)``
    over the blocks, the last one at ``drop_path`` (so even ``drop_path=0`` leaves the first
    blocks a small rate, decaying from 0.01)."""
    rates = torch.linspace(1e-2, drop_path, num_blocks).tolist()
    rates[-1] = drop_path
    return rates


class _OpenSTLInit:
    """``init_weights`` as OpenSTL initialises each module (``_init_blocks``), unless an
    explicit ``init_cfg`` (e.g. a checkpoint) is given."""

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            self._init_blocks()

    def _init_blocks(self) -> None:
        raise NotImplementedError


@MODELS.register_module()
class SimVPEncoder(_OpenSTLInit, BaseModule):
    """N_S blocks of conv + norm + activation (GroupNorm(2) + LeakyReLU(0.2) by default, as
    SimVP), strides 1, 2, 1, 2, ...; the first block's output is kept as the decoder's skip.

    Args:
        in_channels (int): Channels of a frame (3 for RGB). Default: 3.
        hid_S (int): Latent channels. Default: 64.
        N_S (int): Number of blocks (``N_S // 2`` of them halve the resolution). Default: 4.
        kernel_size (int): Convolution kernel size. Default: 3.
        act (str, optional): Deprecated alias of ``act_cfg``: 'LeakyReLU' (SimVP v1),
            'SiLU' (OpenSTL's later code) or 'GELU'. Default: None.
        norm_cfg (dict): Norm layer config (mmcv's ``build_norm_layer``).
            Default: ``dict(type='GN', num_groups=2)``.
        act_cfg (dict, optional): Activation config (mmcv's ``build_activation_layer``);
            None means ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``.
            Default: None.
        init_cfg (dict, optional): MMEngine init config; None applies OpenSTL's init
            (:func:`init_basic_conv`). Default: None.
    """

    def __init__(self, in_channels: int = 3, hid_S: int = 64, N_S: int = 4,
                 kernel_size: int = 3, act: Optional[str] = None,
                 norm_cfg: dict = DEFAULT_NORM_CFG, act_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        act_cfg = resolve_act_cfg(act_cfg, act)
        downs = _strides(N_S)
        self.enc = nn.Sequential(*[
            ConvNormAct(in_channels if k == 0 else hid_S, hid_S, kernel_size, down=d,
                        norm_cfg=norm_cfg, act_cfg=act_cfg)
            for k, d in enumerate(downs)])
        self.strides = tuple(2 if d else 1 for d in downs)
        # H and W must be multiples of this: the decoder doubles what each stride-2 block
        # halved, so a rounded-up half does not come back to the skip's size (30 -> 15 -> 8
        # -> 16 -> 32)
        self.downsample = 2 ** sum(downs)

    def _init_blocks(self) -> None:
        init_basic_conv(self.enc)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        skip = self.enc[0](x)
        latent = skip
        for block in self.enc[1:]:
            latent = block(latent)
        return latent, skip


@MODELS.register_module()
class SimVPDecoder(_OpenSTLInit, BaseModule):
    """Mirror of the encoder (up-sampling where it down-sampled), the encoder's first-block
    output added before the last block, then a 1x1 readout to ``out_channels``.

    Args:
        out_channels (int): Output channels (3 for frames, 49 for class logits). Default: 3.
        hid_S (int): Latent channels (as the encoder's). Default: 64.
        N_S (int): Number of blocks (as the encoder's). Default: 4.
        kernel_size (int): Convolution kernel size. Default: 3.
        act (str, optional): Deprecated alias of ``act_cfg``: 'LeakyReLU' | 'SiLU' | 'GELU'.
            Default: None.
        upsample (str): 'pixelshuffle' (OpenSTL) or 'transpose' (SimVP v1).
            Default: 'pixelshuffle'.
        norm_cfg (dict): Norm layer config (mmcv's ``build_norm_layer``).
            Default: ``dict(type='GN', num_groups=2)``.
        act_cfg (dict, optional): Activation config (mmcv's ``build_activation_layer``);
            None means ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``.
            Default: None.
        init_cfg (dict, optional): MMEngine init config; None applies OpenSTL's init
            (:func:`init_basic_conv`; the readout keeps PyTorch's). Default: None.
    """

    def __init__(self, out_channels: int = 3, hid_S: int = 64, N_S: int = 4,
                 kernel_size: int = 3, act: Optional[str] = None,
                 upsample: str = 'pixelshuffle', norm_cfg: dict = DEFAULT_NORM_CFG,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        act_cfg = resolve_act_cfg(act_cfg, act)
        ups = list(reversed(_strides(N_S)))
        self.dec = nn.Sequential(*[
            ConvNormAct(hid_S, hid_S, kernel_size, up=u, upsample=upsample,
                        norm_cfg=norm_cfg, act_cfg=act_cfg) for u in ups])
        self.readout = nn.Conv2d(hid_S, out_channels, 1)
        self.out_channels = out_channels

    def _init_blocks(self) -> None:
        init_basic_conv(self.dec)  # the 1x1 readout keeps PyTorch's init, as OpenSTL's

    def forward(self, hid: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        for block in self.dec[:-1]:
            hid = block(hid)
        return self.readout(self.dec[-1](hid + skip))


@MODELS.register_module()
class IncepUTranslator(_OpenSTLInit, BaseModule):
    """SimVP v1's translator: a U-Net of 2*N_T Inception blocks over (B, T*hid_S, h, w).

    Args:
        in_channels (int): Folded latent channels, T * hid_S (the predictors fill it in).
        hid_T (int): Hidden channels of the blocks (their 1x1 convs reduce to hid_T / 2).
            Default: 512.
        N_T (int): Blocks in each half of the U-Net (at least 2). Default: 8.
        kernels (Sequence[int]): Kernel sizes of each block's parallel branches.
            Default: (3, 5, 7, 11).
        groups (int): Groups of the branch convolutions. Default: 8.
        norm_cfg (dict): Norm config of the branches (mmcv); a GN config without
            ``num_groups`` takes ``groups``, as SimVP's GroupNorm(groups).
            Default: ``dict(type='GN')``.
        act_cfg (dict): Activation config of the branches (mmcv).
            Default: ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``.
        init_cfg (dict, optional): MMEngine init config; None keeps PyTorch's init, as
            OpenSTL's IncepU. Default: None.
    """

    def __init__(self, in_channels: int, hid_T: int = 512, N_T: int = 8,
                 kernels: Sequence[int] = (3, 5, 7, 11), groups: int = 8,
                 norm_cfg: dict = dict(type='GN'), act_cfg: dict = DEFAULT_ACT_CFG,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        if N_T < 2:
            raise ValueError(f'IncepUTranslator needs N_T >= 2, got {N_T}')
        half = hid_T // 2
        kw = dict(kernels=kernels, groups=groups, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.enc = nn.ModuleList(
            [InceptionBlock(in_channels, half, hid_T, **kw)]
            + [InceptionBlock(hid_T, half, hid_T, **kw) for _ in range(N_T - 1)])
        self.dec = nn.ModuleList(
            [InceptionBlock(hid_T, half, hid_T, **kw)]
            + [InceptionBlock(2 * hid_T, half, hid_T, **kw) for _ in range(N_T - 2)]
            + [InceptionBlock(2 * hid_T, half, in_channels, **kw)])

    def _init_blocks(self) -> None:
        pass  # OpenSTL's IncepU keeps PyTorch's init

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        skips = []
        for k, block in enumerate(self.enc):
            z = block(z)
            if k < len(self.enc) - 1:
                skips.append(z)
        z = self.dec[0](z)
        for block, skip in zip(self.dec[1:], reversed(skips)):
            z = block(torch.cat([z, skip], dim=1))
        return z


class _MetaTranslator(_OpenSTLInit, BaseModule):
    """N_T attention blocks: in_channels -> hid_T, (N_T - 2) x hid_T, hid_T -> in_channels."""

    kind = None

    def __init__(self, in_channels: int, hid_T: int = 512, N_T: int = 8,
                 mlp_ratio: float = 8., drop: float = 0., drop_path: float = 0.,
                 kernel_size: int = 21, init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        if N_T < 2:
            raise ValueError(f'{type(self).__name__} needs N_T >= 2, got {N_T}')
        dpr = drop_path_rates(N_T, drop_path)
        chans = [in_channels] + [hid_T] * (N_T - 1) + [in_channels]
        self.enc = nn.Sequential(*[
            MetaBlock(chans[k], chans[k + 1], kind=self.kind, kernel_size=kernel_size,
                      mlp_ratio=mlp_ratio, drop=drop, drop_path=dpr[k]) for k in range(N_T)])

    def _init_blocks(self) -> None:
        # the attention blocks as OpenSTL's GASubBlock; a block's 1x1 channel reduction keeps
        # PyTorch's init, as OpenSTL's MetaBlock
        for m in self.modules():
            if isinstance(m, AttentionBlock):
                init_attention_block(m)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.enc(z)


# the arguments of both meta translators (their docstrings are their config reference)
_META_TRANSLATOR_ARGS = """    Args:
        in_channels (int): Folded latent channels, T * hid_S (the predictors fill it in).
        hid_T (int): Channels of the inner blocks. Default: 512.
        N_T (int): Number of blocks (at least 2). Default: 8.
        mlp_ratio (float): MLP hidden channels / block channels. Default: 8.0.
        drop (float): Dropout in the MLPs. Default: 0.0.
        drop_path (float): Stochastic depth of the last block; the others follow
            :func:`drop_path_rates` (OpenSTL's rule, from 0.01). Default: 0.0.
        kernel_size (int): Size of the decomposed large depthwise kernel. Default: 21.
        init_cfg (dict, optional): MMEngine init config; None applies OpenSTL's init
            (:func:`init_attention_block`). Default: None.
"""


@MODELS.register_module()
class GSTATranslator(_MetaTranslator):
    __doc__ = ("""SimVP v2's gated spatiotemporal attention translator: N_T gSTA blocks (BN, gated
    large-kernel attention, conv MLP, layer scale 1e-2, drop path), in_channels -> hid_T,
    (N_T - 2) x hid_T, hid_T -> in_channels.

""" + _META_TRANSLATOR_ARGS)
    kind = 'gsta'


@MODELS.register_module()
class TAUTranslator(_MetaTranslator):
    __doc__ = ("""TAU's temporal attention translator (statics x SE-style dynamics): N_T TAU blocks,
    in_channels -> hid_T, (N_T - 2) x hid_T, hid_T -> in_channels.

""" + _META_TRANSLATOR_ARGS)
    kind = 'tau'
