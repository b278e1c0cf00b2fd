# SimVP at CPU size (widths / 4, 3 translator blocks): one definition for every *_small_cpu
# config, so that a pre-trained frame predictor's encoder and translator always load into the
# future-mask models. A config inherits this file and uses
#   model = dict(encoder={{_base_.small_encoder}}, translator={{_base_.small_translator}},
#                decoder={{_base_.small_decoder}})
small_encoder = dict(hid_S=16, N_S=4)
small_translator = dict(hid_T=128, N_T=3)
small_decoder = dict(hid_S=16, N_S=4)
