# The CPU mask-space motion-prior model (maskspace_gsta_motion_small_cpu.py) as a network that
# can override its prior (docs/motion_prior.md, "Overriding the prior"): it sees the prior's
# occupancy of each future frame as input channels, and a learned trust per pixel and class
# (TrustFusion, starting as the plain sum) weighs the prior's vote, at 30x the network's
# learning rate so that it moves within one CPU epoch. Beside its parent on the quickstart data:
# docs/motion_prior.md ("Overriding the prior").
_base_ = ['./maskspace_gsta_motion_small_cpu.py']
model = dict(fusion=dict(type='TrustFusion'), prior_input=True)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=30.)}))
# OneCycleLRKeepMult: OneCycleLR that keeps the fusion's lr_mult (MMEngine's gives every
# parameter the same peak)
param_scheduler = [dict(type='OneCycleLRKeepMult', eta_max=3e-3, by_epoch=True, begin=0,
                        end={{_base_.max_epochs}}, convert_to_iter_based=True)]
