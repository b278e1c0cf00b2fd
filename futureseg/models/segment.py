"""Single-frame inference with an mmseg frame segmenter: RGB frames in, class-id masks out
(through the segmenter's own data preprocessor and ``test_step``)."""
import numpy as np
import torch
from mmseg.structures import SegDataSample


@torch.no_grad()
def segment_tensors(model: torch.nn.Module, frames: torch.Tensor, batch_size: int = 22) -> torch.Tensor:
    """(N, H, W) uint8 class ids of (N, 3, H, W) RGB frames (0-255, any dtype and device).

    Args:
        model (nn.Module): an mmseg segmentor (e.g. from ``build_model``).
        frames (torch.Tensor): the frames.
        batch_size (int): frames per forward pass. Default 22.
    """
    model.eval()
    h, w = frames.shape[2:]
    out = []
    for start in range(0, len(frames), batch_size):
        chunk = frames[start:start + batch_size]
        samples = [SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
                   for _ in chunk]
        results = model.test_step(dict(inputs=list(chunk), data_samples=samples))
        out += [r.pred_sem_seg.data[0].to(torch.uint8) for r in results]
    return torch.stack(out)


def segment_frames(model: torch.nn.Module, frames: np.ndarray, batch_size: int = 22) -> np.ndarray:
    """(N, H, W) uint8 class ids of (N, H, W, 3) uint8 RGB frames."""
    tensors = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)
    return segment_tensors(model, tensors, batch_size).cpu().numpy()


def segment_last_predicted_frames(model: torch.nn.Module, samples: list) -> torch.Tensor:
    """(B, H, W) uint8 masks of the last of each sample's ``pred_frames`` (a frame
    predictor's output, 0-255): predict, then segment."""
    last = torch.stack([s.pred_frames[-1] for s in samples]).round().clamp(0, 255)
    return segment_tensors(model, last.to(next(model.parameters()).device))
