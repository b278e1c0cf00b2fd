# The CPU RGB future-segmentation model (configs/simvp_seg_small_cpu.py) with the gSTA
# translator at the same CPU sizes (hid_T 128, N_T 3): the downstream model of
# configs/simvp/simvp_gsta_jepa_pretrain_small_cpu.py.
_base_ = ['./simvp_seg_small_cpu.py']
model = dict(translator=dict(type='GSTATranslator'))
