"""SimVP building blocks, following OpenSTL's ``simvp_modules`` (SimVP v1 and v2 / TAU).

The conv blocks take mmcv's ``norm_cfg`` / ``act_cfg`` (as mmseg's ``ConvModule``-based
blocks do), built with ``mmcv.cnn.build_norm_layer`` / ``build_activation_layer``; the
defaults reproduce SimVP's layers (GroupNorm + LeakyReLU(0.2)).
"""
import copy
import warnings
from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks import DropPath
from torch import nn

#: SimVP's activation, LeakyReLU(0.2) (in place).
DEFAULT_ACT_CFG = dict(type='LeakyReLU', negative_slope=0.2, inplace=True)

# the deprecated ``act`` strings of SimVPEncoder / SimVPDecoder / ConvNormAct
ACT_ALIASES = {
    'LeakyReLU': DEFAULT_ACT_CFG,
    'SiLU': dict(type='SiLU', inplace=True),
    'GELU': dict(type='GELU'),
}


def resolve_act_cfg(act_cfg: Optional[dict], act: Optional[str] = None) -> dict:
    """The activation config of a block: ``act_cfg``, or the deprecated ``act`` string
    ('LeakyReLU' | 'SiLU' | 'GELU') mapped to its config (a DeprecationWarning); both
    given is an error, neither gives :data:`DEFAULT_ACT_CFG`."""
    if act is not None:
        if act_cfg is not None:
            raise ValueError('give act_cfg or the deprecated act, not both')
        if act not in ACT_ALIASES:
            raise ValueError(f"activation must be 'LeakyReLU', 'SiLU' or 'GELU', got {act!r}")
        warnings.warn(f"act={act!r} is deprecated: use act_cfg={ACT_ALIASES[act]!r}",
                      DeprecationWarning, stacklevel=3)
        act_cfg = ACT_ALIASES[act]
    return copy.deepcopy(DEFAULT_ACT_CFG if act_cfg is None else act_cfg)


class ConvNormAct(nn.Module):
    """3x3 conv (stride 2 to down-sample; x4 channels + PixelShuffle or a transposed conv to
    up-sample) + norm + activation: one block of SimVP's spatial encoder/decoder.

    Args:
        c_in (int): Input channels.
        c_out (int): Output channels.
        kernel_size (int): Convolution kernel size. Default: 3.
        down (bool): Stride 2 (halves the resolution). Default: False.
        up (bool): Doubles the resolution (see ``upsample``). Default: False.
        act (str, optional): Deprecated alias of ``act_cfg``: 'LeakyReLU' | 'SiLU' | 'GELU'.
            Default: None.
        upsample (str): 'pixelshuffle' (OpenSTL) or 'transpose' (SimVP v1), used when
            ``up``. Default: 'pixelshuffle'.
        norm_cfg (dict): Norm layer config (mmcv). Default: ``dict(type='GN', num_groups=2)``.
        act_cfg (dict, optional): Activation config (mmcv); None means
            ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``. Default: None.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int = 3, down: bool = False,
                 up: bool = False, act: Optional[str] = None, upsample: str = 'pixelshuffle',
                 norm_cfg: dict = dict(type='GN', num_groups=2),
                 act_cfg: Optional[dict] = None):
        super().__init__()
        stride = 2 if down else 1
        padding = (kernel_size - stride + 1) // 2
        if up and upsample == 'pixelshuffle':
            self.conv = nn.Sequential(nn.Conv2d(c_in, c_out * 4, kernel_size, 1, padding),
                                      nn.PixelShuffle(2))
        elif up and upsample == 'transpose':  # SimVP v1's decoder
            self.conv = nn.ConvTranspose2d(c_in, c_out, kernel_size, 2, padding, output_padding=1)
        elif up:
            raise ValueError(f"upsample must be 'pixelshuffle' or 'transpose', got {upsample!r}")
        else:
            self.conv = nn.Conv2d(c_in, c_out, kernel_size, stride, padding)
        self.norm = build_norm_layer(norm_cfg, c_out)[1]
        self.act = build_activation_layer(resolve_act_cfg(act_cfg, act))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.conv(x)))


class GroupConvNormAct(nn.Module):
    """Grouped conv + norm + activation, an Inception branch (by default GroupNorm(groups) +
    LeakyReLU(0.2), as SimVP v1's ``GroupConv2d``).

    Args:
        c_in (int): Input channels.
        c_out (int): Output channels.
        kernel_size (int): Kernel size (padding keeps the resolution).
        groups (int): Convolution groups; 1 where ``c_in`` is not a multiple of it.
        norm_cfg (dict): Norm layer config (mmcv); a GN config without ``num_groups`` takes
            ``groups``. Default: ``dict(type='GN')``.
        act_cfg (dict): Activation config (mmcv).
            Default: ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int, groups: int,
                 norm_cfg: dict = dict(type='GN'), act_cfg: dict = DEFAULT_ACT_CFG):
        super().__init__()
        if c_in % groups:
            groups = 1
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, 1, kernel_size // 2, groups=groups)
        norm_cfg = dict(norm_cfg)
        if norm_cfg.get('type') in ('GN', nn.GroupNorm):
            norm_cfg.setdefault('num_groups', groups)
        self.norm = build_norm_layer(norm_cfg, c_out)[1]
        self.act = build_activation_layer(copy.deepcopy(act_cfg))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.conv(x)))


