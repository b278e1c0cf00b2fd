# The floor-plane extrapolation alone: the learned dynamics model's control (the same prior,
# painting, decision rule and post-processors, nothing trained): each object of the segmenter's
# mask of frame 11 moved on along its track on the floor. Nothing to train:
#   python tools/test.py configs/dynamics/motion_extrapolation_small_cpu.py
_base_ = ['./object_dynamics_small_cpu.py']
model = dict(learn=False, prior=dict(learn_deceleration=False))
