# Mask-space gSTA with New Object Suppression at test time; the known objects are the classes
# in the masks the model read (the segmenter's masks of frames 1-11), so no second segmenter pass.
_base_ = ['./maskspace_gsta.py', '../_base_/postprocessing/nos.py']
model = dict(postprocessors=[{{_base_.nos}}], known_objects={{_base_.known_from_segmenter}})
