# Stage 1 with TAU's translator and its differential divergence regularisation.
_base_ = ['./simvp_incepu_pretrain.py']
model = dict(translator=dict(_delete_=True, type='TAUTranslator', hid_T=512, N_T=8), ddr_weight=0.1)
