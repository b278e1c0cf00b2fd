# The comparison of configs/recipes/compare_cpu.py at full size (course-sized data, 160 x 240,
# the full models and schedules), on top of the full recipe (its stages are reused):
#   python tools/run_recipe.py configs/recipes/compare_gpu.py
_base_ = ['./full_gpu.py']
title = 'futureseg recipes compared (160x240, course-sized synthetic data)'
_nos = dict(postprocessors=[{{_base_.nos}}], known_objects={{_base_.known_from_segmenter}})


def _rows(label):
    return {'stages/raw': label, 'stages/NewObjectSuppression': label + ' + NOS'}


extra_stages = [
    dict(type='TrainModel', name='ms_ar_ss', config='configs/maskspace/maskspace_gsta_ar_ss.py'),
    dict(type='TestModel', name='ms_ar_ss_nos', model='ms_ar_ss', model_overrides=_nos,
         rows=_rows('mask-space gSTA, autoregressive + scheduled sampling')),
    dict(type='TrainModel', name='ms_jaccard_ft', config='configs/maskspace/maskspace_gsta_jaccard_ft.py',
         cfg_options={'load_from': '{mask_space}'}),
    dict(type='TestModel', name='ms_jaccard_ft_nos', model='ms_jaccard_ft', model_overrides=_nos,
         rows=_rows('mask-space gSTA + Jaccard-loss fine-tune')),
    dict(type='TrainModel', name='hybrid', config='configs/maskspace/hybrid_gsta.py'),
    dict(type='TestModel', name='hybrid_nos', model='hybrid', model_overrides=_nos,
         rows=_rows('hybrid: RGB + mask embeddings (gSTA)')),
]
