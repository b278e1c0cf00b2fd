"""``FutureSegInferencer``: a trained future-segmentation model as a callable, in the style of
MMEngine's and mmsegmentation's inferencers.

    from futureseg.apis import FutureSegInferencer
    infer = FutureSegInferencer('work_dirs/quickstart')            # a recipe work dir, or
    infer = FutureSegInferencer(CONFIG, CHECKPOINT, segmenter=dict(config=..., checkpoint=...))
    result = infer('data/quickstart/hidden', out_dir='work_dirs/infer', batch_size=8)
    result['predictions'][0]          # (H, W) uint8 class ids of frame 22 of the first video

With ``out_dir`` it writes, per video ``NAME`` (the folder's name): ``pred/NAME.png`` (raw
class ids, 8-bit grey), ``palette/NAME.png`` (the same ids as an indexed PNG in the class
palette) and ``vis/NAME.png`` (frames 1 and 11 and the predicted masks drawn over frame 11);
with ``submission`` the competition tensor (N, H, W) uint8 in numeric video order.
"""
import os
import os.path as osp
from datetime import datetime
from typing import TYPE_CHECKING, Optional, Union

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.infer import BaseInferencer

from futureseg.evaluation.submission import save_submission
from futureseg.registry import INFERENCERS, VISUALIZERS
from futureseg.structures import save_mask_png
from .inference import (build_inference_pipeline, expand_inputs, inference_config, init_model,
                        needs_segmenter, predict_batch, video_info)
from .recipe import recipe_model

if TYPE_CHECKING:
    from mmengine.config import Config


