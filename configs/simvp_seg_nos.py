# The main model with New Object Suppression at test time (stage 6). Known objects come from
# the frame segmenter's masks of frames 1-11, as at test time:
#   python tools/test.py configs/simvp_seg_nos.py SIMVP_SEG_CKPT --cfg-options \
#       model.known_objects.config=configs/deeplabv3/deeplabv3_r18_synthetic.py \
#       model.known_objects.checkpoint=work_dirs/deeplabv3_r18_synthetic/iter_20000.pth
# (model.known_objects.source=input_masks uses the true masks instead, as the winners' own
# val evaluation did.)
_base_ = ['./simvp_seg.py']
model = dict(
    postprocessors=[dict(type='NewObjectSuppression', area_threshold=100, region='class')],
    known_objects=dict(source='segmenter', config='configs/deeplabv3/deeplabv3_r18_synthetic.py',
                       checkpoint=None, min_pixels=1),
)
