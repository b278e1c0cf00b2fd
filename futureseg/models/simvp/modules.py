"""SimVP's spatial encoder/decoder and its translators, registered in MODELS.

Shapes: the encoder maps (B*T, C, H, W) frames to (B*T, hid_S, H/2^k, W/2^k) latents and keeps
its first block's output as a skip; a translator maps the folded latents (B, T*hid_S, h, w) to
the same shape (the future); the decoder maps latents + skip back to (B*T', C_out, H, W).
"""
import math

import torch
from mmengine.model import BaseModule
from torch import nn

from futureseg.registry import MODELS
from .blocks import AttentionBlock, ConvNormAct, InceptionBlock, MetaBlock


def _strides(num_blocks):
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


def drop_path_rates(num_blocks: int, drop_path: float) -> list:
    """OpenSTL's stochastic-depth rule for the meta translators: ``linspace(1e-2, drop_path)``
    over the blocks, the last one at ``drop_path`` (so even ``drop_path=0`` leaves the first
    blocks a small rate, decaying from 0.01)."""
    rates = torch.linspace(1e-2, drop_path, num_blocks).tolist()
    rates[-1] = drop_path
    return rates


class _OpenSTLInit:
    """``init_weights`` as OpenSTL initialises each module (``_init_blocks``), unless an
    explicit ``init_cfg`` (e.g. a checkpoint) is given."""

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            self._init_blocks()

    def _init_blocks(self):
        raise NotImplementedError


@MODELS.register_module()
class SimVPEncoder(_OpenSTLInit, BaseModule):
    """N_S blocks of conv + GroupNorm(2) + activation, strides 1, 2, 1, 2, ...

    Config keys: in_channels (3 for RGB), hid_S (64), N_S (4), kernel_size (3),
    act ('LeakyReLU' as SimVP v1; 'SiLU' as OpenSTL's later code), init_cfg.
    """

    def __init__(self, in_channels=3, hid_S=64, N_S=4, kernel_size=3, act='LeakyReLU', init_cfg=None):
        super().__init__(init_cfg)
        downs = _strides(N_S)
        self.enc = nn.Sequential(*[
            ConvNormAct(in_channels if k == 0 else hid_S, hid_S, kernel_size, down=d, act=act)
            for k, d in enumerate(downs)])
        self.downsample = 2 ** sum(downs)

    def _init_blocks(self):
        init_basic_conv(self.enc)

    def forward(self, x):
        skip = self.enc[0](x)
        latent = skip
        for block in self.enc[1:]:
            latent = block(latent)
        return latent, skip


@MODELS.register_module()
class SimVPDecoder(_OpenSTLInit, BaseModule):
    """Mirror of the encoder (up-sampling where it down-sampled), the encoder's first-block
    output added before the last block, then a 1x1 readout to ``out_channels``.

    Config keys: out_channels (3 for frames, 49 for class logits), hid_S, N_S, kernel_size,
    act, upsample ('pixelshuffle' as OpenSTL, or 'transpose' as SimVP v1), init_cfg.
    """

    def __init__(self, out_channels=3, hid_S=64, N_S=4, kernel_size=3, act='LeakyReLU',
                 upsample='pixelshuffle', init_cfg=None):
        super().__init__(init_cfg)
        ups = list(reversed(_strides(N_S)))
        self.dec = nn.Sequential(*[ConvNormAct(hid_S, hid_S, kernel_size, up=u, act=act, upsample=upsample)
                                   for u in ups])
        self.readout = nn.Conv2d(hid_S, out_channels, 1)
        self.out_channels = out_channels

    def _init_blocks(self):
        init_basic_conv(self.dec)  # the 1x1 readout keeps PyTorch's init, as OpenSTL's

    def forward(self, hid, skip):
        for block in self.dec[:-1]:
            hid = block(hid)
        return self.readout(self.dec[-1](hid + skip))


@MODELS.register_module()
class IncepUTranslator(_OpenSTLInit, BaseModule):
    """SimVP v1's translator: a U-Net of 2*N_T Inception blocks over (B, T*hid_S, h, w).

    Config keys: in_channels (T*hid_S), hid_T (512), N_T (8), kernels ((3, 5, 7, 11)), groups (8).
    """

    def __init__(self, in_channels, hid_T=512, N_T=8, kernels=(3, 5, 7, 11), groups=8, init_cfg=None):
        super().__init__(init_cfg)
        if N_T < 2:
            raise ValueError(f'IncepUTranslator needs N_T >= 2, got {N_T}')
        half = hid_T // 2
        self.enc = nn.ModuleList(
            [InceptionBlock(in_channels, half, hid_T, kernels, groups)]
            + [InceptionBlock(hid_T, half, hid_T, kernels, groups) for _ in range(N_T - 1)])
        self.dec = nn.ModuleList(
            [InceptionBlock(hid_T, half, hid_T, kernels, groups)]
            + [InceptionBlock(2 * hid_T, half, hid_T, kernels, groups) for _ in range(N_T - 2)]
            + [InceptionBlock(2 * hid_T, half, in_channels, kernels, groups)])

    def _init_blocks(self):
        pass  # OpenSTL's IncepU keeps PyTorch's init

    def forward(self, z):
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

    def __init__(self, in_channels, hid_T=512, N_T=8, mlp_ratio=8., drop=0., drop_path=0.,
                 kernel_size=21, init_cfg=None):
        super().__init__(init_cfg)
        if N_T < 2:
            raise ValueError(f'{type(self).__name__} needs N_T >= 2, got {N_T}')
        dpr = drop_path_rates(N_T, drop_path)
        chans = [in_channels] + [hid_T] * (N_T - 1) + [in_channels]
        self.enc = nn.Sequential(*[
            MetaBlock(chans[k], chans[k + 1], kind=self.kind, kernel_size=kernel_size,
                      mlp_ratio=mlp_ratio, drop=drop, drop_path=dpr[k]) for k in range(N_T)])

    def _init_blocks(self):
        # the attention blocks as OpenSTL's GASubBlock; a block's 1x1 channel reduction keeps
        # PyTorch's init, as OpenSTL's MetaBlock
        for m in self.modules():
            if isinstance(m, AttentionBlock):
                init_attention_block(m)

    def forward(self, z):
        return self.enc(z)


@MODELS.register_module()
class GSTATranslator(_MetaTranslator):
    """SimVP v2's gated spatiotemporal attention translator.

    Config keys: in_channels (T*hid_S), hid_T, N_T, mlp_ratio (8), drop, drop_path, kernel_size (21).
    """
    kind = 'gsta'


@MODELS.register_module()
class TAUTranslator(_MetaTranslator):
    """TAU's temporal attention translator (statics x SE-style dynamics).

    Config keys: as GSTATranslator.
    """
    kind = 'tau'
