"""Models declare the sample fields they read (``model.reads``, issue 33), and the
declaration is true: a predict pass on samples that carry exactly those fields works, and one
without any declared mask field fails. Inference, analysis and TTA ask ``reads`` instead of
guessing a model's inputs from its type."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from futureseg.apis import register_all_modules

register_all_modules()
from futureseg.apis.analysis import model_complexity  # noqa: E402
from futureseg.apis.inference import needs_segmenter, reads_context_masks  # noqa: E402
from futureseg.models import FutureMaskOutputs  # noqa: E402
from futureseg.models.tta import FutureSegTTAModel  # noqa: E402
from futureseg.registry import MODELS  # noqa: E402
from futureseg.structures import READABLE_FIELDS, VideoDataSample  # noqa: E402

from conftest import FIXTURES  # noqa: E402

H, W = 16, 24

# (fixture config, model overrides, what it must read)
CASES = {
    'rgb': ('simvp_seg_tiny.py', {}, ('frames', )),
    'rgb_copy_prior': ('simvp_seg_tiny.py', dict(prior=4.0), ('frames', 'context_masks')),
    'rgb_nos_true_masks': ('simvp_seg_tiny_nos.py', {}, ('frames', 'input_masks')),
    'rgb_nos_context': ('simvp_seg_tiny_nos.py', dict(known_objects=dict(source='context_masks')),
                        ('frames', 'context_masks')),
    'mask_space': ('maskspace_tiny.py', {}, ('context_masks', )),
    'mask_space_no_prior': ('maskspace_tiny.py', dict(prior=0.), ('context_masks', )),
    'hybrid': ('maskspace_tiny.py', dict(with_frames=True), ('context_masks', 'frames')),
    'frame_predictor': ('simvp_pretrain_tiny.py', {}, ('frames', )),
    'copy_last': (None, dict(type='CopyLastMaskPredictor'), ('context_masks', )),
    'dynamics': (None, dict(type='ObjectDynamicsPredictor', hidden=8), ('context_masks', )),
}


def build(case):
    config, overrides, _ = CASES[case]
    model_cfg = dict(overrides)
    if config is not None:
        model_cfg = Config.fromfile(osp.join(FIXTURES, config)).model
        model_cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(model_cfg).eval()


def samples_with(fields, b=2):
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(b):
        masks = torch.zeros(11, H, W, dtype=torch.long)
        masks[:, 2:6, 3:8] = int(torch.randint(1, 49, (1, ), generator=g))
        s = VideoDataSample(metainfo=dict(video_id=0))
        for f in fields:
            if f != 'frames':
                setattr(s, f, masks.clone())
        out.append(s)
    return out


@pytest.mark.parametrize('case', sorted(CASES))
def test_reads_is_declared_and_true(case):
    model = build(case)
    assert model.reads == CASES[case][2]
    assert set(model.reads) <= set(READABLE_FIELDS)
    inputs = torch.rand(2, 11, 3, H, W)
    with torch.no_grad():
        out = model(inputs, samples_with(model.reads), mode='predict')
    assert 'pred_masks' in out[0] or 'pred_frames' in out[0]
    for field in (f for f in model.reads if f != 'frames'):
        fewer = [f for f in model.reads if f != field]
        with pytest.raises(ValueError, match=field):
            with torch.no_grad():
                model(inputs, samples_with(fewer), mode='predict')


@pytest.mark.parametrize('case', sorted(CASES))
def test_inference_asks_the_model(case):
    model = build(case)
    assert reads_context_masks(model) == ('context_masks' in CASES[case][2])
    # a frame predictor's frame 22 is segmented after: it needs the segmenter too
    assert needs_segmenter(model) == (reads_context_masks(model) or case == 'frame_predictor')


def test_every_registered_future_mask_model_declares_reads():
    """A new model (e.g. a later predictor) that inherits the mixin's undeclared ``reads``
    is caught here, not in inference."""
    for name, cls in MODELS.module_dict.items():
        if isinstance(cls, type) and issubclass(cls, FutureMaskOutputs):
            assert cls.reads is not FutureMaskOutputs.reads, f'{name} does not declare reads'


def test_keep_logits_keeps_the_scores_behind_pred_masks():
    model = build('rgb_copy_prior')
    inputs, samples = torch.rand(2, 11, 3, H, W), samples_with(('context_masks', ))
    with torch.no_grad():
        plain = model(inputs, samples, mode='predict')
    assert 'pred_logits' not in plain[0]
    model.keep_logits = True
    with torch.no_grad():
        out = model(inputs, samples_with(('context_masks', )), mode='predict')
    for s in out:
        assert s.pred_logits.shape == (49, H, W)
        assert torch.equal(s.pred_logits.argmax(0), s.pred_masks[-1])


def test_tta_names_a_field_the_predictor_reads_that_a_view_lacks():
    tta = FutureSegTTAModel(module=build('mask_space'))
    view = dict(inputs=[torch.zeros(11, 3, H, W, dtype=torch.uint8)],
                data_samples=[VideoDataSample(metainfo=dict(flip=False))])
    with pytest.raises(ValueError, match='reads context_masks'):
        tta.test_step({k: [v] for k, v in view.items()})


@pytest.mark.parametrize('case, masks', [('rgb', False), ('rgb_copy_prior', True),
                                         ('mask_space', True)])
def test_model_complexity_feeds_what_the_model_reads(case, masks, tmp_path):
    config, overrides, _ = CASES[case]
    cfg = Config.fromfile(osp.join(FIXTURES, config))
    cfg.model.update(overrides)
    info = model_complexity(cfg, (H, W))
    assert info['flops'] > 0 and info['params'] == sum(p.numel() for p in build(case).parameters())
    assert ('masks' in info['input']) == masks
