"""SimVP models: the frame predictor (pre-training) and the future-mask predictor."""
import copy
import inspect
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint

from futureseg.structures import IGNORE_INDEX, NUM_CLASSES
from futureseg.registry import MODELS
from ..data_preprocessor import stack_field
from ..future_outputs import FutureMaskOutputs
from ..attribute_heads import NUM_ATTRIBUTE_CHANNELS, attribute_log_probs
from .copy_prior import CopyPrior


def accepts_argument(kind: Union[str, type, None], name: str) -> bool:
    """Whether the MODELS class ``kind`` (a registered name or the class) takes the keyword
    argument ``name`` in its constructor."""
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    return inspect.isclass(cls) and name in inspect.signature(cls).parameters


def with_future_steps(cfg: Union[float, dict, None],
                      future_steps: Optional[int]) -> Union[float, dict, None]:
    """A prior's config with ``future_steps`` (the model's horizon of its last output step)
    filled in where the prior's class takes it (``MotionPrior``) and the config does not set
    it, so that the prior and the model cannot disagree silently; other configs as given."""
    if future_steps is None or not isinstance(cfg, dict):
        return cfg
    if not accepts_argument(cfg.get('type'), 'future_steps'):
        return cfg
    cfg = dict(cfg)
    cfg.setdefault('future_steps', future_steps)
    return cfg


def build_prior(cfg: Union[float, dict, None], num_frames: int, num_classes: int,
                future_steps: Optional[int] = None) -> Optional[nn.Module]:
    """A future predictor's prior on its logits: None for 0 / None, ``CopyPrior`` with that
    starting weight for a number, else the MODELS config (``num_classes`` filled in, a
    ``CopyPrior``'s ``num_frames``, and a ``MotionPrior``'s ``future_steps`` unless the
    config sets them)."""
    if not cfg:
        return None
    if isinstance(cfg, dict):
        cfg = dict(with_future_steps(cfg, future_steps))
        cfg.setdefault('num_classes', num_classes)
        if cfg.get('type') in ('CopyPrior', 'futureseg.CopyPrior', CopyPrior):
            cfg.setdefault('num_frames', num_frames)
        return MODELS.build(cfg)
    return CopyPrior(num_frames, cfg, num_classes)


def prior_argument(prior: Union[float, dict, None], copy_prior: Union[float, dict, None],
                   default: Union[float, dict, None]) -> Union[float, dict, None]:
    """The ``prior`` a model was given, accepting the old keyword ``copy_prior`` (it held a
    ``MotionPrior`` as often as a ``CopyPrior``) with a ``DeprecationWarning``.

    Args:
        prior (float | dict | None): The ``prior=`` argument.
        copy_prior (float | dict | None): The old ``copy_prior=`` argument; None if not given.
        default (float | dict | None): ``prior``'s default in the signature: a ``prior`` that
            differs from it counts as given, and then ``copy_prior`` is an error.

    Returns:
        float | dict | None: The prior to build.
    """
    if copy_prior is None:
        return prior
    if prior != default:
        raise ValueError('both prior= and its old name copy_prior= are given: give prior= only')
    warnings.warn('copy_prior= is deprecated: use prior= (the same values: a number for a '
                  "CopyPrior's starting weight, or a prior's config such as "
                  "dict(type='MotionPrior', ...))", DeprecationWarning, stacklevel=3)
    return copy_prior


#: State-dict prefix of a future predictor's prior in checkpoints written before it was
#: renamed ``prior`` (``rename_old_prior_keys`` maps it).
OLD_PRIOR_PREFIX = 'copy_prior.'


def rename_old_prior_keys(state_dict: dict, prefix: str = '') -> None:
    """Rename, in place, the keys ``{prefix}copy_prior.*`` of an old checkpoint to
    ``{prefix}prior.*`` (the attribute's name since), so that old checkpoints still load."""
    old = prefix + OLD_PRIOR_PREFIX
    for key in [k for k in state_dict if k.startswith(old)]:
        new = prefix + 'prior.' + key[len(old):]
        if new not in state_dict:
            state_dict[new] = state_dict.pop(key)


