from .data_preprocessor import VideoDataPreprocessor, stack_field

__all__ = ['VideoDataPreprocessor', 'stack_field']
