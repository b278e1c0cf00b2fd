"""JEPA pre-training of SimVP: predict the embedding of the future frames, not their pixels.

A joint embedding predictive architecture (I-JEPA / V-JEPA: Assran et al., 2023; Bardes et
al., 2024) on SimVP's parts: the context encoder and the translator are SimVP's (same module
names as ``SimVPFramePredictor``, so the downstream models load them as they load the pixel
pre-training), a target encoder is their encoder's exponential moving average (no gradient),
and a small predictor maps the translated latents of frames 1-11 to the target encoder's
embeddings of frames 12-22.
"""
import copy
import warnings
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from futureseg.registry import MODELS
from futureseg.structures.metainfo import IGNORE_INDEX, NUM_CLASSES
from ..data_preprocessor import stack_field
from .blocks import ConvNormAct
from .mask_space import MaskEmbedding, embed_masks
from .modules import DEFAULT_NORM_CFG, init_basic_conv
from .predictors import SimVPBase

#: The embeddings whose spread the validation reports (``EmbeddingSpreadMetric``).
SPREAD_NAMES = ('context', 'pred', 'target')


@MODELS.register_module()
class JEPAPredictor(BaseModule):
    """JEPA's predictor on one frame's translated latents: ``num_convs`` blocks of 3x3 conv +
    norm + activation (SimVP's encoder block), then a 1x1 projection to the target's channels.

    Args:
        in_channels (int): Channels of the translated latents (the encoder's hid_S; the
            JEPA model fills it in). Default: 64.
        out_channels (int): Channels of the target embedding (the JEPA model fills it in).
            Default: 64.
        hidden (int, optional): Channels of the conv blocks; None means ``in_channels``.
            Default: None.
        num_convs (int): 3x3 blocks before the projection. Default: 2.
        norm_cfg (dict): Norm config of the blocks (mmcv).
            Default: ``dict(type='GN', num_groups=2)``.
        act_cfg (dict, optional): Activation config; None means LeakyReLU(0.2).
            Default: None.
        init_cfg (dict, optional): MMEngine init config; None applies the encoder's init
            (:func:`init_basic_conv`). Default: None.
    """

    def __init__(self, in_channels: int = 64, out_channels: int = 64,
                 hidden: Optional[int] = None, num_convs: int = 2,
                 norm_cfg: dict = DEFAULT_NORM_CFG, act_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg)
        hidden = hidden or in_channels
        self.convs = nn.Sequential(*[
            ConvNormAct(in_channels if k == 0 else hidden, hidden, norm_cfg=norm_cfg,
                        act_cfg=act_cfg) for k in range(num_convs)])
        self.proj = nn.Conv2d(hidden if num_convs else in_channels, out_channels, 1)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            init_basic_conv(self.convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.convs(x))