class SimVPBase(BaseModel):
    """Encoder -> translator -> decoder over (B, T, C, H, W) videos.

    H and W must be multiples of ``size_multiple()`` (``SimVPEncoder``'s total stride,
    ``2 ** (N_S // 2)``, times a mask-space model's ``downsample``): 4 for N_S = 4, 8 with
    downsample 2. Other sizes are refused on the forward pass (``check_input_size``), not
    padded.

    Args:
        encoder (dict): MODELS config of the spatial encoder (``SimVPEncoder``).
        translator (dict): MODELS config of the translator; its ``in_channels`` defaults to
            ``num_input_frames * encoder.hid_S`` (and its ``num_frames``, where the class
            takes one, to ``num_input_frames``).
        decoder (dict, optional): MODELS config of the decoder (``SimVPDecoder``); None for
            a model that predicts no pixels (``SimVPJEPA``).
        num_input_frames (int): Input frames. Default: 11.
        pretrained (dict, optional): ``dict(checkpoint=PATH, key_map={'encoder.': 'encoder.',
            'translator.': 'translator.'})`` (no loading while checkpoint is None) copies the
            weights whose keys start with a source prefix into the matching target prefix
            after initialisation, and logs which keys were loaded, which are new and which
            were left out. Default: None.
        data_preprocessor (dict, optional): None means ``dict(type='VideoDataPreprocessor')``.
            Default: None.
        init_cfg (dict, optional): MMEngine init config. Default: None.
    """

    #: Pixels folded into channels (per side) before the encoder; the mask-space model's
    #: ``downsample`` sets it.
    downsample = 1

    def __init__(self, encoder: dict, translator: dict, decoder: Optional[dict], num_input_frames: int = 11,
                 pretrained: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor or dict(type='VideoDataPreprocessor'),
                         init_cfg=init_cfg)
        self.num_input_frames = num_input_frames
        self.encoder = MODELS.build(encoder)
        translator = copy.deepcopy(translator)
        translator.setdefault('in_channels', num_input_frames * encoder.get('hid_S', 64))
        if accepts_argument(translator.get('type'), 'num_frames'):
            # a translator that unfolds the frames again (PredFormer's tokens)
            translator.setdefault('num_frames', num_input_frames)
        self.translator = MODELS.build(translator)
        # a model without a pixel decoder (the JEPA pre-training) passes None
        self.decoder = MODELS.build(decoder) if decoder is not None else None
        self.pretrained = pretrained

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained and self.pretrained.get('checkpoint'):
            self.load_pretrained(**self.pretrained)

    def load_pretrained(self, checkpoint: str, key_map: Optional[Dict[str, str]] = None,
                        map_location: str = 'cpu') -> Tuple[List[str], List[str], List[str]]:
        """Copy matching weights from a checkpoint; returns (loaded, new, unused) key lists."""
        key_map = key_map or {'encoder.': 'encoder.', 'translator.': 'translator.'}
        ckpt = _load_checkpoint(checkpoint, map_location=map_location)
        src = dict(ckpt.get('state_dict', ckpt))
        rename_old_prior_keys(src)  # a checkpoint from before the prior's rename
        own = self.state_dict()
        mapped, unused = {}, []
        for key, value in src.items():
            key = key[7:] if key.startswith('module.') else key
            for s, t in key_map.items():
                if key.startswith(s):
                    target = t + key[len(s):]
                    if target in own and own[target].shape == value.shape:
                        mapped[target] = value
                    else:
                        unused.append(key)
                    break
            else:
                unused.append(key)
        own.update(mapped)
        self.load_state_dict(own)
        new = sorted(k for k in own if k not in mapped)
        logger = MMLogger.get_current_instance()
        logger.info(f'loaded {len(mapped)} tensors from {checkpoint} ({", ".join(key_map.values())}); '
                    f'{len(new)} new (e.g. {", ".join(new[:3])}); {len(unused)} left out'
                    + (f' (e.g. {", ".join(unused[:3])})' if unused else ''))
        return sorted(mapped), new, unused

    def size_multiple(self) -> int:
        """What H and W of the input must be multiples of: the encoder's total stride
        (``2 ** (N_S // 2)``) times ``downsample``."""
        return getattr(self.encoder, 'downsample', 1) * self.downsample

    def check_input_size(self, inputs: torch.Tensor) -> None:
        """Refuses inputs (..., H, W) whose H or W is not a multiple of ``size_multiple()``.

        The decoder doubles what each stride-2 encoder block halved, so such a size would
        only fail deep in the forward pass ("The size of tensor a (32) must match the size
        of tensor b (30)"). Nothing is padded: the data pipeline decides the size.

        Args:
            inputs (torch.Tensor): Frames or masks, H and W last.

        Raises:
            ValueError: Naming the size, the multiple and the nearest size that fits.
        """
        h, w = inputs.shape[-2:]
        m = self.size_multiple()
        if h % m == 0 and w % m == 0:
            return
        enc = getattr(self.encoder, 'downsample', 1)
        strides = getattr(self.encoder, 'strides', None)
        why = (f'encoder strides {",".join(map(str, strides))}: {enc}' if strides is not None
               else f'encoder stride {enc}')
        if self.downsample > 1:
            why += f', x downsample {self.downsample}'
        fit = f'{-(-h // m) * m}x{-(-w // m) * m}'  # each side rounded up to the multiple
        raise ValueError(f'input frames are {h}x{w} (HxW); this model needs H and W divisible '
                         f'by {m} ({why}): e.g. {fit}, or resize / pad the data '
                         '(dataset pipeline)')

    def encode_translate(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C, H, W) -> translated latents (B, T, hid_S, h, w) and skips (B, T, hid_S, H', W')."""
        b, t = inputs.shape[:2]
        if t != self.num_input_frames:
            raise ValueError(f'the model takes {self.num_input_frames} input frames, got {t}')
        latent, skip = self.encoder(inputs.flatten(0, 1))
        hid = self.translator(latent.reshape(b, -1, *latent.shape[2:]))
        return hid.reshape(b, t, *latent.shape[1:]), skip.reshape(b, t, *skip.shape[1:])

    def decode(self, hid: torch.Tensor, skip: torch.Tensor,
               steps: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Decode the chosen output steps (all by default) -> (B, len(steps), C_out, H, W)."""
        if steps is not None:
            hid, skip = hid[:, steps], skip[:, steps]
        b, t = hid.shape[:2]
        out = self.decoder(hid.flatten(0, 1), skip.flatten(0, 1))
        return out.reshape(b, t, *out.shape[1:])


