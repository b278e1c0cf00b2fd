"""The reference rows as models without parameters: the newest context mask taken as the
prediction of frame 22, so that they are scored by ``tools/test.py`` like every other row.

Which mask that is comes from the dataset: with the usual context (frames 1-11) it is the
mask of frame 11 (the copy-frame-11 baseline: the segmenter's mask, or the true one without a
``context_mask_root``); with ``LoadVideo(context_frames=(21, 22))`` it is the segmenter's mask
of the true frame 22 (the ceiling: what a perfect frame predictor would get from this
segmenter).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from futureseg.registry import MODELS
from futureseg.structures.metainfo import IGNORE_INDEX, NUM_CLASSES
from .future_outputs import FutureMaskOutputs


@MODELS.register_module()
class CopyLastMaskPredictor(FutureMaskOutputs, BaseModel):
    """Predicts frame 22 as the newest of a sample's ``context_masks``; nothing to train.

    The scores are the one-hot classes of that mask, so arg-max, test-time augmentation and
    the post-processors treat it exactly as any other future-mask model's output. Pixels the
    mask leaves out (``ignore_index``) are predicted background: a prediction needs a class.

    Args:
        num_classes (int): Classes. Default: 49.
        ignore_index (int): The masks' ignored id. Default: 255.
        postprocessors (Sequence[dict]): As ``FutureMaskOutputs``'. Default: ().
        known_objects (dict, optional): As ``FutureMaskOutputs``'. Default: None.
        data_preprocessor (dict, optional): None means ``dict(type='VideoDataPreprocessor')``.
            Default: None.
        init_cfg (dict, optional): MMEngine init config. Default: None.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, ignore_index: int = IGNORE_INDEX,
                 postprocessors: Sequence[dict] = (), known_objects: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor or dict(type='VideoDataPreprocessor'),
                         init_cfg=init_cfg)
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.init_postprocessing(postprocessors, known_objects)

    def logits(self, masks: torch.Tensor) -> torch.Tensor:
        """Scores (B, 1, K, H, W): the one-hot classes of the newest of the masks (B, T, H, W)."""
        last = masks[:, -1].long()
        last = torch.where(last == self.ignore_index, torch.zeros_like(last), last)
        if int(last.max()) >= self.num_classes:
            raise ValueError(f'a context mask holds class {int(last.max())}, the model knows '
                             f'{self.num_classes}')
        return F.one_hot(last, self.num_classes).permute(0, 3, 1, 2)[:, None].float()

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            raise ValueError(f'{type(self).__name__} has no parameters: nothing to train; test '
                             'it with tools/test.py CONFIG (no checkpoint needed)')
        return self.finish(self.logits(self.context(inputs, data_samples)), data_samples, mode)

    @property
    def reads(self) -> Tuple[str, ...]:
        """The sample fields read at test time: the context masks (the newest is the
        prediction), and the post-processors' source."""
        return self.reads_with_known(('context_masks', ))
