# default_runtime plus TensorBoard: scalars (losses, learning rate, val metrics) and the
# pictures of --show-dir / the visualization hook, in WORK_DIR/<timestamp>/vis_data/.
# futureseg's visualizer is kept (FutureSegVisualizationHook draws with it); only its
# backends change. `tensorboard --logdir work_dirs` shows them.
_base_ = ['./default_runtime.py']
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
