from .future_seg_visualizer import FutureSegVisualizer, video_panel
from .hooks import FutureSegVisualizationHook
from .palette import colorize, overlay

__all__ = ['FutureSegVisualizer', 'FutureSegVisualizationHook', 'video_panel', 'colorize', 'overlay']
