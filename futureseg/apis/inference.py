"""Inference without ground truth, as mmsegmentation's ``mmseg.apis``: ``init_model(config,
checkpoint, device)`` builds a model, ``inference_model(model, videos)`` predicts the mask of
frame 22 of each video from its frames 1-11.

A video is a folder holding at least ``image_0.png`` ... ``image_10.png`` (the course layout;
a hidden-split video is exactly that), or a (T, H, W, 3) uint8 array of its frames. Models:

* a future-mask predictor on RGB frames (``SimVPMaskPredictor``);
* a mask-space predictor (``SimVPMaskSpacePredictor``): it reads a frame segmenter's masks of
  frames 1-11, so it needs ``segmenter`` (a model from ``init_model``);
* a frame predictor (``SimVPFramePredictor``): its predicted frame 22 is segmented by
  ``segmenter`` (predict, then segment).

Post-processors in the config (New Object Suppression) run as in ``tools/test.py``; their
known objects come from the segmenter's masks of frames 1-11 (the context masks, made here by
``segmenter`` as ``tools/pseudo_label.py`` makes them for a test).
"""
import copy
import os.path as osp
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from futureseg.datasets.layout import DataError, list_videos
from futureseg.models import SimVPFramePredictor, SimVPMaskPredictor, SimVPMaskSpacePredictor
from futureseg.models.loading import build_model
from futureseg.models.segment import segment_last_predicted_frames, segment_tensors

VideoInput = Union[str, np.ndarray]


def init_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """A model from its config and checkpoint, in eval mode, with ``cfg`` and ``dataset_meta``
    (mmseg's ``init_model``); the arguments are ``futureseg.models.build_model``'s."""
    return build_model(config, checkpoint, device, cfg_options)


def _input_frames(model) -> int:
    return int(getattr(model, 'num_input_frames', 11))


