"""Model analysis shared by tools/analysis_tools/get_flops.py and tools/model_zoo.py:
parameters and FLOPs of a config's model at its input size, through MMEngine's complexity
counter (``mmengine.analysis.get_model_complexity_info``; one multiply-add counts as one
FLOP, as in fvcore and OpenSTL's tables)."""
import os.path as osp
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmseg.models.segmentors import BaseSegmentor

from futureseg.datasets.layout import DataError, list_videos, load_frame
from futureseg.structures import VideoDataSample
from .inference import init_model

COURSE_SIZE = (160, 240)


def config_input_size(cfg) -> Tuple[Tuple[int, int], str]:
    """((H, W), where it came from): the frame size of the config's test data where it is on
    disk, else the course's 160 x 240."""
    try:
        ds = cfg.test_dataloader.dataset
        while 'data_root' not in ds and isinstance(ds.get('dataset'), dict):
            ds = ds.dataset
        split_dir = osp.join(ds.data_root, ds.get('split', 'val'))
        path = osp.join(list_videos(split_dir)[0][1], 'image_0.png')
        return tuple(load_frame(path).shape[:2]), f'the test data ({path})'
    except (AttributeError, KeyError, TypeError, DataError):
        return COURSE_SIZE, 'the course data (160 x 240; the config\'s test data is not on disk)'


class _TensorForward(nn.Module):
    """The model's forward on plain tensors, as the complexity counter's tracer needs."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs, masks=None):
        if isinstance(self.model, BaseSegmentor):
            return self.model(inputs, mode='tensor')  # mmseg: backbone + decode head
        samples = None
        if masks is not None:  # the masks of frames 1-11, for models that read them
            samples = [VideoDataSample(context_masks=m) for m in masks]
        return self.model(inputs, samples, mode='tensor')


def model_complexity(config, shape: Optional[Tuple[int, int]] = None) -> dict:
    """Parameters and FLOPs of one forward pass (batch 1) of a config's model.

    Args:
        config (str | Config): the model's config.
        shape (tuple, optional): (H, W) of the frames; default ``config_input_size``.

    Returns:
        dict: params, flops (ints), shape, input (what was fed), table (MMEngine's per-module
        table), shape_source.
    """
    from mmengine.analysis import get_model_complexity_info
    model = init_model(config)
    source = 'given'
    if shape is None:
        shape, source = config_input_size(model.cfg)
    h, w = shape
    if isinstance(model, BaseSegmentor):  # a frame segmenter: one image in
        inputs = (torch.zeros(1, 3, h, w), )
        described = f'1 x 3 x {h} x {w} frame'
    else:  # a video model: what it reads (``model.reads``) decides what it is fed
        t = int(getattr(model, 'num_input_frames', 11))
        reads = model.reads
        c = 3  # RGB; a frame predictor's encoder may take other channels (Moving MNIST: 1)
        if 'context_masks' not in reads and hasattr(model, 'encoder'):
            c = next(m for m in model.encoder.modules() if isinstance(m, nn.Conv2d)).in_channels
        # the frames are fed even where only their shape is read (the forward's signature)
        inputs = (torch.zeros(1, t, c, h, w), )
        described = f'1 x {t} x {c} x {h} x {w} frames'
        if 'context_masks' in reads:
            inputs += (torch.zeros(1, t, h, w, dtype=torch.long), )
            described += f' + 1 x {t} x {h} x {w} masks'
    with torch.no_grad():
        info = get_model_complexity_info(_TensorForward(model).eval(), inputs=inputs,
                                         show_table=True, show_arch=False)
    return dict(params=int(info['params']), flops=int(info['flops']), shape=(h, w),
                input=described, table=info.get('out_table', ''), shape_source=source)
