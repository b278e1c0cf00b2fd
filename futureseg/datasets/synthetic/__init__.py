"""Synthetic CLEVRER-like videos in the course data layout (MuJoCo physics + rendering)."""
from futureseg.structures.camera import Camera
from .scene import CLEVRERSceneSampler
from .writer import (GENERATOR_FILE, GENERATOR_VERSION, SPLITS, SyntheticVideoWriter,
                     is_external_root, plan_videos, read_generator_info)

__all__ = ['Camera', 'CLEVRERSceneSampler', 'GENERATOR_FILE', 'GENERATOR_VERSION', 'SPLITS',
           'SyntheticVideoWriter', 'is_external_root', 'plan_videos', 'read_generator_info']
