# Stage 1 with TAU's translator and its differential divergence regularisation.
_base_ = ['./simvp_incepu_pretrain.py', '../_base_/models/translators.py']
model = dict(translator={{_base_.tau_translator}}, ddr_weight=0.1)
