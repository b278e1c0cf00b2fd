"""Synthetic CLEVRER-like videos in the course data layout (MuJoCo physics + rendering)."""
from .camera import Camera
from .scene import CLEVRERSceneSampler
from .writer import SPLITS, SyntheticVideoWriter, plan_videos

__all__ = ['Camera', 'CLEVRERSceneSampler', 'SPLITS', 'SyntheticVideoWriter', 'plan_videos']
