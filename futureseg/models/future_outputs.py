"""What every future-mask model does with its scores: read the context masks, turn scores
into masks, post-process the last frame with the known objects (the one post-processor loop)."""
from typing import Callable, Dict, Optional, Sequence, Set, Tuple

import torch

from futureseg.registry import POSTPROCESSORS
from futureseg.structures import present_classes
from .data_preprocessor import stack_field

KNOWN_SOURCES = ('input_masks', 'context_masks')


def run_postprocessors(mask: torch.Tensor, postprocessors: Sequence[Tuple[str, Callable]],
                       known: Optional[Set[int]] = None
                       ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """The one post-processor loop: ``postprocessors`` ((name, post) pairs) applied in order to
    one (H, W) mask, each ``post(mask, known)`` on numpy class ids.

    Returns:
        tuple[Tensor, dict[str, Tensor]]: the final mask, and every stage by name (``'raw'``
        first; a name used twice keeps its last output), on ``mask``'s device and dtype.
    """
    stages = {'raw': mask}
    final, array = mask, None
    for name, post in postprocessors:
        # numpy between post-processors: one copy off the device, not one per stage
        array = post(mask.cpu().numpy() if array is None else array, known)
        final = stages[name] = torch.from_numpy(array).to(mask)
    return final, stages


class FutureMaskOutputs:
    """Mixin of the models that predict future class masks (SimVP routes, learned dynamics).

    ``init_postprocessing`` takes the two settings below; ``finish`` turns scores into what
    MMEngine's ``mode`` asks for.

    Args:
        postprocessors (Sequence[dict]): POSTPROCESSORS applied in order to the predicted mask
            of the last frame at test time (e.g. ``dict(type='NewObjectSuppression')``). The
            sample keeps every stage in ``pred_stages`` and the final one in ``pred_masks``.
        known_objects (dict, optional): Where the post-processors' known objects (the classes
            of frames 1-11) come from: ``dict(source='context_masks', min_pixels=1)``, the
            masks of the input frames the sample carries (at test time the segmenter's; what
            a method can see), or ``dict(source='input_masks')`` (the true masks of frames
            1-11, for reference). Required with post-processors.

    ``keep_logits`` (False here; ``inference_model(..., keep_logits=True)`` or setting the
    attribute turns it on) keeps each sample's scores of frame 22 in ``pred_logits``.
    ``reads`` names the sample fields a model reads at test time (``VideoDataSample``'s, plus
    'frames', the packed RGB input frames): each model declares it, adding the known objects'
    source to what its own forward reads (``reads_with_known``).
    """

    #: Keep the scores of frame 22 in each sample's ``pred_logits`` (K times a mask's memory).
    keep_logits = False

    @property
    def reads(self) -> Tuple[str, ...]:
        """The sample fields the model reads at test time; each model declares its own
        (``reads_with_known(own)``), so that callers ask instead of guessing from its type."""
        raise NotImplementedError(f'{type(self).__name__} does not declare the sample fields it '
                                  'reads (a reads property returning reads_with_known(...))')

    def reads_with_known(self, own: Tuple[str, ...]) -> Tuple[str, ...]:
        """``own`` (what the model's forward reads) and the fields its post-processors read
        (the known objects' source), each once, in that order."""
        post = (self.known_objects['source'], ) if self.postprocessors else ()
        return tuple(dict.fromkeys(tuple(own) + post))

    def init_postprocessing(self, postprocessors: Sequence[dict] = (),
                            known_objects: Optional[dict] = None) -> None:
        """Build the post-processors and check where the known objects come from."""
        self.postprocessors = [(cfg['type'], POSTPROCESSORS.build(cfg)) for cfg in postprocessors]
        self.known_objects = dict(known_objects) if known_objects else None
        source = self.known_objects.get('source') if self.known_objects else None
        if source == 'segmenter':
            raise ValueError("known_objects.source='segmenter' is gone: the segmenter's masks of "
                             "frames 1-11 are precomputed (tools/pseudo_label.py --out "
                             "DATA/seg_masks/SPLIT) and read as context masks: use "
                             "known_objects=dict(source='context_masks') with the dataset's "
                             "context_mask_root and LoadVideo(load_context_masks=True)")
        if self.known_objects and source not in KNOWN_SOURCES:
            raise ValueError(f'known_objects.source must be one of {KNOWN_SOURCES}, got {source!r}')
        if self.postprocessors and not self.known_objects:
            raise ValueError('post-processors need known_objects=dict(source=...)')

    def known_classes(self, sample) -> Set[int]:
        """Known object classes of one video: those of its input frames' masks."""
        source = self.known_objects['source']
        if source not in sample:
            loader = 'load_input_masks' if source == 'input_masks' else 'load_context_masks'
            raise ValueError(f"known_objects source {source!r} needs LoadVideo({loader}=True) "
                             'in the test pipeline')
        return present_classes(sample.get(source), self.known_objects.get('min_pixels', 1))

    def postprocess(self, sample, pred: torch.Tensor) -> torch.Tensor:
        """Apply the post-processors to the last predicted frame of one sample."""
        last, stages = run_postprocessors(pred[-1], self.postprocessors, self.known_classes(sample))
        final = pred.clone()
        final[-1] = last
        sample.pred_stages = stages
        return final

    def context(self, inputs: torch.Tensor, data_samples: Optional[list]) -> torch.Tensor:
        """The input frames' masks (B, T_in, H, W) the model reads (``context_masks``)."""
        if not data_samples or 'context_masks' not in data_samples[0]:
            raise ValueError(f'{type(self).__name__} reads context_masks (the masks of the input '
                             'frames): use LoadVideo(load_context_masks=True) in the pipeline')
        return stack_field(data_samples, 'context_masks')

    def predict_samples(self, scores: torch.Tensor, data_samples: list,
                        prior_masks: Optional[torch.Tensor] = None) -> list:
        """Samples with ``pred_masks`` (the arg-max of ``scores`` (B, T, K, H, W),
        post-processed where configured) and, where given, ``prior_masks`` (B, T, H, W):
        what the model's priors predict alone (``PriorOverride`` compares the two)."""
        pred = scores.argmax(2)
        for i, (s, p, sc) in enumerate(zip(data_samples, pred, scores)):
            s.pred_masks = self.postprocess(s, p) if self.postprocessors else p
            if self.keep_logits:
                s.pred_logits = sc[-1]
            if prior_masks is not None:
                s.prior_masks = prior_masks[i]
        return data_samples

    def finish(self, scores: torch.Tensor, data_samples: Optional[list], mode: str):
        """Scores -> 'tensor' (the scores) or 'predict' (the samples); models compute their
        own 'loss'."""
        if mode == 'tensor':
            return scores
        if mode == 'predict':
            return self.predict_samples(scores, data_samples)
        raise ValueError(f'unknown mode {mode!r}')
