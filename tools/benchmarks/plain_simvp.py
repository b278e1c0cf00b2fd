"""SimVP in plain PyTorch, the reference the training benchmark measures futureseg against.

No futureseg, MMEngine or mmcv import: this is what a user would write by hand. The module
tree (and so the state-dict keys) mirrors futureseg's ``SimVPMaskPredictor`` /
``SimVPFramePredictor``, so the benchmark loads the framework model's weights into it and
checks that both compute the same outputs before timing them.
"""
import torch
import torch.nn.functional as F
from torch import nn


class _ConvBlock(nn.Module):
    """conv (stride 2 down / x4 channels + pixel shuffle up) + GroupNorm(2) + LeakyReLU(0.2)."""

    def __init__(self, c_in, c_out, down=False, up=False):
        super().__init__()
        if up:
            self.conv = nn.Sequential(nn.Conv2d(c_in, c_out * 4, 3, 1, 1), nn.PixelShuffle(2))
        else:
            self.conv = nn.Conv2d(c_in, c_out, 3, 2 if down else 1, 1)
        self.norm = nn.GroupNorm(2, c_out)

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), 0.2)


class Encoder(nn.Module):
    def __init__(self, c_in, hid, n):
        super().__init__()
        self.enc = nn.Sequential(*[_ConvBlock(c_in if k == 0 else hid, hid, down=k % 2 == 1)
                                   for k in range(n)])

    def forward(self, x):
        skip = self.enc[0](x)
        return self.enc[1:](skip), skip


class Decoder(nn.Module):
    def __init__(self, c_out, hid, n):
        super().__init__()
        self.dec = nn.Sequential(*[_ConvBlock(hid, hid, up=k % 2 == 1) for k in reversed(range(n))])
        self.readout = nn.Conv2d(hid, c_out, 1)

    def forward(self, hid, skip):
        return self.readout(self.dec[-1](self.dec[:-1](hid) + skip))


# IncepU (SimVP v1) ---------------------------------------------------------------------------
class _Branch(nn.Module):
    def __init__(self, c_in, c_out, k, groups):
        super().__init__()
        groups = 1 if c_in % groups else groups
        self.conv = nn.Conv2d(c_in, c_out, k, 1, k // 2, groups=groups)
        self.norm = nn.GroupNorm(groups, c_out)

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), 0.2)


class _Inception(nn.Module):
    def __init__(self, c_in, c_hid, c_out, groups=8):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_hid, 1)
        self.branches = nn.ModuleList(_Branch(c_hid, c_out, k, groups) for k in (3, 5, 7, 11))

    def forward(self, x):
        x = self.conv1(x)
        out = self.branches[0](x)
        for b in self.branches[1:]:
            out = out + b(x)
        return out


class IncepU(nn.Module):
    def __init__(self, c, hid, n):
        super().__init__()
        h = hid // 2
        self.enc = nn.ModuleList([_Inception(c, h, hid)] + [_Inception(hid, h, hid) for _ in range(n - 1)])
        self.dec = nn.ModuleList([_Inception(hid, h, hid)] + [_Inception(2 * hid, h, hid) for _ in range(n - 2)]
                                 + [_Inception(2 * hid, h, c)])

    def forward(self, z):
        skips = []
        for k, block in enumerate(self.enc):
            z = block(z)
            if k < len(self.enc) - 1:
                skips.append(z)
        z = self.dec[0](z)
        for block, skip in zip(self.dec[1:], reversed(skips)):
            z = block(torch.cat([z, skip], 1))
        return z


# gSTA (SimVP v2) and TAU ---------------------------------------------------------------------
class _Gating(nn.Module):
    """Depthwise 5x5, dilated depthwise 7x7 (d=3), then gSTA's sigmoid gate or TAU's SE weight."""

    def __init__(self, dim, kind):
        super().__init__()
        self.kind = kind
        self.conv0 = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.conv_spatial = nn.Conv2d(dim, dim, 7, padding=9, groups=dim, dilation=3)
        self.conv1 = nn.Conv2d(dim, 2 * dim if kind == 'gsta' else dim, 1)
        if kind == 'tau':
            squeeze = dim // max(dim // 16, 4)
            self.fc = nn.Sequential(nn.Linear(dim, squeeze, bias=False), nn.ReLU(True),
                                    nn.Linear(squeeze, dim, bias=False), nn.Sigmoid())

    def forward(self, x):
        attn = self.conv1(self.conv_spatial(self.conv0(x)))
        if self.kind == 'gsta':
            f, g = attn.chunk(2, 1)
            return torch.sigmoid(g) * f
        return self.fc(x.mean((2, 3)))[..., None, None] * attn * x