@MODELS.register_module()
class SimVPFramePredictor(SimVPBase):
    """Frames 1-11 -> frames 12-22, MSE loss (stage 1, self-supervised pre-training).

    Args:
        *args: SimVPBase's (``encoder``, ``translator``, ``decoder``, ...).
        ddr_weight (float): Weight of TAU's differential divergence regularisation (0 = off;
            TAU uses 0.1). Default: 0.0.
        ddr_tau (float): Its softmax temperature. Default: 0.1.
        **kwargs: SimVPBase's (``num_input_frames``, ``pretrained``, ...).
    """

    def __init__(self, *args, ddr_weight: float = 0., ddr_tau: float = 0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.ddr_weight, self.ddr_tau = ddr_weight, ddr_tau

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        self.check_input_size(inputs)
        hid, skip = self.encode_translate(inputs)
        pred = self.decode(hid, skip)
        if mode == 'tensor':
            return pred
        if mode == 'loss':
            target = stack_field(data_samples, 'target_frames')
            losses = dict(loss_mse=F.mse_loss(pred, target))
            if self.ddr_weight:
                losses['loss_ddr'] = self.ddr_weight * differential_divergence(pred, target, self.ddr_tau)
            return losses
        if mode == 'predict':
            frames = self.data_preprocessor.denormalize(pred).clamp(0, 255)
            for s, f in zip(data_samples, frames):
                s.pred_frames = f
            return data_samples
        raise ValueError(f'unknown mode {mode!r}')


def differential_divergence(pred: torch.Tensor, target: torch.Tensor, tau: float = 0.1,
                            eps: float = 1e-12) -> torch.Tensor:
    """TAU's differential divergence regularisation between frame differences."""
    b, t = pred.shape[:2]
    if t <= 2:
        return pred.new_zeros(())
    gp = F.softmax((pred[:, 1:] - pred[:, :-1]).reshape(b, t - 1, -1) / tau, -1)
    gt = F.softmax((target[:, 1:] - target[:, :-1]).reshape(b, t - 1, -1) / tau, -1)
    return (gp * torch.log(gp / (gt + eps) + eps)).mean()


@MODELS.register_module()
class SimVPMaskPredictor(FutureMaskOutputs, SimVPBase):
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
        prior (float | dict): The prior on the logits (the attribute ``prior``): 0 (off),
            or the starting weight of a learned vote of the input frames' masks
            (``CopyPrior``) added to the logits, so that training starts from the
            copy-frame-11 baseline and learns the motion on top; or the MODELS config of
            another prior with that interface, e.g. ``dict(type='MotionPrior',
            damping=...)`` (the objects moved on along their tracks: training starts from
            the extrapolation; its ``future_steps``, unless the config sets it, is
            ``num_input_frames``, the horizon of the last output step). The masks are each
            sample's
            ``context_masks`` (``LoadVideo(load_context_masks=True)``: the segmenter's masks
            of frames 1-11 at test time, the true ones, corrupted, in training); the network
            itself still sees only the RGB frames. Checkpoints written when the attribute
            was ``copy_prior`` (keys ``copy_prior.*``) load into it. Default: 0.0.
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
                 copy_prior: Union[float, dict, None] = None, readout: str = 'classes',
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
        self.prior = build_prior(prior_argument(prior, copy_prior, 0.), self.num_input_frames,
                                 num_classes, future_steps=self.num_input_frames)
        # checkpoints from before the rename keep the prior's weights under copy_prior.*
        self._register_load_state_dict_pre_hook(self._rename_old_prior_keys)

    @staticmethod
    def _rename_old_prior_keys(state_dict, prefix, *args) -> None:
        rename_old_prior_keys(state_dict, prefix)

    def logits(self, inputs: torch.Tensor,
               context: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Class logits (B, T', K, H, W) of the future from the input frames."""
        self.check_input_size(inputs)
        hid, skip = self.encode_translate(inputs)
        steps = [hid.shape[1] - 1] if self.output == 'last' else None
        logits = self.class_scores(self.decode(hid, skip, steps))  # (B, To, K, H, W)
        if self.prior is not None:
            logits = self.prior(logits, context, self.output_horizons(logits.shape[1]))
        return logits

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
        context = self.context(inputs, data_samples) if self.prior is not None else None
        return self.finish(self.logits(inputs, context), data_samples, mode)

    def finish(self, logits: torch.Tensor, data_samples: Optional[list], mode: str):
        """Logits -> what ``mode`` asks for: the logits, the losses, or the samples with
        ``pred_masks`` (post-processed where configured)."""
        if mode == 'loss':
            return self.loss_from_logits(logits, stack_field(data_samples, 'gt_masks'))
        return super().finish(logits, data_samples, mode)
