"""Image quality of predicted frames (METRICS registry): SSIM, PSNR and the frame-prediction
metric (MSE, MAE, PSNR, SSIM) of the self-supervised pre-training stage."""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric

from futureseg.registry import METRICS


def _gaussian_window(size=11, sigma=1.5, channels=3, device=None):
    x = torch.arange(size, dtype=torch.float32, device=device) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = (g / g.sum())[:, None] @ (g / g.sum())[None, :]
    return g.expand(channels, 1, size, size).contiguous()


def ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Mean SSIM of image batches (N, C, H, W) with an 11x11 Gaussian window (Wang et al.)."""
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    w = _gaussian_window(channels=x.shape[1], device=x.device)
    conv = lambda z: F.conv2d(z, w, groups=x.shape[1])  # noqa: E731
    mu_x, mu_y = conv(x), conv(y)
    sxx, syy, sxy = conv(x * x) - mu_x ** 2, conv(y * y) - mu_y ** 2, conv(x * y) - mu_x * mu_y
    s = (((2 * mu_x * mu_y + c1) * (2 * sxy + c2))
         / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2)))
    return s.mean((1, 2, 3))


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """PSNR in dB of each image of batches (N, C, H, W) (the mean squared error floored at
    1e-10, so that identical images give a finite 100 dB at data range 1)."""
    mse = ((x - y) ** 2).mean((1, 2, 3))
    return 10 * torch.log10(data_range ** 2 / mse.clamp_min(1e-10))


@METRICS.register_module()
class FramePredictionMetric(BaseMetric):
    """MSE, MAE, PSNR and SSIM of predicted frames, on the [0, 1] scale, averaged over frames.

    Needs samples with ``pred_frames`` (0-255) and ``target_frames`` (as normalised by the
    model's data preprocessor; give the same ``mean`` / ``std`` here, default [0, 1] scaling).

    Args:
        mean (Sequence[float]): The data preprocessor's mean (0-255 scale).
            Default: (0.0, 0.0, 0.0).
        std (Sequence[float]): The data preprocessor's std (0-255 scale).
            Default: (255.0, 255.0, 255.0).
        collect_device (str): Where results are gathered across processes, 'cpu' or 'gpu'
            (MMEngine's BaseMetric). Default: 'cpu'.
        prefix (str, optional): Metric name prefix; None means 'frames'. Default: None.
    """
    default_prefix = 'frames'

    def __init__(self, mean: Sequence[float] = (0., 0., 0.),
                 std: Sequence[float] = (255., 255., 255.), collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for s in data_samples:
            s = s.to_dict() if hasattr(s, 'to_dict') else s
            pred = s['pred_frames'].float().cpu() / 255.
            target = (s['target_frames'].float().cpu() * self.std + self.mean) / 255.
            mse = ((pred - target) ** 2).mean((1, 2, 3))
            self.results.append(dict(
                mse=float(mse.mean()), mae=float((pred - target).abs().mean()),
                psnr=float(psnr(pred, target).mean()),
                ssim=float(ssim(pred, target).mean())))

    def compute_metrics(self, results: list) -> dict:
        return {k: float(np.mean([r[k] for r in results])) for k in ('mse', 'mae', 'psnr', 'ssim')}
