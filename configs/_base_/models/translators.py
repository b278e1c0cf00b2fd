# SimVP's translators at the published sizes (hid_T 512, N_T 8), one definition each; a config
# inherits this file and swaps the translator of its model with, e.g.
#   model = dict(translator={{_base_.gsta_translator}})
# (``_delete_``: the replaced translator's keys do not leak into the new one)
incepu_translator = dict(_delete_=True, type='IncepUTranslator', hid_T=512, N_T=8)  # SimVP v1
gsta_translator = dict(_delete_=True, type='GSTATranslator', hid_T=512, N_T=8)      # SimVP v2
tau_translator = dict(_delete_=True, type='TAUTranslator', hid_T=512, N_T=8)        # TAU
