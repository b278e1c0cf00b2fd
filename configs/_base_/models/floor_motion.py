# FloorTrackMotion (futureseg/models/track_motion.py): each object's centroid track put on the
# floor through the fixed camera (the synthetic generator's, without its per-video jitter),
# its velocity fitted over the last window + 1 frames under the constant deceleration its
# (shape, material) slides with, moved on until it stops and projected back (perspective:
# displacement and size). deceleration in floor units / s^2, per (shape, material): cube
# metal, cube rubber, sphere metal, sphere rubber, cylinder metal, cylinder rubber (rubber
# stops sooner, spheres roll on). Fitted on the centroid tracks of the quickstart's 240 train
# videos (true masks; the learned dynamics' centroid loss with the decelerations as the only
# parameters, 12 epochs); a model that owns it trains them further (learn_deceleration; the
# control, configs/dynamics/motion_extrapolation_small_cpu.py, keeps them).
# Refit for other data: the course videos' camera and physics differ.
floor_motion = dict(type='FloorTrackMotion', camera=None, object_height=0.4,
                    deceleration=[0.9, 1.66, 0.2, 0.17, 0.9, 1.67], frame_dt=0.08, window=2,
                    learn_deceleration=True)
