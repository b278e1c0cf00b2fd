"""A hook that draws predicted future masks during validation / testing."""
import os
import os.path as osp
from typing import Optional

from mmengine.hooks import Hook

from futureseg.registry import HOOKS


@HOOKS.register_module()
class FutureSegVisualizationHook(Hook):
    """Draws every ``interval``-th video's panel (see FutureSegVisualizer) while testing, and
    while validating when ``draw_val`` is set.

    Args:
        draw (bool): Draw at all (``tools/test.py --show-dir`` turns it on). Default: False.
        interval (int): Draw every ``interval``-th video. Default: 1.
        show_dir (str, optional): PNG folder, relative to the work dir's timestamp folder
            unless absolute; None sends the panels to the visualizer's backends.
            Default: None.
        draw_val (bool): Also draw while validating. Default: False.
        max_videos (int, optional): Stop after this many videos (None = all). Default: None.
        show (bool): Also show each panel in a window (``tools/test.py --show``).
            Default: False.
        wait_time (float): Seconds a shown panel stays (0 = until a key is pressed).
            Default: 0.0.
    """
    priority = 'NORMAL'

    def __init__(self, draw: bool = False, interval: int = 1, show_dir: Optional[str] = None,
                 draw_val: bool = False, max_videos: Optional[int] = None, show: bool = False,
                 wait_time: float = 0.):
        self.draw, self.interval, self.show_dir = draw, interval, show_dir
        self.show, self.wait_time = show, wait_time
        self.draw_val, self.max_videos = draw_val, max_videos
        self._count = 0

    def _draw(self, runner, data_batch, outputs, tag):
        from mmengine.visualization import Visualizer
        visualizer = Visualizer.get_current_instance()
        if not hasattr(visualizer, 'panel'):
            raise TypeError('FutureSegVisualizationHook needs visualizer=dict(type='
                            f"'FutureSegVisualizer'), the config has {type(visualizer).__name__}")
        out_dir = None
        if self.show_dir:
            out_dir = self.show_dir if osp.isabs(self.show_dir) else osp.join(runner.log_dir, self.show_dir)
            os.makedirs(out_dir, exist_ok=True)
        views = data_batch['inputs']
        if views and isinstance(views[0], (list, tuple)):  # test-time augmentation: the plain view
            views = views[0]
        for inputs, sample in zip(views, outputs):
            if self.max_videos is not None and self._count >= self.max_videos:
                return
            self._count += 1
            if (self._count - 1) % self.interval:
                continue
            vid = sample.metainfo.get('video_id', self._count)
            out_file = osp.join(out_dir, f'video_{vid}.png') if out_dir else None
            # runner.iter would build the train loop (and its data) in a test-only run
            step = runner.iter if tag == 'val' else self._count
            visualizer.add_datasample(f'{tag}_video_{vid}', inputs, sample, out_file=out_file,
                                      step=step, show=self.show, wait_time=self.wait_time)

    def before_test(self, runner) -> None:
        self._count = 0

    def before_val(self, runner) -> None:
        self._count = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.draw:
            self._draw(runner, data_batch, outputs, 'test')

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.draw and self.draw_val:
            self._draw(runner, data_batch, outputs, 'val')
