# Stage 1 with SimVP v2's gSTA translator.
_base_ = ['./simvp_incepu_pretrain.py', '../_base_/models/translators.py']
model = dict(translator={{_base_.gsta_translator}})
