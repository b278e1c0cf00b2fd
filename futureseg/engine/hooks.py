"""Hooks (HOOKS registry)."""
import os.path as osp

from mmengine.hooks import Hook

from futureseg.registry import HOOKS


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """After the segmenter's training, label the unlabelled videos with it (stage 3).

    Config keys: data_root, split ('unlabeled'), out_dir (default
    ``<work_dir>/pseudo_labels/<split>``), batch_size (22 frames), overwrite (False).
    """
    priority = 'LOWEST'

    def __init__(self, data_root, split='unlabeled', out_dir=None, batch_size=22, overwrite=False):
        self.data_root, self.split, self.out_dir = data_root, split, out_dir
        self.batch_size, self.overwrite = batch_size, overwrite

    def after_train(self, runner):
        from futureseg.apis.pseudo_label import write_pseudo_labels
        out = self.out_dir or osp.join(runner.work_dir, 'pseudo_labels', self.split)
        write_pseudo_labels(runner.model, osp.join(self.data_root, self.split), out,
                            batch_size=self.batch_size, overwrite=self.overwrite)
