"""Mask-space future prediction: SimVP over the class masks of frames 1-11 (the approach of
the two entries that scored above the winner), and the hybrid RGB + mask variant."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from futureseg.structures.metainfo import IGNORE_INDEX, NUM_CLASSES
from futureseg.registry import MODELS
from ..data_preprocessor import stack_field
from ..priors.builder import prior_argument, prior_list, with_future_steps
from .mask_predictor import SimVPMaskPredictor


@MODELS.register_module()
class MaskEmbedding(BaseModule):
    """Class ids (B, T, H, W) -> learned vectors (B, T, embed_dim, H, W).

    The ignore id (255) gets its own vector. ``soft`` embeds class probabilities (their
    expectation over the vectors), for feeding predictions back without an arg-max.

    Args:
        num_classes (int): Number of classes, background included. Default: 49.
        embed_dim (int): Channels of each class's vector. Default: 8.
        ignore_index (int): The ignore id, embedded as a class of its own. Default: 255.
        init_cfg (dict, optional): MMEngine init config. Default: None.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, embed_dim: int = 8,
                 ignore_index: int = IGNORE_INDEX,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.embed = nn.Embedding(num_classes + 1, embed_dim)

    def forward(self, masks: torch.Tensor) -> torch.Tensor:
        ids = masks.long()
        bad = (ids >= self.num_classes) & (ids != self.ignore_index) | (ids < 0)
        if bad.any():
            raise ValueError(f'class ids out of range [0, {self.num_classes}) in the input masks: '
                             f'{ids[bad].unique().tolist()[:5]}')
        ids = torch.where(ids == self.ignore_index, self.num_classes, ids)
        return self.embed(ids).movedim(-1, -3)

    def soft(self, probs: torch.Tensor) -> torch.Tensor:
        """(B, K, H, W) probabilities -> (B, embed_dim, H, W)."""
        return torch.einsum('bkhw,kc->bchw', probs, self.embed.weight[:self.num_classes])


