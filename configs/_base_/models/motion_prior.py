# MotionPrior (futureseg/models/priors/motion_prior.py): each object of the newest input mask
# moved on along the track of its centroid over the last window + 1 frames, slowing down by a
# constant deceleration; damping = the share of the constant-velocity distance reached at
# frame 22, per (shape, material): cube metal, cube rubber, sphere metal, sphere rubber,
# cylinder metal, cylinder rubber (rubber slides and stops, spheres roll on).
# Fitted on the true masks of the quickstart's 240 train videos (window 3 row of
#   python tools/benchmarks/motion_extrapolation.py data/quickstart --masks data/quickstart/seg_masks/val
# docs/motion_prior.md); refit it for other data (the course videos' physics differ).
motion_prior = dict(type='MotionPrior', init=4.0, window=3, damping=[0.7, 0.4, 0.9, 0.9, 0.7, 0.5])
