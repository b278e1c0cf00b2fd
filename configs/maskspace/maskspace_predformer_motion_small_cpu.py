# The CPU mask-space model with the motion prior (maskspace_gsta_motion_small_cpu.py) with
# PredFormer's gated-transformer translator in place of gSTA (its parents already read
# _base_/models/translators.py): a row of compare_cpu.py.
_base_ = ['./maskspace_gsta_motion_small_cpu.py']
model = dict(translator={{_base_.predformer_small_translator}})
