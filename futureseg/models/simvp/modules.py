"""SimVP's spatial encoder/decoder and its translators, registered in MODELS.

Shapes: the encoder maps (B*T, C, H, W) frames to (B*T, hid_S, H/2^k, W/2^k) latents and keeps
its first block's output as a skip; a translator maps the folded latents (B, T*hid_S, h, w) to
the same shape (the future); the decoder maps latents + skip back to (B*T', C_out, H, W).
"""
import torch
from mmengine.model import BaseModule
from torch import nn

from futureseg.registry import MODELS
from .blocks import ConvNormAct, InceptionBlock, MetaBlock


def _strides(num_blocks):
    """Down-sampling flags [False, True, False, True, ...] (strides 1, 2, 1, 2, ...)."""
    return [k % 2 == 1 for k in range(num_blocks)]


class _TruncNormalInit:
    """OpenSTL's init: truncated normal (std 0.02) conv/linear weights, zero biases."""

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is not None:
            return  # an explicit init_cfg (e.g. a checkpoint) wins
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)


@MODELS.register_module()
class SimVPEncoder(_TruncNormalInit, BaseModule):
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

    def forward(self, x):
        skip = self.enc[0](x)
        latent = skip
        for block in self.enc[1:]:
            latent = block(latent)
        return latent, skip


@MODELS.register_module()
class SimVPDecoder(_TruncNormalInit, BaseModule):
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

    def forward(self, hid, skip):
        for block in self.dec[:-1]:
            hid = block(hid)
        return self.readout(self.dec[-1](hid + skip))


@MODELS.register_module()
class IncepUTranslator(_TruncNormalInit, BaseModule):
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


class _MetaTranslator(_TruncNormalInit, BaseModule):
    """N_T attention blocks: in_channels -> hid_T, (N_T - 2) x hid_T, hid_T -> in_channels."""

    kind = None

    def __init__(self, in_channels, hid_T=512, N_T=8, mlp_ratio=8., drop=0., drop_path=0.,
                 kernel_size=21, init_cfg=None):
        super().__init__(init_cfg)
        if N_T < 2:
            raise ValueError(f'{type(self).__name__} needs N_T >= 2, got {N_T}')
        dpr = torch.linspace(1e-2, drop_path, N_T).tolist() if drop_path > 0 else [0.] * N_T
        dpr[-1] = drop_path
        chans = [in_channels] + [hid_T] * (N_T - 1) + [in_channels]
        self.enc = nn.Sequential(*[
            MetaBlock(chans[k], chans[k + 1], kind=self.kind, kernel_size=kernel_size,
                      mlp_ratio=mlp_ratio, drop=drop, drop_path=dpr[k]) for k in range(N_T)])

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
