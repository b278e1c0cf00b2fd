"""Where the known objects of a video (classes seen in frames 1-11) come from at test time."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint

from futureseg.structures.metainfo import NUM_CLASSES


def classes_in(masks, min_pixels=1):
    """Object classes with at least ``min_pixels`` pixels in any of the masks."""
    flat = masks.reshape(masks.shape[0], -1).long()
    counts = torch.stack([torch.bincount(m[m < NUM_CLASSES], minlength=NUM_CLASSES) for m in flat])
    present = (counts >= min_pixels).any(0)
    present[0] = False
    return set(torch.nonzero(present).flatten().tolist())


class SegmenterKnownObjects:
    """Runs a trained frame segmenter over frames 1-11 (what a method can see at test time).

    The segmenter is kept out of the predictor's module tree, so predictor checkpoints stay
    free of it; it follows the inputs' device.
    """

    def __init__(self, config, checkpoint, min_pixels=1):
        from futureseg.registry import MODELS
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'segmenter checkpoint not found: {checkpoint}')
        self.model = MODELS.build(Config.fromfile(config).model)
        load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.eval()
        self.min_pixels = min_pixels

    def masks(self, frames):
        """(T, 3, H, W) frames 0-255 -> (T, H, W) uint8 segmenter masks."""
        from futureseg.apis.pseudo_label import segment_tensors
        self.model.to(frames.device)
        return segment_tensors(self.model, frames)
