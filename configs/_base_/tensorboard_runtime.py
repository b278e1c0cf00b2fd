# default_runtime plus TensorBoard scalars (needs `pip install tensorboard`).
_base_ = ['./default_runtime.py']
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
