from .inference import inference_model, init_model
from .inferencer import FutureSegInferencer
from futureseg.engine.pseudo_label import StalePseudoLabelsError, weights_sha256, write_pseudo_labels
from futureseg.models.segment import segment_frames, segment_tensors
from .predict_then_segment import predict_then_segment
from .recipe import RecipeError, RecipeRunner, RecipeStage
from .setup_env import register_all_modules

__all__ = ['StalePseudoLabelsError', 'segment_frames', 'segment_tensors', 'weights_sha256',
           'write_pseudo_labels', 'predict_then_segment', 'RecipeError',
           'RecipeRunner', 'RecipeStage', 'init_model', 'inference_model', 'FutureSegInferencer', 'register_all_modules']