def embed_masks(embedding: MaskEmbedding, masks: torch.Tensor, downsample: int = 1,
                frames: Optional[torch.Tensor] = None,
                extra: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
    """A mask-space encoder's input: class ids (B, T, H, W) embedded (B, T, C, H, W), the
    ``extra`` embedded channels (each (B, T, C', H, W), e.g. a prior's occupancy) after them,
    the RGB frames (B, T, 3, H, W) concatenated in front where given (the hybrid), then
    ``downsample`` x ``downsample`` pixels folded into channels (B, T, C * d * d, H/d, W/d)."""
    x = embedding(masks)
    if extra:
        x = torch.cat([x] + [e.to(x.dtype) for e in extra], 2)
    if frames is not None:
        x = torch.cat([frames.to(x.dtype), x], 2)
    if downsample > 1:
        x = F.pixel_unshuffle(x.flatten(0, 1), downsample).unflatten(0, x.shape[:2])
    return x


@MODELS.register_module()
class SimVPMaskSpacePredictor(SimVPMaskPredictor):
    """SimVP over embedded class masks: masks of frames 1-11 -> class logits of the future.

    The masks come from each sample's ``context_masks`` (``LoadVideo(load_context_masks=True)``;
    the segmenter's masks via the dataset's ``context_mask_root``, or the true masks).

    Args:
        *args: SimVPMaskPredictor's positional arguments (``encoder``, ``translator``,
            ``decoder``; the encoder's ``in_channels`` is set here).
        embed_dim (int): Channels of each class's learned vector. Default: 8.
        with_frames (bool): The hybrid: the RGB frames concatenated to the embeddings.
            Default: False.
        downsample (int): 1, or 2 to fold 2x2 pixels into channels before the encoder
            (space-to-depth) and up-sample (pixel shuffle + conv) before a 1x1 readout;
            H and W must then be multiples of 2x the encoder's stride (8 for N_S = 4).
            Default: 1.
        mode (str): 'direct' (frames 1-11 -> frame 22, or -> frames 12-22 with
            output='all') or 'autoregressive' (predict the next mask, feed it back, 11 steps;
            trained on the masks of frames 12-22, mode='future_masks' data).
            Default: 'direct'.
        future_steps (int): Autoregressive steps to frame 22. Default: 11.
        feedback (str): What is fed back: 'hard' (embedding of the arg-max, as at test time)
            or 'soft' (expected embedding under the softmax; gradients flow through it).
            Default: 'hard'.
        prior (float | dict): As SimVPMaskPredictor's (a number: ``CopyPrior``, a learned
            vote of the input masks on the logits, the newest frame's weight starting at this
            value; a dict: e.g. ``dict(type='MotionPrior', ...)``, whose ``future_steps``,
            unless the config sets it, is the model's ``future_steps``); here on by default;
            0 = off. Default: 4.0.
        priors (list[float | dict], optional): Instead of ``prior``: several priors, as
            SimVPMaskPredictor's. Default: None.
        fusion (dict, optional): As SimVPMaskPredictor's (None: ``AddFusion``).
            Default: None.
        prior_input (bool): Feed the priors' predictions to the network as input channels
            (mode 'direct' only): input slot t (frame t + 1) gets each prior's occupancy of
            the future frame t + 1 ahead of frame 11 (frames 12-22), embedded as the expected
            class embedding (``MaskEmbedding.soft``), so that the network sees the prior
            instead of re-deriving it; the decoder's skip from slot t then carries the prior
            of the frame that slot decodes. Default: False.
        copy_prior (float | dict, optional): Deprecated: the old name of ``prior``; it warns,
            and it is an error beside a ``prior`` other than the default. Default: None.
        ss_prob (float): Scheduled sampling: the chance that a training rollout feeds the
            model its own predictions (set over training by ``ScheduledSamplingHook``;
            0 = teacher forcing). Default: 0.0.
        ss_steps (int): For how many consecutive steps, from a random step (the rest: true
            masks; ss_steps >= future_steps - 1: free-running). Default: 0.
        num_classes (int): As SimVPMaskPredictor's. Default: 49.
        ignore_index (int): As SimVPMaskPredictor's. Default: 255.
        **kwargs: SimVPMaskPredictor's other arguments (``output``, ``losses``, ...).
    """

    def __init__(self, *args, embed_dim: int = 8, with_frames: bool = False,
                 downsample: int = 1, mode: str = 'direct', future_steps: int = 11,
                 feedback: str = 'hard', prior: Union[float, dict] = 4.0,
                 priors: Optional[Sequence[Union[float, dict]]] = None,
                 fusion: Optional[dict] = None, prior_input: bool = False,
                 copy_prior: Union[float, dict, None] = None, ss_prob: float = 0.,
                 ss_steps: int = 0, num_classes: int = NUM_CLASSES,
                 ignore_index: int = IGNORE_INDEX, **kwargs):
        if mode not in ('direct', 'autoregressive'):
            raise ValueError(f"mode must be 'direct' or 'autoregressive', got {mode!r}")
        if downsample not in (1, 2):
            raise ValueError(f'downsample must be 1 or 2, got {downsample!r}')
        if feedback not in ('hard', 'soft'):
            raise ValueError(f"feedback must be 'hard' or 'soft', got {feedback!r}")
        if with_frames and mode == 'autoregressive':
            raise ValueError('the hybrid (with_frames=True) has no future RGB frames to feed back; '
                             "use mode='direct'")
        prior = prior_argument(prior, copy_prior, 4.0)
        if priors is not None:
            if prior != 4.0:
                raise ValueError('give prior= (one prior) or priors= (a list), not both')
            prior = 0.  # the default one prior gives way to the list
        num_priors = len(prior_list(prior, priors))
        if prior_input and (mode != 'direct' or not num_priors):
            raise ValueError("prior_input=True needs mode='direct' and at least one prior")
        in_ch = (embed_dim * (1 + (num_priors if prior_input else 0))
                 + (3 if with_frames else 0)) * downsample ** 2
        kwargs['encoder'] = dict(kwargs['encoder'], in_channels=in_ch)
        super().__init__(
            *args, num_classes=num_classes, ignore_index=ignore_index,
            prior=with_future_steps(prior, future_steps),
            priors=None if priors is None else [with_future_steps(p, future_steps) for p in priors],
            fusion=fusion, **kwargs)
        self.prior_input = prior_input
        self.embedding = MaskEmbedding(num_classes, embed_dim, ignore_index)
        self.with_frames, self.downsample, self.mode = with_frames, downsample, mode
        self.future_steps, self.feedback = future_steps, feedback
        self.ss_prob, self.ss_steps = ss_prob, ss_steps
        if downsample > 1:
            hid = self.decoder.readout.in_channels
            # decode at half resolution to features, then up-sample before the class readout
            self.decoder.readout = nn.Identity()
            self.upsample = nn.Sequential(
                nn.Conv2d(hid, hid * downsample ** 2, 3, padding=1), nn.PixelShuffle(downsample),
                nn.GroupNorm(2, hid), nn.SiLU(), nn.Conv2d(hid, self.decoder.out_channels, 1))
        else:
            self.upsample = None

    # -- input and output ------------------------------------------------------------------
    def embed_frames(self, masks: torch.Tensor, frames: Optional[torch.Tensor] = None,
                     prior_predictions: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """(B, T, H, W) ids (+ (B, T, 3, H, W) frames, + the priors' predictions
        (B, T, K, H, W) each with ``prior_input``) -> (B, T, C, H/d, W/d) encoder input."""
        self.check_input_size(masks)  # the multiple includes downsample
        extra = None
        if self.prior_input:  # the priors' occupancy of each future frame, embedded softly
            dtype = next(self.embedding.parameters()).dtype
            extra = [self.embedding.soft(p.probabilities(pred).flatten(0, 1).to(dtype))
                     .unflatten(0, pred.shape[:2])
                     for p, pred in zip(self.priors, prior_predictions)]
        return embed_masks(self.embedding, masks, self.downsample,
                           frames if self.with_frames else None, extra)

    def readout(self, feats: torch.Tensor, window: Optional[torch.Tensor] = None,
                horizons: Optional[Sequence[int]] = None,
                prior_predictions: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Decoder output (B, T, C, h, w) -> logits (B, T, K, H, W), fused with the priors'
        votes from the input masks ``window`` (B, T_in, H, W); ``horizons``: frames ahead of
        the window's newest of each output step (default ``output_horizons``);
        ``prior_predictions``: the priors' predictions at those horizons where already made."""
        if self.upsample is not None:
            feats = self.upsample(feats.flatten(0, 1)).unflatten(0, feats.shape[:2])
        feats = self.class_scores(feats)
        if self.has_priors and window is not None:
            horizons = horizons or self.output_horizons(feats.shape[1])
            feats = self.fuse_priors(feats, window, horizons, prior_predictions)
        return feats

    # -- the two prediction modes ----------------------------------------------------------
    def direct_logits(self, x: torch.Tensor, masks: torch.Tensor,
                      prior_predictions: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Logits (B, T', K, H, W) of the future from the encoder input ``x`` in one pass;
        ``prior_predictions``: the priors' predictions of every future frame where made."""
        hid, skip = self.encode_translate(x)
        steps = [hid.shape[1] - 1] if self.output == 'last' else None
        if prior_predictions is not None and steps is not None:
            prior_predictions = [p[:, steps] for p in prior_predictions]
        return self.readout(self.decode(hid, skip, steps), masks,
                            prior_predictions=prior_predictions)

    def _encode(self, x):
        b, t = x.shape[:2]
        lat, skip = self.encoder(x.flatten(0, 1))
        return lat.unflatten(0, (b, t)), skip.unflatten(0, (b, t))

    def _next(self, lat, skip, window):
        """Logits (B, K, H, W) of the frame after the window; the last output slot is decoded
        so that the decoder's skip comes from the newest frame."""
        hid = self.translator(lat.flatten(1, 2)).reshape(lat.shape)
        return self.readout(self.decode(hid, skip, [lat.shape[1] - 1]), window, [1])[:, 0]

    def rollout(self, masks: torch.Tensor,
                truth: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Autoregressive prediction; returns logits (B, future_steps, K, H, W).

        ``truth`` (B, future_steps, H, W): true future masks to feed back (teacher forcing);
        scheduled sampling replaces some of them by the model's own predictions. Without
        it (inference) every fed-back mask is the model's own. The encoder runs once per
        frame: a window slides over the cached encodings.
        """
        lat, skip = self._encode(self.embed_frames(masks))
        b = masks.shape[0]
        own_from = own_to = None
        if truth is not None and self.training and self.ss_prob > 0 and self.ss_steps > 0:
            use = torch.rand(b, device=masks.device) < self.ss_prob
            # a run of ss_steps fed-back masks (future_steps - 1 are fed back in all) placed
            # at random; a run as long as the rollout is free-running, as at test time
            n_fed = self.future_steps - 1
            start = torch.randint(0, max(n_fed - int(self.ss_steps), 0) + 1, (b,), device=masks.device)
            own_from = torch.where(use, start, self.future_steps)
            own_to = own_from + int(self.ss_steps)
        out, window = [], masks
        for step in range(self.future_steps):
            logits = self._next(lat, skip, window)
            out.append(logits)
            if step == self.future_steps - 1:
                break
            own = None  # (B,) True where this step feeds back the model's own prediction
            if truth is not None:
                own = torch.zeros(b, dtype=torch.bool, device=masks.device) if own_from is None \
                    else (own_from <= step) & (step < own_to)
            last = logits.detach().argmax(1)
            if own is not None:
                last = torch.where(own.view(b, 1, 1), last, truth[:, step])
            if self.feedback == 'soft':
                fed = self.embedding.soft(logits.softmax(1))
                if own is not None:
                    fed = torch.where(own.view(b, 1, 1, 1), fed, self.embedding(truth[:, step]))
            else:
                fed = self.embedding(last)
            if self.downsample > 1:
                fed = F.pixel_unshuffle(fed, self.downsample)
            new_lat, new_skip = self.encoder(fed)
            lat = torch.cat([lat[:, 1:], new_lat[:, None]], 1)
            skip = torch.cat([skip[:, 1:], new_skip[:, None]], 1)
            window = torch.cat([window[:, 1:], last[:, None]], 1)
        return torch.stack(out, 1)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        masks = self.context(inputs, data_samples)
        preds = None
        if self.mode == 'direct':
            if self.prior_input:  # input slot t: the priors' prediction of horizon t + 1
                preds = self.prior_predictions(masks, self.output_horizons(masks.shape[1]))
            logits = self.direct_logits(self.embed_frames(masks, inputs, preds), masks, preds)
        elif mode == 'loss':
            gt = stack_field(data_samples, 'gt_masks')
            if gt.shape[1] != self.future_steps:
                raise ValueError(f'autoregressive training needs the masks of all {self.future_steps} '
                                 f"future frames (dataset mode='future_masks'), got {gt.shape[1]}")
            logits = self.rollout(masks, gt)
        else:
            logits = self.rollout(masks)
            if self.output == 'last':
                logits = logits[:, -1:]
        if preds is not None:  # the output steps' horizons are the last of output_horizons
            preds = [p[:, -logits.shape[1]:] for p in preds]
        return self.finish(logits, data_samples, mode, masks, preds)

    @property
    def reads(self) -> tuple:
        """The sample fields read at test time: the context masks (embedded), the RGB input
        frames too for the hybrid (``with_frames``), and the post-processors' source."""
        return self.reads_with_known(('context_masks', ) + (('frames', ) if self.with_frames
                                                           else ()))
