"""SimVP future segmentation: frames 1-11 -> class logits of the future frames (stage 4),
with priors on the logits (``futureseg.models.priors``)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from futureseg.registry import MODELS
from futureseg.structures import IGNORE_INDEX, NUM_CLASSES
from ..attribute_heads import NUM_ATTRIBUTE_CHANNELS, attribute_log_probs
from ..data_preprocessor import stack_field
from ..future_outputs import FutureMaskOutputs
from ..priors.builder import prior_argument
from ..priors.host import PriorHostMixin
from .base import SimVPBase


@MODELS.register_module()
class SimVPMaskPredictor(PriorHostMixin, FutureMaskOutputs, SimVPBase):
    """Frames 1-11 -> class logits of future frames (stage 4, future segmentation).

    Args:
        *args: SimVPBase's (``encoder``, ``translator``, ``decoder``, ...).
        output (str): 'last' decodes only the last step (frame 22), 'all' the 11 future
            frames. Decoding one step instead of 11 saves most of the decoder's time.
            Default: 'last'.
        num_classes (int): Number of classes; the decoder's ``out_channels`` is set to it.
            Default: 49.
        class_weight (list[float], optional): Per-class CE weights; None means
            ``background_weight`` for class 0 and 1 for the others. Default: None.
        background_weight (float): The weight of class 0 when class_weight is None.
            Default: 0.6.
        ignore_index (int): Target id left out of the loss. Default: 255.
        loss_weight (float): The weight of that cross-entropy. Default: 1.0.
        losses (list[dict], optional): Replaces the default cross-entropy by these MODELS
            losses, summed (e.g. ``[dict(type='WeightedCrossEntropyLoss',
            background_weight=0.1), dict(type='SoftJaccardLoss')]``, or the Jaccard loss
            alone). Default: None.
        postprocessors (Sequence[dict]): POSTPROCESSORS applied in order to the predicted
            mask of the last frame at test time (e.g. ``dict(type='NewObjectSuppression')``).
            The sample keeps every stage in ``pred_stages`` and the final one in
            ``pred_masks``. Default: ().
        known_objects (dict, optional): Where the post-processors' known objects (the
            classes of frames 1-11) come from: ``dict(source='context_masks', min_pixels=1)``,
            the masks of the input frames the sample carries (at test time the segmenter's,
            precomputed by ``tools/pseudo_label.py`` into the dataset's
            ``context_mask_root``; needs ``LoadVideo(load_context_masks=True)``: what a method
            can see), or ``dict(source='input_masks')`` (the true masks of frames 1-11, for
            reference; needs ``LoadVideo(load_input_masks=...)``). Required with
            post-processors. Default: None.
        prior (float | dict): One prior on the logits (``futureseg.models.priors``): 0
            (off), or the starting weight of a learned vote of the input frames' masks
            (``CopyPrior``) added to the logits, so that training starts from the
            copy-frame-11 baseline and learns the motion on top; or the MODELS config of
            another prior, e.g. ``dict(type='MotionPrior', damping=...)`` (the objects moved
            on along their tracks: training starts from the extrapolation; its
            ``future_steps``, unless the config sets it, is ``num_input_frames``, the horizon
            of the last output step) or ``dict(type='DynamicsPrior', ...)`` (a trained
            learned dynamics, frozen). The masks are each sample's ``context_masks``
            (``LoadVideo(load_context_masks=True)``: the segmenter's masks of frames 1-11 at
            test time, the true ones, corrupted, in training); the RGB network itself still
            sees only the RGB frames. Checkpoints whose prior is under ``copy_prior.*`` or
            ``prior.*`` load into ``priors.0``. Default: 0.0.
        priors (list[float | dict], optional): Instead of ``prior``: several priors, each as
            ``prior`` takes it (the attribute ``priors``, a ``ModuleList``). Default: None.
        fusion (dict, optional): MODELS config of how the priors' votes join the logits
            (``num_classes`` and ``num_priors`` filled in): None is ``AddFusion`` (each
            prior's own learned weight), ``dict(type='TrustFusion')`` a learned trust per
            pixel and class. Default: None.
        copy_prior (float | dict, optional): Deprecated: the old name of ``prior``; it warns,
            and it is an error beside a ``prior`` other than the default. Default: None.
        readout (str): 'classes' (a 1x1 convolution to the 49 class logits) or 'attributes'
            (to the 14 shape / material / colour logits, combined into the 49 class
            log-probabilities by ``attribute_log_probs``: each attribute is then learnt
            from every object that has it). Default: 'classes'.
        **kwargs: SimVPBase's (``num_input_frames``, ``pretrained``, ...).
    """

    def __init__(self, *args, output: str = 'last', num_classes: int = NUM_CLASSES,
                 class_weight: Optional[Sequence[float]] = None, background_weight: float = 0.6,
                 ignore_index: int = IGNORE_INDEX, loss_weight: float = 1.0,
                 losses: Optional[List[dict]] = None, postprocessors: Sequence[dict] = (),
                 known_objects: Optional[dict] = None, prior: Union[float, dict] = 0.,
                 priors: Optional[Sequence[Union[float, dict]]] = None,
                 fusion: Optional[dict] = None, copy_prior: Union[float, dict, None] = None,
                 readout: str = 'classes',
                 **kwargs):
        if output not in ('last', 'all'):
            raise ValueError(f"output must be 'last' or 'all', got {output!r}")
        if readout not in ('classes', 'attributes'):
            raise ValueError(f"readout must be 'classes' or 'attributes', got {readout!r}")
        if readout == 'attributes' and num_classes != NUM_CLASSES:
            raise ValueError(f'the attribute readout predicts the {NUM_CLASSES} course classes')
        self.readout_kind = readout
        kwargs['decoder'] = dict(kwargs['decoder'], out_channels=num_classes if readout == 'classes'
                                 else NUM_ATTRIBUTE_CHANNELS)
        super().__init__(*args, **kwargs)
        self.output, self.num_classes, self.ignore_index = output, num_classes, ignore_index
        if losses is None:
            losses = [dict(type='WeightedCrossEntropyLoss', class_weight=class_weight,
                           background_weight=background_weight, num_classes=num_classes,
                           ignore_index=ignore_index, loss_weight=loss_weight)]
        if not losses:
            raise ValueError('losses is empty: give at least one loss')
        self.losses = nn.ModuleList(MODELS.build(cfg) for cfg in losses)
        self.init_postprocessing(postprocessors, known_objects)
        # the last output step is num_input_frames ahead (output_horizons): a MotionPrior's
        # future_steps, unless its config sets it
        self.init_priors(prior_argument(prior, copy_prior, 0.), priors, fusion,
                         self.num_input_frames, num_classes, self.num_input_frames)

    def logits(self, inputs: torch.Tensor,
               context: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Class logits (B, T', K, H, W) of the future from the input frames."""
        self.check_input_size(inputs)
        hid, skip = self.encode_translate(inputs)
        steps = [hid.shape[1] - 1] if self.output == 'last' else None
        logits = self.class_scores(self.decode(hid, skip, steps))  # (B, To, K, H, W)
        return self.fuse_priors(logits, context, self.output_horizons(logits.shape[1]))

    def output_horizons(self, steps: int) -> List[int]:
        """Frames ahead of the newest input frame of each of ``steps`` output steps: the
        last ``steps`` of 1..num_input_frames (frame 22 is 11 ahead of frame 11)."""
        return list(range(self.num_input_frames - steps + 1, self.num_input_frames + 1))

    def class_scores(self, out: torch.Tensor) -> torch.Tensor:
        """Decoder output (B, T, C, H, W) -> class scores (B, T, 49, H, W)."""
        if self.readout_kind == 'attributes':
            return attribute_log_probs(out.flatten(0, 1)).unflatten(0, out.shape[:2])
        return out

    def loss_from_logits(self, logits: torch.Tensor, gt: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The losses (by ``loss_name``) of logits (B, T', K, H, W) against masks (B, T, H, W)."""
        if gt.shape[1] != logits.shape[1]:
            gt = gt[:, -logits.shape[1]:]  # e.g. 11 future masks loaded, last one predicted
        logits, gt = logits.flatten(0, 1), gt.flatten(0, 1)
        out = {}
        for loss in self.losses:
            name = getattr(loss, 'loss_name', type(loss).__name__)
            out[name] = out.get(name, 0) + loss(logits, gt)
        return out

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        context = self.context(inputs, data_samples) if self.has_priors else None
        return self.finish(self.logits(inputs, context), data_samples, mode, context)

    def finish(self, logits: torch.Tensor, data_samples: Optional[list], mode: str,
               context: Optional[torch.Tensor] = None,
               prior_predictions: Optional[List[torch.Tensor]] = None):
        """Logits -> what ``mode`` asks for: the logits, the losses, or the samples with
        ``pred_masks`` (post-processed where configured) and, with priors, ``prior_masks``
        (what the priors predict alone from ``context``, the input masks; from
        ``prior_predictions`` at the logits' horizons where the forward made them)."""
        if mode == 'loss':
            return self.loss_from_logits(logits, stack_field(data_samples, 'gt_masks'))
        if mode == 'predict' and self.has_priors and context is not None:
            prior = self.prior_masks(context, self.output_horizons(logits.shape[1]),
                                     prior_predictions)
            return self.predict_samples(logits, data_samples, prior_masks=prior)
        return super().finish(logits, data_samples, mode)

    @property
    def reads(self) -> Tuple[str, ...]:
        """The sample fields read at test time: the RGB input frames; the context masks with a
        prior (it votes from them) or post-processors whose known objects come from them."""
        own = ('frames', ) + (('context_masks', ) if self.has_priors else ())
        return self.reads_with_known(own)
