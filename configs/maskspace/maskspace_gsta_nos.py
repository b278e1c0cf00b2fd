# Mask-space gSTA with New Object Suppression at test time; the known objects are the classes
# in the masks the model read (the segmenter's masks of frames 1-11), so no second segmenter pass.
_base_ = ['./maskspace_gsta.py']
model = dict(
    postprocessors=[dict(type='NewObjectSuppression', area_threshold=100, region='class')],
    known_objects=dict(source='context_masks', min_pixels=1),
)