class InceptionBlock(nn.Module):
    """SimVP v1's gInception_ST: 1x1 conv to ``c_hid``, then grouped convs with kernels
    ``kernels`` in parallel, summed.

    Args:
        c_in (int): Input channels.
        c_hid (int): Channels after the 1x1 conv.
        c_out (int): Output channels.
        kernels (Sequence[int]): Kernel sizes of the parallel branches. Default: (3, 5, 7, 11).
        groups (int): Groups of the branch convolutions. Default: 8.
        norm_cfg (dict): Norm config of the branches (see :class:`GroupConvNormAct`).
            Default: ``dict(type='GN')``.
        act_cfg (dict): Activation config of the branches.
            Default: ``dict(type='LeakyReLU', negative_slope=0.2, inplace=True)``.
    """

    def __init__(self, c_in: int, c_hid: int, c_out: int,
                 kernels: Sequence[int] = (3, 5, 7, 11), groups: int = 8,
                 norm_cfg: dict = dict(type='GN'), act_cfg: dict = DEFAULT_ACT_CFG):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_hid, 1)
        self.branches = nn.ModuleList(
            GroupConvNormAct(c_hid, c_out, k, groups, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for k in kernels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        return sum(branch(x) for branch in self.branches)


def large_kernel_convs(dim: int, kernel_size: int = 21,
                       dilation: int = 3) -> Tuple[nn.Conv2d, nn.Conv2d]:
    """A large depthwise kernel decomposed as a small depthwise conv and a dilated depthwise
    conv (the statics of gSTA and TAU)."""
    d_k = 2 * dilation - 1
    dd_k = kernel_size // dilation + ((kernel_size // dilation) % 2 - 1)
    conv0 = nn.Conv2d(dim, dim, d_k, padding=(d_k - 1) // 2, groups=dim)
    conv_spatial = nn.Conv2d(dim, dim, dd_k, padding=dilation * (dd_k - 1) // 2, groups=dim,
                             dilation=dilation)
    return conv0, conv_spatial


class LargeKernelAttention(nn.Module):
    """gSTA's gated attention: depthwise conv, dilated depthwise conv, 1x1 to 2C, sigmoid gate."""

    def __init__(self, dim: int, kernel_size: int = 21, dilation: int = 3):
        super().__init__()
        self.conv0, self.conv_spatial = large_kernel_convs(dim, kernel_size, dilation)
        self.conv1 = nn.Conv2d(dim, 2 * dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, g = self.conv1(self.conv_spatial(self.conv0(x))).chunk(2, dim=1)
        return torch.sigmoid(g) * f


class TemporalAttentionModule(nn.Module):
    """TAU's attention: the same large-kernel statics times an SE-style channel weight
    (the dynamics), times the input."""

    def __init__(self, dim: int, kernel_size: int = 21, dilation: int = 3, reduction: int = 16):
        super().__init__()
        self.conv0, self.conv_spatial = large_kernel_convs(dim, kernel_size, dilation)
        self.conv1 = nn.Conv2d(dim, dim, 1)
        squeeze = dim // max(dim // reduction, 4)  # OpenSTL's reduction arithmetic
        self.fc = nn.Sequential(nn.Linear(dim, squeeze, bias=False), nn.ReLU(True),
                                nn.Linear(squeeze, dim, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        statics = self.conv1(self.conv_spatial(self.conv0(x)))
        dynamics = self.fc(x.mean((2, 3)))[..., None, None]
        return dynamics * statics * x


class AttentionUnit(nn.Module):
    """1x1 conv, GELU, attention module, 1x1 conv, plus shortcut."""

    def __init__(self, dim: int, kernel_size: int = 21, kind: str = 'gsta'):
        super().__init__()
        self.proj_1 = nn.Conv2d(dim, dim, 1)
        self.activation = nn.GELU()
        self.spatial_gating_unit = (LargeKernelAttention(dim, kernel_size) if kind == 'gsta'
                                    else TemporalAttentionModule(dim, kernel_size))
        self.proj_2 = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.proj_2(self.spatial_gating_unit(self.activation(self.proj_1(x))))


class ConvMlp(nn.Module):
    """1x1 conv, depthwise 3x3, GELU, 1x1 conv."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.dwconv(self.fc1(x))))))


class AttentionBlock(nn.Module):
    """gSTA / TAU block: BN, attention unit and BN, conv MLP, each with layer scale and drop path."""

    def __init__(self, dim: int, kind: str = 'gsta', kernel_size: int = 21, mlp_ratio: float = 8.,
                 drop: float = 0., drop_path: float = 0., init_value: float = 1e-2):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(dim)
        self.attn = AttentionUnit(dim, kernel_size, kind)
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.layer_scale_1 = nn.Parameter(init_value * torch.ones(dim))
        self.layer_scale_2 = nn.Parameter(init_value * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.layer_scale_1[:, None, None] * self.attn(self.norm1(x)))
        return x + self.drop_path(self.layer_scale_2[:, None, None] * self.mlp(self.norm2(x)))


class MetaBlock(nn.Module):
    """An attention block at ``c_in`` channels, then a 1x1 conv to ``c_out`` if they differ."""

    def __init__(self, c_in: int, c_out: int, **block_kwargs):
        super().__init__()
        self.block = AttentionBlock(c_in, **block_kwargs)
        self.reduction = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.reduction(self.block(x))
