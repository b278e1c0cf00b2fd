from .inference import inference_model, init_model
from .inferencer import FutureSegInferencer
from .predict_then_segment import build_from, predict_then_segment
from .pseudo_label import (StalePseudoLabelsError, segment_frames, segment_tensors,
                           weights_sha256, write_pseudo_labels)
from .recipe import RecipeError, RecipeRunner, RecipeStage

__all__ = ['StalePseudoLabelsError', 'segment_frames', 'segment_tensors', 'weights_sha256',
           'write_pseudo_labels', 'build_from', 'predict_then_segment', 'RecipeError',
           'RecipeRunner', 'RecipeStage', 'init_model', 'inference_model', 'FutureSegInferencer']
