from . import synthetic  # noqa: F401  registers the scene samplers
from .filters import MinObjects, NoNewObjects
from .frame_cache import FrameCache, build_frame_cache
from .layout import DataError, list_videos, load_frame, load_mask
from .metainfo import CLASS_NAMES, METAINFO, NUM_CLASSES, PALETTE
from .samplers import (SeededDefaultSampler, SeededIndex, SeededInfiniteSampler, SeededSamplesMixin,
                       sample_seed)
from .transforms import (CorruptContextMasks, LoadFrameAndMask, LoadVideo, PackVideoInputs, RandomVideoFlip,
                         ResizeVideo, VideoDataSample)
from .video_dataset import FutureSegFrameDataset, FutureSegVideoDataset, SeededConcatDataset

__all__ = [
    'CorruptContextMasks', 'MinObjects', 'NoNewObjects', 'FrameCache', 'build_frame_cache', 'DataError', 'list_videos',
    'load_frame', 'load_mask', 'CLASS_NAMES', 'METAINFO', 'NUM_CLASSES', 'PALETTE',
    'SeededDefaultSampler', 'SeededIndex', 'SeededInfiniteSampler', 'SeededSamplesMixin', 'sample_seed',
    'LoadFrameAndMask', 'LoadVideo', 'PackVideoInputs', 'RandomVideoFlip', 'ResizeVideo',
    'VideoDataSample', 'FutureSegFrameDataset', 'FutureSegVideoDataset', 'SeededConcatDataset'
]
