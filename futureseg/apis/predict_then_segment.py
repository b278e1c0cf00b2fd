"""The predict-then-segment baseline (the seed's first result): a frame predictor's frame 22,
segmented by the frame segmenter, scored against the true mask of frame 22."""
import torch
from mmengine.utils import ProgressBar

from futureseg.datasets.metainfo import NUM_CLASSES
from futureseg.evaluation.functional import confusion_matrix, jaccard_index
from futureseg.evaluation.metrics import seen_new_iou, seen_new_tallies
from futureseg.registry import DATASETS
from futureseg.models.segment import segment_last_predicted_frames


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
        masks = segment_last_predicted_frames(segmenter, samples).long().cpu()
        for s, m in zip(samples, masks):
            gt = s.gt_masks[-1].cpu()
            cm += confusion_matrix(m, gt).cpu()
            tallies.append(seen_new_tallies(m, gt, s.input_masks.cpu()))
            if bar:
                bar.update()
    if bar:
        print()
    return dict(jaccard=jaccard_index(cm.numpy()), videos=len(dataset), **seen_new_iou(tallies))
