# The CPU mask-space gSTA on top of the learned object dynamics: the trained
# ObjectDynamicsPredictor (configs/dynamics/object_dynamics_small_cpu.py), frozen, paints where
# each object of the mask of frame 11 goes (DynamicsPrior); the network sees that prediction
# as input and its votes through a learned trust (TrustFusion), as its motion-prior parent
# does with the hand-written extrapolation. Unmeasured: the learned dynamics is the better
# prior on the quickstart data (docs/dynamics.md); whether a network on top adds to it is
# what this config asks.
#
# The dynamics' checkpoint: the quickstart's (python tools/run_recipe.py
# configs/recipes/quickstart_cpu.py), or set it:
#   python tools/train.py configs/maskspace/maskspace_gsta_dynamics_prior_small_cpu.py \
#       --cfg-options model.prior.checkpoint=work_dirs/object_dynamics_small_cpu/best_....pth
# In a recipe after the dynamics' TrainModel stage (named 'dynamics'):
#   dict(type='TrainModel', name='maskspace_dynamics',
#        config='configs/maskspace/maskspace_gsta_dynamics_prior_small_cpu.py',
#        cfg_options={'model.prior.checkpoint': '{dynamics}'})
# The host's checkpoints carry the dynamics' weights: testing one needs no dynamics file
# (--cfg-options model.prior.checkpoint=None).
_base_ = ['./maskspace_gsta_motion_trust_small_cpu.py']
model = dict(
    prior=dict(
        _delete_=True,
        type='DynamicsPrior',
        config='configs/dynamics/object_dynamics_small_cpu.py',
        checkpoint='work_dirs/quickstart/dynamics/best_future_jaccard_epoch_20.pth',
        init=4.0,
    ),
)
