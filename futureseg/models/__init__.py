from .data_preprocessor import VideoDataPreprocessor, stack_field
from .simvp import *  # noqa: F401,F403

__all__ = ['VideoDataPreprocessor', 'stack_field']
