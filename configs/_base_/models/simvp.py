# SimVP with the IncepU translator (SimVP v1); the winners' sizes for the course data.
hid_S, N_S, hid_T, N_T = 64, 4, 512, 8
model = dict(
    type='SimVPFramePredictor',
    num_input_frames=11,
    data_preprocessor=dict(type='VideoDataPreprocessor'),
    encoder=dict(type='SimVPEncoder', in_channels=3, hid_S=hid_S, N_S=N_S),
    translator=dict(type='IncepUTranslator', hid_T=hid_T, N_T=N_T),
    decoder=dict(type='SimVPDecoder', out_channels=3, hid_S=hid_S, N_S=N_S),
)
