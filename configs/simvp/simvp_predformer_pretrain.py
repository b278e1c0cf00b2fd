# Stage 1 with PredFormer's gated-transformer translator (quadruplet TSST).
_base_ = ['./simvp_incepu_pretrain.py', '../_base_/models/translators.py']
model = dict(translator={{_base_.predformer_translator}})
