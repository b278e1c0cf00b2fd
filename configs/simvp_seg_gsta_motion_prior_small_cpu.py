# The RGB route with the motion prior (configs/simvp_seg_motion_prior_small_cpu.py) with the
# gSTA translator at the same CPU sizes: the downstream RGB model of
# tools/benchmarks/pretraining_comparison.py, which loads every pre-training arm into it.
_base_ = ['./simvp_seg_motion_prior_small_cpu.py']
model = dict(translator=dict(type='GSTATranslator'))
