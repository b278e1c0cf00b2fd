"""futureseg registries.

Each registry is a child of MMEngine's root registry of the same name, in the scope
``futureseg``. ``locations`` tell MMEngine which module to import when a component is
built by name, so configs work without importing futureseg by hand. Components of other
OpenMMLab scopes are reached with a prefix, e.g. ``type='mmseg.EncoderDecoder'``.

Two registries have no MMEngine parent:

* ``FILTERS``: data-cleaning rules that decide whether a video is kept for training.
* ``POSTPROCESSORS``: rules applied to predicted masks at test time
  (e.g. New Object Suppression).
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'futureseg'


def _build_in_prefix_scope(parent_build_func):
    """Build ``type='mmseg.X'`` entirely in the mmseg scope.

    MMEngine resolves the prefix for X itself, but the components X builds in its
    ``__init__`` (e.g. ASPPHead's default CrossEntropyLoss) would be looked up in the default
    scope (futureseg) and not be found. Turning the prefix into ``_scope_`` switches the
    default scope for the whole subtree, as OpenMMLab's own configs do by hand.
    """

    def build(cfg, registry, *args, **kwargs):
        obj_type = cfg.get('type') if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and '.' in obj_type and '_scope_' not in cfg:
            prefix, name = obj_type.split('.', 1)
            if prefix != registry.scope and registry._get_root_registry()._search_child(prefix):
                cfg = cfg.copy()
                cfg['type'], cfg['_scope_'] = name, prefix
        return parent_build_func(cfg, registry, *args, **kwargs)

    return build


def _child(name, parent, locations):
    return Registry(name, parent=parent, scope=SCOPE, locations=locations,
                    build_func=_build_in_prefix_scope(parent.build_func))

RUNNERS = _child('runner', MMENGINE_RUNNERS, ['futureseg.engine'])
LOOPS = _child('loop', MMENGINE_LOOPS, ['futureseg.engine'])
HOOKS = _child('hook', MMENGINE_HOOKS, ['futureseg.engine'])
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS, ['futureseg.engine'])
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, ['futureseg.engine'])
OPTIM_WRAPPERS = _child('optim wrapper', MMENGINE_OPTIM_WRAPPERS, ['futureseg.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor', MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, ['futureseg.engine'])
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS, ['futureseg.engine'])

DATASETS = _child('dataset', MMENGINE_DATASETS, ['futureseg.datasets'])
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, ['futureseg.datasets'])
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, ['futureseg.datasets'])

MODELS = _child('model', MMENGINE_MODELS, ['futureseg.models'])
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, ['futureseg.models'])
WEIGHT_INITIALIZERS = _child('weight initializer', MMENGINE_WEIGHT_INITIALIZERS, ['futureseg.models'])
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, ['futureseg.models'])

METRICS = _child('metric', MMENGINE_METRICS, ['futureseg.evaluation'])
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, ['futureseg.evaluation'])

VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, ['futureseg.visualization'])
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, ['futureseg.visualization'])

INFERENCERS = _child('inferencer', MMENGINE_INFERENCERS, ['futureseg.apis'])

# futureseg's own registries (no MMEngine parent).
FILTERS = Registry('data-cleaning filter', scope=SCOPE, locations=['futureseg.datasets'])
POSTPROCESSORS = Registry('mask post-processor', scope=SCOPE, locations=['futureseg.postprocessing'])
SCENE_SAMPLERS = Registry(
    'synthetic scene sampler', scope=SCOPE, locations=['futureseg.datasets.synthetic'])
RECIPE_STAGES = Registry('recipe stage', scope=SCOPE, locations=['futureseg.apis'])
