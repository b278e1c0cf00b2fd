"""Model analysis shared by tools/analysis_tools/get_flops.py and tools/model_zoo.py:
parameters and FLOPs of a config's model at its input size, through MMEngine's complexity
counter (``mmengine.analysis.get_model_complexity_info``; one multiply-add counts as one
FLOP, as in fvcore and OpenSTL's tables)."""
import os.path as osp
from typing import Optional, Tuple

import torch
import torch.nn as nn

from futureseg.datasets.layout import DataError, list_videos, load_frame
from futureseg.structures import VideoDataSample
from futureseg.models import SimVPBase, SimVPMaskPredictor, SimVPMaskSpacePredictor
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
        samples = None
        if masks is not None:  # the masks of frames 1-11 (mask-space models, copy priors)
            samples = [VideoDataSample(context_masks=m) for m in masks]
        if isinstance(self.model, SimVPBase):
            return self.model(inputs, samples, mode='tensor')
        return self.model(inputs, mode='tensor')  # mmseg: backbone + decode head


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
    if isinstance(model, SimVPBase):
        t = model.num_input_frames
        c = 3  # RGB; a frame predictor's encoder may take other channels (Moving MNIST: 1)
        if not isinstance(model, SimVPMaskSpacePredictor):
            c = next(m for m in model.encoder.modules() if isinstance(m, nn.Conv2d)).in_channels
        inputs = (torch.zeros(1, t, c, h, w), )
        described = f'1 x {t} x {c} x {h} x {w} frames'
        # a mask-space model, or an RGB model with a prior, reads the masks of frames 1-11
        if isinstance(model, SimVPMaskSpacePredictor) or (
                isinstance(model, SimVPMaskPredictor) and model.has_priors):
            inputs += (torch.zeros(1, t, h, w, dtype=torch.long), )
            described += f' + 1 x {t} x {h} x {w} masks'
    else:
        inputs = (torch.zeros(1, 3, h, w), )
        described = f'1 x 3 x {h} x {w} frame'
    with torch.no_grad():
        info = get_model_complexity_info(_TensorForward(model).eval(), inputs=inputs,
                                         show_table=True, show_arch=False)
    return dict(params=int(info['params']), flops=int(info['flops']), shape=(h, w),
                input=described, table=info.get('out_table', ''), shape_source=source)
