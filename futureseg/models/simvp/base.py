"""The SimVP model's skeleton: encoder -> translator -> decoder over videos, with the
pre-trained-weight loader and the input-size check every SimVP predictor shares."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint

from futureseg.registry import MODELS
from ..priors.builder import accepts_argument, rename_old_prior_keys


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

    def __init__(self, encoder: dict, translator: dict, decoder: Optional[dict],
                 num_input_frames: int = 11,
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
