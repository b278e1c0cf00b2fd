"""SimVP building blocks, following OpenSTL's ``simvp_modules`` (SimVP v1 and v2 / TAU)."""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn


def _activation(act):
    if act == 'LeakyReLU':
        return nn.LeakyReLU(0.2, inplace=True)
    if act == 'SiLU':
        return nn.SiLU(inplace=True)
    if act == 'GELU':
        return nn.GELU()
    raise ValueError(f"activation must be 'LeakyReLU', 'SiLU' or 'GELU', got {act!r}")


class ConvNormAct(nn.Module):
    """3x3 conv (stride 2 to down-sample; x4 channels + PixelShuffle or a transposed conv to
    up-sample) + GroupNorm(2) + activation: one block of SimVP's spatial encoder/decoder."""

    def __init__(self, c_in, c_out, kernel_size=3, down=False, up=False, act='LeakyReLU',
                 upsample='pixelshuffle'):
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
        self.norm = nn.GroupNorm(2, c_out)
        self.act = _activation(act)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class GroupConvNormAct(nn.Module):
    """Grouped conv + GroupNorm(groups) + LeakyReLU(0.2), an Inception branch."""

    def __init__(self, c_in, c_out, kernel_size, groups):
        super().__init__()
        if c_in % groups:
            groups = 1
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, 1, kernel_size // 2, groups=groups)
        self.norm = nn.GroupNorm(groups, c_out)
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class InceptionBlock(nn.Module):
    """SimVP v1's gInception_ST: 1x1 conv to ``c_hid``, then grouped convs with kernels
    ``kernels`` in parallel, summed."""

    def __init__(self, c_in, c_hid, c_out, kernels=(3, 5, 7, 11), groups=8):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_hid, 1)
        self.branches = nn.ModuleList(GroupConvNormAct(c_hid, c_out, k, groups) for k in kernels)

    def forward(self, x):
        x = self.conv1(x)
        return sum(branch(x) for branch in self.branches)


def large_kernel_convs(dim, kernel_size=21, dilation=3):
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

    def __init__(self, dim, kernel_size=21, dilation=3):
        super().__init__()
        self.conv0, self.conv_spatial = large_kernel_convs(dim, kernel_size, dilation)
        self.conv1 = nn.Conv2d(dim, 2 * dim, 1)

    def forward(self, x):
        f, g = self.conv1(self.conv_spatial(self.conv0(x))).chunk(2, dim=1)
        return torch.sigmoid(g) * f


class TemporalAttentionModule(nn.Module):
    """TAU's attention: the same large-kernel statics times an SE-style channel weight
    (the dynamics), times the input."""

    def __init__(self, dim, kernel_size=21, dilation=3, reduction=16):
        super().__init__()
        self.conv0, self.conv_spatial = large_kernel_convs(dim, kernel_size, dilation)
        self.conv1 = nn.Conv2d(dim, dim, 1)
        squeeze = dim // max(dim // reduction, 4)  # OpenSTL's reduction arithmetic
        self.fc = nn.Sequential(nn.Linear(dim, squeeze, bias=False), nn.ReLU(True),
                                nn.Linear(squeeze, dim, bias=False), nn.Sigmoid())

    def forward(self, x):
        statics = self.conv1(self.conv_spatial(self.conv0(x)))
        dynamics = self.fc(x.mean((2, 3)))[..., None, None]
        return dynamics * statics * x


class AttentionUnit(nn.Module):
    """1x1 conv, GELU, attention module, 1x1 conv, plus shortcut."""

    def __init__(self, dim, kernel_size=21, kind='gsta'):
        super().__init__()
        self.proj_1 = nn.Conv2d(dim, dim, 1)
        self.activation = nn.GELU()
        self.spatial_gating_unit = (LargeKernelAttention(dim, kernel_size) if kind == 'gsta'
                                    else TemporalAttentionModule(dim, kernel_size))
        self.proj_2 = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        return x + self.proj_2(self.spatial_gating_unit(self.activation(self.proj_1(x))))


class ConvMlp(nn.Module):
    """1x1 conv, depthwise 3x3, GELU, 1x1 conv."""

    def __init__(self, dim, hidden, drop=0.):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(self.act(self.dwconv(self.fc1(x))))))


class AttentionBlock(nn.Module):
    """gSTA / TAU block: BN, attention unit and BN, conv MLP, each with layer scale and drop path."""

    def __init__(self, dim, kind='gsta', kernel_size=21, mlp_ratio=8., drop=0., drop_path=0.,
                 init_value=1e-2):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(dim)
        self.attn = AttentionUnit(dim, kernel_size, kind)
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio), drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.layer_scale_1 = nn.Parameter(init_value * torch.ones(dim))
        self.layer_scale_2 = nn.Parameter(init_value * torch.ones(dim))

    def forward(self, x):
        x = x + self.drop_path(self.layer_scale_1[:, None, None] * self.attn(self.norm1(x)))
        return x + self.drop_path(self.layer_scale_2[:, None, None] * self.mlp(self.norm2(x)))


class MetaBlock(nn.Module):
    """An attention block at ``c_in`` channels, then a 1x1 conv to ``c_out`` if they differ."""

    def __init__(self, c_in, c_out, **block_kwargs):
        super().__init__()
        self.block = AttentionBlock(c_in, **block_kwargs)
        self.reduction = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x):
        return self.reduction(self.block(x))