@INFERENCERS.register_module()
class FutureSegInferencer(BaseInferencer):
    """Predicts the mask of frame 22 of videos from their frames 1-11, without labels.

    Args:
        model (str | Config): A recipe work dir (its final model: the last TestModel stage,
            post-processors included, and its segmenter) or a model config.
        weights (str, optional): The checkpoint; required with a config. Default: None.
        segmenter (dict, optional): ``dict(config=..., checkpoint=...)`` of the frame
            segmenter that mask-space and frame predictors need, and that NOS takes the known
            objects from; a recipe work dir brings its own. Default: None.
        stage (str, optional): With a recipe work dir, the stage whose model to use; None
            means the last TestModel stage that finished. Default: None.
        device (str, optional): None means 'cuda' when there is a GPU, else 'cpu'.
            Default: None.
        cfg_options (dict, optional): Overrides merged into the model's config. Default: None.
        show_progress (bool): A progress bar over the batches. Default: True.
    """
    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {'vis_dir', 'show', 'wait_time', 'no_vis'}
    postprocess_kwargs: set = {'pred_dir', 'submission'}

    def __init__(self, model: Union[str, 'Config'], weights: Optional[str] = None, segmenter: Optional[dict] = None,
                 stage: Optional[str] = None, device: Optional[str] = None,
                 cfg_options: Optional[dict] = None, show_progress: bool = True):
        from mmengine.config import Config
        if isinstance(model, str) and osp.isdir(model):
            found = recipe_model(model, stage)
            model, weights = found['config'], weights or found['checkpoint']
            segmenter = segmenter or found['segmenter']
        if weights is None:
            raise ValueError('FutureSegInferencer needs a checkpoint (weights=...) with a config')
        cfg = Config.fromfile(model) if isinstance(model, str) else model
        if not isinstance(cfg, Config):
            raise TypeError(f'model must be a recipe work dir, a config file or a Config, got {model!r}')
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        self.segmenter_cfg = segmenter
        device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
        super().__init__(model=inference_config(cfg), weights=weights, device=device,
                         scope='futureseg', show_progress=show_progress)
        self.segmenter = None
        if needs_segmenter(self.model):
            if not segmenter:
                raise ValueError(f'{type(self.model).__name__} reads a frame segmenter\'s masks: '
                                 'give segmenter=dict(config=..., checkpoint=...)')
            self.segmenter = init_model(segmenter['config'], segmenter['checkpoint'], device)

    # -- building ---------------------------------------------------------------------------
    def _init_model(self, cfg, weights, device='cpu'):
        return init_model(cfg, weights, device)

    def _init_pipeline(self, cfg):
        return build_inference_pipeline(cfg)

    def _init_collate(self, cfg):
        return pseudo_collate

    def _init_visualizer(self, cfg):
        name = f'futureseg_inferencer_{datetime.now().timestamp()}'
        return VISUALIZERS.build(dict(type='FutureSegVisualizer', name=name, overlay=True))

    # -- the steps of __call__ ----------------------------------------------------------------
    def _inputs_to_list(self, inputs) -> list:
        return expand_inputs(inputs)

    def preprocess(self, inputs, batch_size: int = 1, **kwargs):
        n_in = int(getattr(self.model, 'num_input_frames', 11))
        infos = (video_info(v, i, n_in) for i, v in enumerate(inputs))
        chunks = self._get_chunk_data((self.pipeline(info) for info in infos), batch_size)
        yield from map(self.collate_fn, chunks)

    @torch.no_grad()
    def forward(self, inputs: dict, **kwargs) -> list:
        samples = predict_batch(self.model, inputs, self.segmenter)
        out = []
        for frames, s in zip(inputs['inputs'], samples):
            # keep what the outputs need: the masks of frame 22 (uint8) and frames 1 and 11
            stages = {k: v.to(torch.uint8).cpu() for k, v in (s.get('pred_stages') or {}).items()}
            out.append(dict(name=s.metainfo.get('video_name') or f"video_{s.metainfo['video_id']}",
                            video_id=int(s.metainfo['video_id']),
                            mask=s.pred_masks[-1].to(torch.uint8).cpu().numpy(), stages=stages,
                            frames=frames[[0, -1]].permute(0, 2, 3, 1).cpu().numpy()))
        return out

    def visualize(self, inputs, preds, vis_dir: str = '', show: bool = False, wait_time: float = 0,
                  no_vis: bool = False, **kwargs):
        if no_vis or (not vis_dir and not show):
            return None
        from futureseg.structures import VideoDataSample
        panels = []
        if vis_dir:
            os.makedirs(vis_dir, exist_ok=True)
        for p in preds:
            sample = VideoDataSample(metainfo=dict(video_id=p['video_id']))
            sample.pred_masks = torch.from_numpy(p['mask'])[None]
            if p['stages']:
                sample.pred_stages = p['stages']
            out_file = osp.join(vis_dir, f"{p['name']}.png") if vis_dir else None
            panels.append(self.visualizer.add_datasample(p['name'], p['frames'], sample, show=show,
                                                         wait_time=wait_time, out_file=out_file))
        return panels

    def postprocess(self, preds, visualization, return_datasamples: bool = False,
                    pred_dir: str = '', submission: Optional[str] = None, **kwargs) -> dict:
        if pred_dir:
            for sub in ('pred', 'palette'):
                os.makedirs(osp.join(pred_dir, sub), exist_ok=True)
            for p in preds:
                save_mask_png(p['mask'], osp.join(pred_dir, 'pred', f"{p['name']}.png"), palette=False)
                save_mask_png(p['mask'], osp.join(pred_dir, 'palette', f"{p['name']}.png"))
        if submission:
            order = sorted(range(len(preds)), key=lambda i: preds[i]['video_id'])
            ids = [preds[i]['video_id'] for i in order]
            if len(set(ids)) != len(ids):
                raise ValueError(f'a submission needs one video per id; ids repeat in {ids[:10]}...')
            save_submission(np.stack([preds[i]['mask'] for i in order]), submission)
        result = dict(predictions=[p['mask'] for p in preds], video_ids=[p['video_id'] for p in preds],
                      names=[p['name'] for p in preds])
        if return_datasamples:
            result['stages'] = [p['stages'] for p in preds]
        if visualization is not None:
            result['visualization'] = visualization
        return result

    def __call__(self, inputs, return_datasamples: bool = False, batch_size: int = 1,
                 out_dir: str = '', **kwargs) -> dict:
        """Predict ``inputs`` (video folder(s), split folder(s) or frame arrays).

        Args:
            inputs: what ``expand_inputs`` takes.
            return_datasamples (bool): also return every post-processing stage's mask.
            batch_size (int): videos per forward pass. Default 1.
            out_dir (str): write pred/, palette/ and vis/ there. Default '' (nothing written).
            submission (str): also write the submission tensor to this ``.pt`` file.
            show (bool), wait_time (float): show each panel in a window (needs a display).
            no_vis (bool): skip the pictures.
        """
        if out_dir:  # pred/ and palette/ (postprocess), vis/ (visualize)
            kwargs.setdefault('pred_dir', out_dir)
            kwargs.setdefault('vis_dir', osp.join(out_dir, 'vis'))
        return super().__call__(inputs, return_datasamples, batch_size, **kwargs)