class _Attention(nn.Module):
    def __init__(self, dim, kind):
        super().__init__()
        self.proj_1 = nn.Conv2d(dim, dim, 1)
        self.spatial_gating_unit = _Gating(dim, kind)
        self.proj_2 = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        return x + self.proj_2(self.spatial_gating_unit(F.gelu(self.proj_1(x))))


class _Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(F.gelu(self.dwconv(self.fc1(x))))


def _drop_path(x, p, training):
    """Stochastic depth: each sample's residual branch dropped with probability ``p``."""
    if p == 0. or not training:
        return x
    keep = 1 - p
    mask = (keep + torch.rand((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype, device=x.device)).floor()
    return x.div(keep) * mask


class _Block(nn.Module):
    def __init__(self, dim, kind, mlp_ratio=8., drop_path=0.):
        super().__init__()
        self.drop_path = drop_path
        self.norm1 = nn.BatchNorm2d(dim)
        self.attn = _Attention(dim, kind)
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp = _Mlp(dim, int(dim * mlp_ratio))
        self.layer_scale_1 = nn.Parameter(1e-2 * torch.ones(dim))
        self.layer_scale_2 = nn.Parameter(1e-2 * torch.ones(dim))

    def forward(self, x):
        x = x + _drop_path(self.layer_scale_1[:, None, None] * self.attn(self.norm1(x)), self.drop_path, self.training)
        return x + _drop_path(self.layer_scale_2[:, None, None] * self.mlp(self.norm2(x)), self.drop_path, self.training)


class _MetaBlock(nn.Module):
    def __init__(self, c_in, c_out, kind, drop_path=0.):
        super().__init__()
        self.block = _Block(c_in, kind, drop_path=drop_path)
        self.reduction = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x):
        return self.reduction(self.block(x))


class MetaTranslator(nn.Module):
    def __init__(self, c, hid, n, kind, drop_path=0.):
        super().__init__()
        chans = [c] + [hid] * (n - 1) + [c]
        # OpenSTL's stochastic-depth rule: linspace(0.01, drop_path), the last block at drop_path
        rates = torch.linspace(1e-2, drop_path, n).tolist()
        rates[-1] = drop_path
        self.enc = nn.Sequential(*[_MetaBlock(chans[k], chans[k + 1], kind, rates[k]) for k in range(n)])

    def forward(self, z):
        return self.enc(z)


TRANSLATORS = {'IncepUTranslator': lambda c, h, n: IncepU(c, h, n),
               'GSTATranslator': lambda c, h, n: MetaTranslator(c, h, n, 'gsta'),
               'TAUTranslator': lambda c, h, n: MetaTranslator(c, h, n, 'tau')}


class PlainSimVP(nn.Module):
    """(B, T, 3, H, W) in [0, 1] -> (B, To, C_out, H, W): frames (``out_channels=3``, all 11
    steps) or class logits (``out_channels=49``, ``last_only`` decodes frame 22 alone)."""

    def __init__(self, translator='GSTATranslator', hid_S=64, N_S=4, hid_T=512, N_T=8, T=11,
                 out_channels=3, last_only=False):
        super().__init__()
        self.encoder = Encoder(3, hid_S, N_S)
        self.translator = TRANSLATORS[translator](T * hid_S, hid_T, N_T)
        self.decoder = Decoder(out_channels, hid_S, N_S)
        self.last_only = last_only

    def forward(self, x):
        b, t = x.shape[:2]
        latent, skip = self.encoder(x.flatten(0, 1))
        hid = self.translator(latent.reshape(b, -1, *latent.shape[2:])).reshape(b, t, *latent.shape[1:])
        skip = skip.reshape(b, t, *skip.shape[1:])
        if self.last_only:
            hid, skip = hid[:, -1:], skip[:, -1:]
        out = self.decoder(hid.flatten(0, 1), skip.flatten(0, 1))
        return out.reshape(b, hid.shape[1], *out.shape[1:])
