# Adam, lr 1e-3, one-cycle schedule (the winners'), 50 epochs, validation every 5.
max_epochs = 50
# as OpenSTL: no weight decay on biases, norms and the gSTA / TAU layer scales (moot at Adam's
# weight_decay=0; it matters once a config sets one)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.),
                     clip_grad=None,
                     paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0.,
                                        custom_keys={'layer_scale': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=1e-3, total_steps=None, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
