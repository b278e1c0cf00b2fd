from .pseudo_label import (StalePseudoLabelsError, segment_frames, segment_tensors,
                           weights_sha256, write_pseudo_labels)

__all__ = ['StalePseudoLabelsError', 'segment_frames', 'segment_tensors', 'weights_sha256',
           'write_pseudo_labels']
