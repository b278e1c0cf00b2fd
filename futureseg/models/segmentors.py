"""The frame segmenter: mmsegmentation's EncoderDecoder with futureseg's mask post-processors."""
from typing import Optional, Sequence

import torch
from mmseg.models.segmentors import EncoderDecoder

from futureseg.registry import MODELS, POSTPROCESSORS
from .future_outputs import run_postprocessors


@MODELS.register_module()
class FrameSegmenter(EncoderDecoder):
    """EncoderDecoder whose predicted masks go through POSTPROCESSORS (e.g. ``ObjectVote``).

    Everything that reads the segmenter's masks (its val Jaccard, pseudo-labels, the context
    masks of mask-space models, known objects for NOS) gets the post-processed mask, so the
    clean-up is part of the model, set in its config. The logits (``seg_logits``) are left
    as the network gave them. Build it in mmsegmentation's scope, as the other segmenter
    configs do: ``model = dict(type='futureseg.FrameSegmenter', _scope_='mmseg', ...)``.

    Args:
        postprocessors (Sequence[dict]): POSTPROCESSORS configs applied in order to each
            predicted (H, W) mask; each is called as ``post(mask, None)`` (no known objects
            on single frames). Default: ().
        **kwargs: EncoderDecoder's arguments (backbone, decode_head, auxiliary_head, ...).
    """

    def __init__(self, postprocessors: Sequence[dict] = (), **kwargs):
        super().__init__(**kwargs)
        # built in futureseg's scope: the segmenter itself is built in mmseg's
        self.postprocessors = [(cfg['type'], POSTPROCESSORS.build(dict(cfg, _scope_='futureseg')))
                               for cfg in postprocessors]

    def postprocess_result(self, seg_logits: torch.Tensor, data_samples: Optional[list] = None):
        samples = super().postprocess_result(seg_logits, data_samples)
        if self.postprocessors:
            for s in samples:
                final, _ = run_postprocessors(s.pred_sem_seg.data[0], self.postprocessors)
                s.pred_sem_seg.data = final[None]
        return samples
