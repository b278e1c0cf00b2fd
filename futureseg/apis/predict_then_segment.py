"""The predict-then-segment baseline (the seed's first result): a frame predictor's frame 22,
segmented by the frame segmenter, scored against the true mask of frame 22."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint
from mmengine.utils import ProgressBar

from futureseg.datasets.metainfo import NUM_CLASSES
from futureseg.evaluation.functional import jaccard_index
from futureseg.evaluation.metrics import confusion_matrix_torch, seen_new_iou, seen_new_tallies
from futureseg.registry import DATASETS, MODELS
from .pseudo_label import segment_tensors


def build_from(config, checkpoint, device='cpu'):
    """A model from its config (file or Config) and checkpoint, in eval mode."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    return model.to(device).eval()


@torch.no_grad()
def predict_then_segment(predictor, segmenter, data_root, split='val', batch_size=4, progress=True):
    """Scores the segmenter's masks of the predictor's frame 22 on a labelled split.

    Returns dict(jaccard, seen_iou, new_iou, videos)."""
    from futureseg.datasets.transforms import PackVideoInputs  # noqa: F401 (registers)
    dataset = DATASETS.build(dict(
        type='FutureSegVideoDataset', data_root=data_root, split=split, mode='last_mask',
        test_mode=True, pipeline=[dict(type='LoadVideo', load_input_masks=True),
                                  dict(type='PackVideoInputs')]))
    cm = torch.zeros(NUM_CLASSES, NUM_CLASSES, dtype=torch.long)
    tallies = []
    bar = ProgressBar(len(dataset)) if progress else None
    for start in range(0, len(dataset), batch_size):
        items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        data = predictor.data_preprocessor(dict(inputs=[x['inputs'] for x in items],
                                                data_samples=[x['data_samples'] for x in items]))
        samples = predictor(**data, mode='predict')
        last = torch.stack([s.pred_frames[-1] for s in samples]).round().clamp(0, 255)
        masks = segment_tensors(segmenter, last).long().cpu()
        for s, m in zip(samples, masks):
            gt = s.gt_masks[-1].cpu()
            cm += confusion_matrix_torch(m, gt).cpu()
            tallies.append(seen_new_tallies(m, gt, s.input_masks.cpu()))
            if bar:
                bar.update()
    if bar:
        print()
    return dict(jaccard=jaccard_index(cm.numpy()), videos=len(dataset), **seen_new_iou(tallies))
