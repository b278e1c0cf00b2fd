# The motion prior alone: the learned dynamics model's control (the same painting, decision
# rule and post-processors, no parameters trained): each object of the segmenter's mask of
# frame 11 moved on along its track. Nothing to train:
#   python tools/test.py configs/dynamics/motion_extrapolation_small_cpu.py
_base_ = ['./object_dynamics_small_cpu.py']
model = dict(learn=False)
