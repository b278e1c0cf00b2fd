# SimVP's translators at the published sizes (hid_T 512, N_T 8), one definition each; a config
# inherits this file and swaps the translator of its model with, e.g.
#   model = dict(translator={{_base_.gsta_translator}})
# (``_delete_``: the replaced translator's keys do not leak into the new one)
incepu_translator = dict(_delete_=True, type='IncepUTranslator', hid_T=512, N_T=8)  # SimVP v1
gsta_translator = dict(_delete_=True, type='GSTATranslator', hid_T=512, N_T=8)      # SimVP v2
tau_translator = dict(_delete_=True, type='TAUTranslator', hid_T=512, N_T=8)        # TAU
# PredFormer (Tang et al., 2024): gated transformer blocks over 2x2 patches of the latents,
# the paper's best Moving MNIST layer pattern (temporal, spatial, spatial, temporal) x 6, at
# its sizes (dim 256, 8 heads of 32, SwiGLU ratio 4)
predformer_translator = dict(_delete_=True, type='PredFormerTranslator', patch_size=2, dim=256,
                             heads=8, dim_head=32, mlp_ratio=4., variant='quadruplet_tsst',
                             depth=6)
# PredFormer at CPU size (beside simvp_small_cpu.py's widths): dim 64, 4 heads of 16,
# the quadruplet pattern twice (8 blocks), one latent position a token
predformer_small_translator = dict(_delete_=True, type='PredFormerTranslator', patch_size=1,
                                   dim=64, heads=4, dim_head=16, mlp_ratio=4.,
                                   variant='quadruplet_tsst', depth=2)
