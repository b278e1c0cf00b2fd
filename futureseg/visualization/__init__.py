from .future_seg_visualizer import FutureSegVisualizer, tile_row, video_panel
from .hooks import FutureSegVisualizationHook
from futureseg.structures.palette import colorize, overlay

__all__ = ['FutureSegVisualizer', 'FutureSegVisualizationHook', 'video_panel', 'tile_row', 'colorize', 'overlay']
