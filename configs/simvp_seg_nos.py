# The main model with New Object Suppression at test time (stage 6). Known objects come from
# the frame segmenter's masks of frames 1-11, precomputed as at test time:
#   python tools/pseudo_label.py configs/deeplabv3/deeplabv3_r18_synthetic.py SEG_CKPT data/synth \
#       --split val --out data/synth/seg_masks/val
#   python tools/test.py configs/simvp_seg_nos.py SIMVP_SEG_CKPT
# (--cfg-options model.known_objects.source=input_masks uses the true masks instead, as the
# winners' own val evaluation did.)
_base_ = ['./simvp_seg.py', '_base_/datasets/context_mask_pipelines.py',
          '_base_/postprocessing/nos.py']
model = dict(postprocessors=[{{_base_.nos}}], known_objects={{_base_.known_from_segmenter}})
test_dataloader = dict(dataset={{_base_.context_test_dataset}})
tta_pipeline = {{_base_.context_tta_pipeline}}
