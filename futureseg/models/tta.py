"""Test-time augmentation for the future-mask predictors (as mmsegmentation's SegTTAModel
does for segmenters): each video is predicted once per view of the ``tta_pipeline``
(e.g. as is and flipped horizontally: all frames and masks together, ``RandomVideoFlip``),
flipped views' logits are flipped back, the class probabilities averaged, and the
post-processors (NOS) run once on the averaged prediction.

    python tools/test.py CONFIG CKPT --tta      # the config's tta_model and tta_pipeline
"""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseTTAModel

from futureseg.registry import MODELS
from .future_outputs import FutureMaskOutputs


def split_views(data):
    """A TestTimeAug batch ({key: [view 0 batch, view 1 batch, ...]}) -> one batch per view."""
    if not isinstance(data, dict):
        raise TypeError(f'a test-time augmentation batch is a dict of views, got {type(data).__name__}')
    n = len(data['inputs'])
    return [{k: v[i] for k, v in data.items()} for i in range(n)]


@MODELS.register_module()
class FutureSegTTAModel(BaseTTAModel):
    """Averages a future-mask predictor's class probabilities over test-time views.

    Config: ``tta_model = dict(type='FutureSegTTAModel')``; ``tools/test.py --tta`` sets
    ``module`` to the config's model. One view must be unflipped (the post-processors read
    its frames and masks); a view whose samples carry ``flip=True`` is flipped back. Every
    view must carry the sample fields the predictor declares it reads (``module.reads``).

    Args:
        module (dict | nn.Module): The predictor (``SimVPMaskPredictor`` or
            ``SimVPMaskSpacePredictor``).
        data_preprocessor (dict | nn.Module, optional): As MMEngine's BaseTTAModel.
            Default: None.
    """

    def __init__(self, module: Union[dict, torch.nn.Module],
                 data_preprocessor: Optional[Union[dict, torch.nn.Module]] = None):
        super().__init__(module, data_preprocessor)
        if not isinstance(self.module, FutureMaskOutputs):
            raise TypeError(f'FutureSegTTAModel averages class scores of a future-mask predictor '
                            f'(FutureMaskOutputs: SimVPMaskPredictor and subclasses, '
                            f'ObjectDynamicsPredictor), got {type(self.module).__name__}')

    def merge_preds(self, data_samples_list: List[list]) -> list:
        """Per video, the mean class probabilities (T, K, H, W) of its views (``seg_logits``
        of each view's sample, flipped views already flipped back)."""
        return [torch.stack([s.seg_logits for s in views]).softmax(2).mean(0)
                for views in data_samples_list]

    @torch.no_grad()
    def test_step(self, data: Union[dict, tuple, list]) -> list:
        views = []
        # the sample fields the predictor declares it reads ('frames' come as inputs)
        fields = [f for f in self.module.reads if f != 'frames']
        for view in split_views(data):
            missing = [f for f in fields if any(f not in s for s in view['data_samples'])]
            if missing:
                raise ValueError(f'{type(self.module).__name__} reads {", ".join(missing)}: '
                                 'every view of the tta_pipeline must load it (LoadVideo('
                                 'load_context_masks=True) / load_input_masks=True)')
            view = self.module.data_preprocessor(view, False)
            logits = self.module(**view, mode='tensor')  # (B, T, K, H, W)
            for s, lg in zip(view['data_samples'], logits):
                s.seg_logits = lg.flip(-1) if s.metainfo.get('flip') else lg
            views.append(view)
        plain = [v for v in views if not any(s.metainfo.get('flip') for s in v['data_samples'])]
        if not plain:
            raise ValueError('the tta_pipeline needs one view without flip (RandomVideoFlip(prob=0.))')
        probs = torch.stack(self.merge_preds(list(zip(*[v['data_samples'] for v in views]))))
        base = plain[0]
        for s in base['data_samples']:
            del s.seg_logits
        # log-probabilities: the predictor's arg-max (and post-processors) see the average
        return self.module.finish(probs.clamp_min(1e-12).log(), base['data_samples'], 'predict')
