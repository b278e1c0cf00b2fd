_base_ = ['./simvp_seg.py']
model = dict(translator=dict(_delete_=True, type='TAUTranslator', hid_T=512, N_T=8))
