# Stage 1 with SimVP v2's gSTA translator.
_base_ = ['./simvp_incepu_pretrain.py']
model = dict(translator=dict(_delete_=True, type='GSTATranslator', hid_T=512, N_T=8))
