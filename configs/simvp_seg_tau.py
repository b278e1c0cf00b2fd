# The main model with TAU's translator.
_base_ = ['./simvp_seg.py', '_base_/models/translators.py']
model = dict(translator={{_base_.tau_translator}})