def build_inference_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline, loading only frames: no true masks (there are none), no
    context masks (``predict_batch`` makes them with the segmenter)."""
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.get('pipeline') or [])
    if not any(str(t.get('type', '')).endswith('LoadVideo') for t in pipeline):
        raise ValueError(f'{cfg.filename}: the test pipeline has no LoadVideo; inference takes a '
                         'future-segmentation config (a frame segmenter predicts no future frame)')
    for t in pipeline:
        if str(t.get('type', '')).endswith('LoadVideo'):
            t.update(load_input_masks=False, load_context_masks=False, load_masks=False,
                     load_target_frames=False)
        if str(t.get('type', '')).endswith('TestTimeAug'):
            raise ValueError('inference runs one view per video; give the plain test pipeline')
    return Compose(pipeline)


def video_info(video: VideoInput, index: int = 0, num_input_frames: int = 11) -> dict:
    """The data info of one video for the inference pipeline; checks its frames 1-11.

    Args:
        video (str | np.ndarray): a video folder, or its (T, H, W, 3) uint8 frames.
        index (int): the video's place in the input list (names arrays). Default 0.
        num_input_frames (int): frames the model reads. Default 11.
    """
    if isinstance(video, np.ndarray):
        if video.ndim != 4 or video.shape[-1] != 3 or video.shape[0] < num_input_frames:
            raise ValueError(f'video array {index}: expected (T >= {num_input_frames}, H, W, 3) '
                             f'RGB frames, got shape {video.shape}')
        return dict(video_id=index, video_name=f'video_{index}', input_frames=video.astype(np.uint8),
                    mode='inputs_only', num_input_frames=num_input_frames, num_frames=22)
    path = str(video)
    if not osp.isdir(path):
        raise DataError(f'video folder not found: {path}')
    missing = [f'image_{k}.png' for k in range(num_input_frames)
               if not osp.isfile(osp.join(path, f'image_{k}.png'))]
    if missing:
        raise DataError(f'{path}: missing {", ".join(missing[:4])}'
                        + (f' and {len(missing) - 4} more' if len(missing) > 4 else '')
                        + f' (a video folder holds image_0.png ... image_{num_input_frames - 1}.png)')
    name = osp.basename(osp.normpath(path))
    number = name[len('video_'):] if name.startswith('video_') else ''
    return dict(video_id=int(number) if number.isdigit() else index, video_name=name, video_dir=path,
                mode='inputs_only', num_input_frames=num_input_frames, num_frames=22)


def expand_inputs(inputs) -> list:
    """Videos from what a user gives: a video folder, a split folder (its ``video_<N>``
    folders, in numeric order), an array, or a list of them."""
    if isinstance(inputs, (str, Path, np.ndarray)):
        inputs = [inputs]
    videos = []
    for item in inputs:
        if isinstance(item, (str, Path)) and osp.isdir(item) and not osp.isfile(
                osp.join(item, 'image_0.png')):
            videos += [path for _, path in list_videos(str(item))]  # a split folder
        else:
            videos.append(item if isinstance(item, np.ndarray) else str(item))
    if not videos:
        raise ValueError('no videos to predict')
    return videos


def reads_context_masks(model) -> bool:
    """Whether the model reads the masks of frames 1-11 (``context_masks``): a mask-space
    model always; an RGB predictor with a prior (copy or motion), or whose post-processors take their
    known objects from them."""
    if isinstance(model, SimVPMaskSpacePredictor):
        return True
    known = getattr(model, 'known_objects', None) or {}
    return bool(isinstance(model, SimVPMaskPredictor) and model.has_priors
                or (getattr(model, 'postprocessors', None) and known.get('source') == 'context_masks'))


def needs_segmenter(model) -> bool:
    """Models whose inputs or outputs a frame segmenter turns into masks: those that read the
    masks of frames 1-11, and frame predictors (predict, then segment)."""
    return reads_context_masks(model) or isinstance(model, SimVPFramePredictor)


@torch.no_grad()
def predict_batch(model, data: dict, segmenter=None) -> list:
    """Predict one collated batch of the inference pipeline; returns the model's samples with
    ``pred_masks`` (1, H, W), the mask of frame 22 (post-processed where configured; every
    stage in ``pred_stages``)."""
    if needs_segmenter(model) and segmenter is None:
        raise ValueError(f'{type(model).__name__} needs a frame segmenter (segmenter=...; '
                         'tools/infer.py --segmenter-config/--segmenter-checkpoint, or a recipe '
                         'work dir with a segmenter stage)')
    if reads_context_masks(model):  # the segmenter's masks of frames 1-11, as at test time
        frames = torch.stack(data['inputs'])
        b, t = frames.shape[:2]
        masks = segment_tensors(segmenter, frames.flatten(0, 1).to(next(segmenter.parameters()).device))
        for s, m in zip(data['data_samples'], masks.view(b, t, *masks.shape[1:]).cpu()):
            s.context_masks = m
            s.set_metainfo(dict(context_source='segmenter'))
    samples = model.test_step(data)
    if isinstance(model, SimVPFramePredictor):  # predict, then segment the last frame
        for s, m in zip(samples, segment_last_predicted_frames(segmenter, samples)):
            s.pred_masks = m[None].long()
    return samples


def inference_model(model, videos, segmenter=None, batch_size: int = 4) -> list:
    """Predict the mask of frame 22 of each video (mmseg's ``inference_model``).

    Args:
        model (nn.Module): from ``init_model``.
        videos (str | np.ndarray | list): video folder(s), split folder(s) or frame arrays.
        segmenter (nn.Module, optional): a frame segmenter from ``init_model``, for mask-space
            and frame predictors. Default None.
        batch_size (int): videos per forward pass. Default 4.

    Returns:
        list[VideoDataSample]: per video, ``pred_masks`` (1, H, W) and metainfo ``video_id``.
    """
    pipeline = build_inference_pipeline(model.cfg)
    infos = [video_info(v, i, _input_frames(model)) for i, v in enumerate(expand_inputs(videos))]
    out = []
    for start in range(0, len(infos), batch_size):
        data = pseudo_collate([pipeline(dict(info)) for info in infos[start:start + batch_size]])
        out += predict_batch(model, data, segmenter)
    return out


def inference_config(cfg: Config) -> Config:
    """The model config for inference without labels: known objects that a test read from the
    true masks of frames 1-11 come from the segmenter's masks of them instead (the context
    masks ``predict_batch`` makes)."""
    cfg = copy.deepcopy(cfg)
    known = cfg.model.get('known_objects')
    if known and cfg.model.get('postprocessors') and known.get('source') == 'input_masks':
        known.update(source='context_masks')
    return cfg
