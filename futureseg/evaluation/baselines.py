"""The copy-frame-11 baseline: the mask of the last context frame (frame 11) taken as the
prediction of frame 22. One definition for the recipe's ``Baselines`` stage and the
``PostprocessingTable`` metric."""
from typing import Dict

COPY_SEGMENTER, COPY_TRUE = 'copy_frame11_segmenter', 'copy_frame11_true'


def copy_frame11_predictions(sample: dict) -> Dict[str, object]:
    """The copy-frame-11 predictions of frame 22 a sample allows.

    Args:
        sample (dict): with any of ``context_masks`` with ``context_source='segmenter'``
            (the segmenter's masks of frames 1-11, read from its mask folder) and
            ``input_masks`` (the true masks of frames 1-11); (T, H, W) tensors or arrays,
            frame 11 last.

    Returns:
        dict: ``copy_frame11_segmenter`` (the segmenter's mask of frame 11, what a method
        can see) and ``copy_frame11_true`` (the true mask of frame 11, a reference), for
        those the sample has.
    """
    preds = {}
    if sample.get('context_masks') is not None and sample.get('context_source') == 'segmenter':
        preds[COPY_SEGMENTER] = sample['context_masks'][-1]
    if sample.get('input_masks') is not None:
        preds[COPY_TRUE] = sample['input_masks'][-1]
    return preds
