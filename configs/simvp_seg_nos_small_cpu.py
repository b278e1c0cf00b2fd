# configs/simvp_seg_nos.py for the CPU-sized model (configs/simvp_seg_small_cpu.py): New
# Object Suppression with the segmenter's masks of frames 1-11 as the known objects.
_base_ = ['./simvp_seg_small_cpu.py', '_base_/datasets/context_mask_pipelines.py',
          '_base_/postprocessing/nos.py']
model = dict(postprocessors=[{{_base_.nos}}], known_objects={{_base_.known_from_segmenter}})
test_dataloader = dict(dataset={{_base_.context_test_dataset}})
tta_pipeline = {{_base_.context_tta_pipeline}}
