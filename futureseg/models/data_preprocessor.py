"""Batches video samples on the model's device and normalises their frames."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from futureseg.structures import MASK_KEYS
from futureseg.registry import MODELS


@MODELS.register_module()
class VideoDataPreprocessor(BaseDataPreprocessor):
    """Stacks ``inputs`` to (B, T, 3, H, W) float, normalised as ``(x - mean) / std`` per
    channel (0-255 scale; the defaults map to [0, 1]); target frames get the same
    normalisation; the samples' masks (packed as uint8) become long tensors on the device.

    Args:
        mean (Sequence[float]): Per-channel mean (0-255 scale). Default: (0.0, 0.0, 0.0).
        std (Sequence[float]): Per-channel std (0-255 scale). Default: (255.0, 255.0, 255.0).
        channels_last (bool): Hand the model channels-last tensors (faster convs on GPUs;
            ``ChannelsLastHook`` sets it). Default: False.
        non_blocking (bool): Asynchronous host-to-device copies, as MMEngine's
            BaseDataPreprocessor. Default: True.
    """

    def __init__(self, mean: Sequence[float] = (0., 0., 0.), std: Sequence[float] = (255., 255., 255.),
                 channels_last: bool = False, non_blocking: bool = True):
        super().__init__(non_blocking=non_blocking)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 1, 3, 1, 1), False)
        self.channels_last = channels_last

    def normalize(self, frames: torch.Tensor) -> torch.Tensor:
        """0-255 frames (..., 3, H, W) -> normalised floats."""
        return (frames.float() - self.mean) / self.std

    def denormalize(self, frames: torch.Tensor) -> torch.Tensor:
        """Back to 0-255 floats (for frame metrics and pictures)."""
        return frames * self.std + self.mean

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        inputs = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
        samples: Optional[list] = data.get('data_samples')
        inputs = self.normalize(inputs)
        if samples is not None and len(samples) and 'target_frames' in samples[0]:
            for s in samples:
                s.target_frames = self.normalize(s.target_frames[None])[0]
        for s in samples or ():
            for key in MASK_KEYS:  # packed as uint8; losses and embeddings index with long
                if key in s:
                    setattr(s, key, getattr(s, key).long())
        if self.channels_last:
            b, t = inputs.shape[:2]
            inputs = inputs.flatten(0, 1).contiguous(memory_format=torch.channels_last).view(
                b, t, *inputs.shape[2:])
        return dict(inputs=inputs, data_samples=samples)


def stack_field(samples: Sequence, name: str) -> torch.Tensor:
    """(B, ...) tensor of one field of every data sample."""
    return torch.stack([getattr(s, name) for s in samples])
