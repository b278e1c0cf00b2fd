# The image-space extrapolation alone (MotionPrior's: each centroid moved on along its image
# track, damped per shape and material), the prior the SimVP routes add to their logits; the
# floor-plane extrapolation (motion_extrapolation_small_cpu.py) replaces it as the dynamics'
# control. Nothing to train:
#   python tools/test.py configs/dynamics/image_extrapolation_small_cpu.py
_base_ = ['./object_dynamics_small_cpu.py', '../_base_/models/motion_prior.py']
# (the floor keys the prior inherits are not a MotionPrior's: build_track_motion reads window, damping)
model = dict(learn=False, prior={{_base_.motion_prior}})
