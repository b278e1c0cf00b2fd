"""The evaluation package split by job (issue 33): Jaccard metrics, image quality and
prediction files in their own modules, the old ``futureseg.evaluation`` names still there;
the image-quality and file helpers checked against values worked out by hand."""
import numpy as np
import pytest
import torch

import futureseg.evaluation as evaluation
from futureseg.evaluation import image_quality, metrics, submission
from futureseg.registry import METRICS
from futureseg.structures import VideoDataSample


def test_each_registered_metric_lives_in_its_jobs_module():
    where = {'FutureSegJaccard': metrics, 'PostprocessingTable': metrics,
             'FramePredictionMetric': image_quality, 'SubmissionWriter': submission}
    for name, module in where.items():
        cls = METRICS.get(name)
        assert cls.__module__ == module.__name__, name
        assert getattr(evaluation, name) is cls  # the old import path
    for name in ('ssim', 'mask_rle', 'decode_mask_rle', 'prediction_of', 'save_submission'):
        assert name in evaluation.__all__ and hasattr(evaluation, name)


def test_psnr_and_ssim_of_known_pairs():
    x = torch.zeros(2, 3, 16, 16)
    y = x + 0.1  # MSE 0.01 -> 20 dB
    assert torch.allclose(image_quality.psnr(x, y), torch.tensor([20., 20.]), atol=1e-4)
    assert torch.allclose(image_quality.psnr(x, x), torch.tensor([100., 100.]))
    g = torch.Generator().manual_seed(0)
    img = torch.rand(1, 3, 24, 24, generator=g)
    assert float(image_quality.ssim(img, img)) == pytest.approx(1.0, abs=1e-5)
    noisy = (img + 0.3 * torch.randn(img.shape, generator=g)).clamp(0, 1)
    assert float(image_quality.ssim(img, noisy)) < 0.9


def test_frame_prediction_metric_scores_a_constant_error():
    metric = METRICS.build(dict(type='FramePredictionMetric'))
    target = torch.full((2, 3, 16, 16), 0.5)  # normalised as the preprocessor does: x / 255
    sample = VideoDataSample(pred_frames=torch.full((2, 3, 16, 16), 0.6 * 255),
                             target_frames=target)
    metric.process({}, [sample])
    out = metric.compute_metrics(metric.results)
    assert out['mae'] == pytest.approx(0.1, abs=1e-5)
    assert out['mse'] == pytest.approx(0.01, abs=1e-5)
    assert out['psnr'] == pytest.approx(20.0, abs=1e-3)


def test_rle_round_trip_and_the_video_frame_key_of_a_sample():
    mask = np.array([[0, 0, 5], [5, 5, 0]], np.uint8)
    rle = submission.mask_rle(mask)
    assert rle == [[0, 2], [5, 3], [0, 1]]
    assert np.array_equal(submission.decode_mask_rle(rle, mask.shape), mask)
    with pytest.raises(ValueError, match='cover 6 pixels'):
        submission.decode_mask_rle(rle, (3, 3))
    key, m = submission.prediction_of(dict(video_id=15003, pred_masks=torch.ones(1, 2, 2)))
    assert key == (15003, ) and m.shape == (2, 2)
    seg = dict(pred_sem_seg=dict(data=torch.zeros(1, 2, 2)),
               img_path='/d/val/video_1004/image_21.png')
    assert submission.prediction_of(seg)[0] == (1004, 21)
    with pytest.raises(KeyError, match='img_path'):
        submission.prediction_of(dict(seg, img_path='x.png'))


def test_save_submission_writes_uint8_in_the_given_order(tmp_path):
    path = str(tmp_path / 'sub.pt')
    masks = torch.arange(3 * 4).reshape(3, 2, 2) % 49
    submission.save_submission(masks, path)
    saved = torch.load(path)
    assert saved.dtype == torch.uint8 and torch.equal(saved.long(), masks)