def spread_sums(emb: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Sufficient statistics of an embedding's spread: each position's vector of ``emb``
    (T, D, h, w) L2-normalised over D (SimSiam's collapse measure: scale-free), then the
    per-dimension sum and sum of squares over the positions, and their count."""
    v = F.normalize(emb.detach().float().movedim(-3, -1).reshape(-1, emb.shape[-3]), dim=1)
    return dict(sum=v.sum(0).cpu(), sumsq=(v * v).sum(0).cpu(),
                count=torch.tensor(float(v.shape[0])))


@MODELS.register_module()
class SimVPJEPA(SimVPBase):
    """JEPA pre-training of SimVP's encoder and translator (a self-supervised stage 1 in
    place of the pixel MSE of ``SimVPFramePredictor``).

    The context encoder reads frames 1-11 (or their class masks, ``inputs='masks'``), the
    translator maps the latents to the future, and ``predictor`` maps each translated step
    to the target encoder's embedding of the matching future frame (frames 12-22). The
    target encoder (and, for masks, the target embedding table) is an exponential moving
    average of the online ones, updated after every training step by ``TargetEMAHook``
    (momentum raised from 0.996 towards 1 over training); it gets no gradient. The loss is
    smooth-L1 to the target embeddings layer-normalised over channels (V-JEPA's), or one
    minus their cosine similarity; a VICReg-style variance / covariance term on the
    predicted embeddings is optional. At validation each sample carries ``jepa_stats``, the
    spread of the context, predicted and target embeddings and its loss, which
    ``EmbeddingSpreadMetric`` turns into the per-dimension spread that shows a collapse.

    Checkpoints hold ``encoder.*`` and ``translator.*`` (and, for masks, ``embedding.*``)
    under the names of the pixel pre-training: ``pretrained=dict(checkpoint=...)`` of
    ``SimVPMaskPredictor`` / ``SimVPMaskSpacePredictor`` loads them; ``target_encoder.*``
    and ``predictor.*`` are left out.

    Args:
        encoder (dict): MODELS config of the context encoder (``SimVPEncoder``; for masks its
            ``in_channels`` is set to ``embed_dim * downsample ** 2``).
        translator (dict): MODELS config of the translator (as ``SimVPBase``'s).
        predictor (dict): MODELS config of the predictor; its ``in_channels`` /
            ``out_channels`` default to the encoder's ``hid_S``.
            Default: ``dict(type='JEPAPredictor')``.
        decoder (dict, optional): Must be None (nothing is decoded to pixels); accepted so
            that a config can inherit a SimVP model and set ``decoder=None``. Default: None.
        num_input_frames (int): Input frames. Default: 11.
        inputs (str): 'frames' (RGB; the targets are the samples' ``target_frames``) or
            'masks' (the samples' ``context_masks`` in, ``gt_masks`` of frames 12-22 as
            targets, embedded as ``SimVPMaskSpacePredictor`` embeds them). Default: 'frames'.
        embed_dim (int): Channels of a class's vector (``inputs='masks'``). Default: 8.
        downsample (int): Pixels folded into channels per side before the encoder
            (``inputs='masks'``; as the mask-space model's). Default: 1.
        num_classes (int): Classes of the masks, background included. Default: 49.
        ignore_index (int): The ignore id of the masks. Default: 255.
        loss (str): 'smooth_l1' or 'cosine'. Default: 'smooth_l1'.
        normalize_target (bool): Layer-normalise the target embedding over its channels at
            each position before the loss. Default: True.
        var_weight (float): Weight of VICReg's variance term (hinge on each dimension's std
            of the predicted embeddings over the batch's positions, below ``var_gamma``);
            0 = off. Default: 0.0.
        cov_weight (float): Weight of VICReg's covariance term (squared off-diagonal
            covariances / D); 0 = off. Default: 0.0.
        var_gamma (float): The std the variance term asks of each dimension. Default: 1.0.
        momentum (float): EMA momentum used until ``TargetEMAHook`` sets it. Default: 0.996.
        pretrained (dict, optional): As SimVPBase's. Default: None.
        data_preprocessor (dict, optional): As SimVPBase's. Default: None.
        init_cfg (dict, optional): MMEngine init config. Default: None.
    """

    def __init__(self, encoder: dict, translator: dict,
                 predictor: dict = dict(type='JEPAPredictor'), decoder: Optional[dict] = None,
                 num_input_frames: int = 11, inputs: str = 'frames', embed_dim: int = 8,
                 downsample: int = 1, num_classes: int = NUM_CLASSES,
                 ignore_index: int = IGNORE_INDEX, loss: str = 'smooth_l1',
                 normalize_target: bool = True, var_weight: float = 0., cov_weight: float = 0.,
                 var_gamma: float = 1., momentum: float = 0.996,
                 pretrained: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if decoder is not None:
            raise ValueError('SimVPJEPA decodes nothing: set decoder=None')
        if inputs not in ('frames', 'masks'):
            raise ValueError(f"inputs must be 'frames' or 'masks', got {inputs!r}")
        if loss not in ('smooth_l1', 'cosine'):
            raise ValueError(f"loss must be 'smooth_l1' or 'cosine', got {loss!r}")
        if inputs == 'masks':
            encoder = dict(encoder, in_channels=embed_dim * downsample ** 2)
        super().__init__(encoder, translator, None, num_input_frames=num_input_frames,
                         pretrained=pretrained, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.inputs, self.downsample = inputs, downsample if inputs == 'masks' else 1
        self.embedding = (MaskEmbedding(num_classes, embed_dim, ignore_index)
                          if inputs == 'masks' else None)
        hid_S = encoder.get('hid_S', 64)
        predictor = dict(predictor)
        predictor.setdefault('in_channels', hid_S)
        predictor.setdefault('out_channels', hid_S)
        self.predictor = MODELS.build(predictor)
        # the EMA copies: built from the online modules, synchronised again after
        # init_weights (and a pretrained checkpoint), never handed a gradient
        self.target_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.target_embedding = (copy.deepcopy(self.embedding).requires_grad_(False)
                                 if self.embedding is not None else None)
        self.loss_kind, self.normalize_target = loss, normalize_target
        self.var_weight, self.cov_weight, self.var_gamma = var_weight, cov_weight, var_gamma
        self.momentum = momentum
        self.ema_by_hook = False  # TargetEMAHook sets it; training without it warns once
        self._warned = False

    # -- the target (EMA) branch -------------------------------------------------------
    def target_pairs(self) -> Iterator[Tuple[nn.Module, nn.Module]]:
        """(online, target) module pairs that the EMA ties together."""
        yield self.encoder, self.target_encoder
        if self.embedding is not None:
            yield self.embedding, self.target_embedding

    def init_weights(self) -> None:
        super().init_weights()
        self.sync_target()

    @torch.no_grad()
    def sync_target(self) -> None:
        """Copy the online weights into the target modules."""
        for online, target in self.target_pairs():
            target.load_state_dict(online.state_dict())

    @torch.no_grad()
    def update_target(self, momentum: Optional[float] = None) -> None:
        """EMA step: target = m * target + (1 - m) * online (``m`` the given momentum, else
        ``self.momentum``); buffers are copied."""
        m = self.momentum if momentum is None else momentum
        for online, target in self.target_pairs():
            for t, o in zip(target.parameters(), online.parameters()):
                t.mul_(m).add_(o.detach(), alpha=1 - m)
            for t, o in zip(target.buffers(), online.buffers()):
                t.copy_(o)

    # -- embeddings --------------------------------------------------------------------
    def views(self, inputs: torch.Tensor, data_samples: Optional[list],
              future: bool = True) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """The context (B, T, C, H, W) the encoder reads and, with ``future``, what the target
        encoder reads: RGB frames, or class masks (B, T, H, W) for ``inputs='masks'``."""
        if self.inputs == 'frames':
            return inputs, stack_field(data_samples, 'target_frames') if future else None
        if not data_samples or 'context_masks' not in data_samples[0]:
            raise ValueError("SimVPJEPA(inputs='masks') reads context_masks: use "
                             'LoadVideo(load_context_masks=True) in the pipeline')
        context = stack_field(data_samples, 'context_masks')
        return context, stack_field(data_samples, 'gt_masks') if future else None

    def embed_input(self, x: torch.Tensor, target: bool = False) -> torch.Tensor:
        """What an encoder reads: frames as they are, masks embedded (by the target table
        for ``target``) and folded; (B, T, C', H', W')."""
        if self.inputs == 'frames':
            return x
        table = self.target_embedding if target else self.embedding
        return embed_masks(table, x, self.downsample)

    @torch.no_grad()
    def target_embeddings(self, future: torch.Tensor) -> torch.Tensor:
        """The target encoder's embeddings (B, T', D, h, w) of the future frames / masks."""
        x = self.embed_input(future, target=True)
        lat = self.target_encoder(x.flatten(0, 1))[0]
        return lat.unflatten(0, x.shape[:2])

    def predict_embeddings(self, context: torch.Tensor) -> torch.Tensor:
        """The predictor's embeddings (B, T, D, h, w) of the future from the context."""
        self.check_input_size(context)
        hid, _ = self.encode_translate(self.embed_input(context))
        return self.predictor(hid.flatten(0, 1)).unflatten(0, hid.shape[:2])

    # -- losses --------------------------------------------------------------------------
    def embedding_loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-sample loss (B,) between predicted and target embeddings (B, T, D, h, w)."""
        if self.normalize_target:
            target = F.layer_norm(target.movedim(2, -1), target.shape[2:3]).movedim(-1, 2)
        if self.loss_kind == 'cosine':
            return (1 - F.cosine_similarity(pred, target, dim=2)).flatten(1).mean(1)
        return F.smooth_l1_loss(pred, target, reduction='none').flatten(1).mean(1)

    def vicreg_terms(self, pred: torch.Tensor) -> Dict[str, torch.Tensor]:
        """VICReg's variance and covariance terms of the predicted embeddings, each position
        of the batch a sample (weighted; only those whose weight is not 0)."""
        z = pred.movedim(2, -1).reshape(-1, pred.shape[2]).float()
        out = {}
        if self.var_weight:
            std = torch.sqrt(z.var(0) + 1e-4)
            out['loss_var'] = self.var_weight * F.relu(self.var_gamma - std).mean()
        if self.cov_weight:
            zc = z - z.mean(0)
            cov = zc.T @ zc / max(z.shape[0] - 1, 1)
            off = cov - torch.diag(torch.diag(cov))
            out['loss_cov'] = self.cov_weight * off.pow(2).sum() / z.shape[1]
        return out

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode not in ('tensor', 'loss', 'predict'):
            raise ValueError(f'unknown mode {mode!r}')
        context, future = self.views(inputs, data_samples, future=mode != 'tensor')
        pred = self.predict_embeddings(context)
        if mode == 'tensor':
            return pred
        target = self.target_embeddings(future)
        pred = pred[:, -target.shape[1]:]  # as many future steps as targets were given
        per_sample = self.embedding_loss(pred, target)
        if mode == 'loss':
            if self.training and not self.ema_by_hook and not self._warned:
                warnings.warn('SimVPJEPA is training without TargetEMAHook: its target encoder '
                              'stays where it started (add custom_hooks=[dict(type='
                              "'TargetEMAHook')])")
                self._warned = True
            return dict(loss_jepa=per_sample.mean(), **self.vicreg_terms(pred))
        with torch.no_grad():
            x = self.embed_input(context)
            lat = self.encoder(x.flatten(0, 1))[0].unflatten(0, x.shape[:2])
        for k, s in enumerate(data_samples):
            s.jepa_stats = dict(loss=per_sample[k].detach().cpu(),
                                **{name: spread_sums(emb[k]) for name, emb in
                                   zip(SPREAD_NAMES, (lat, pred, target))})
        return data_samples
