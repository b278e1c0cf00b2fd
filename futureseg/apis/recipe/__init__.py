"""The recipe runner: a config that lists stages (generate data, train, segment, evaluate...)
run in order, each stage's outputs (best checkpoint, config, metrics) handed to later ones.

A recipe config holds ``data_root``, ``work_dir`` and ``stages``, a list of RECIPE_STAGES
configs, each with a unique ``name`` (a child recipe appends its own as ``extra_stages``).
Strings in a stage's config may refer to ``{data_root}``, ``{work_dir}`` and to earlier
stages' outputs as ``{stage}`` (its main output, e.g. a checkpoint) or ``{stage.key}``
(e.g. ``{segmenter.config}``).

The state of the run is kept in ``<work_dir>/recipe_state.json`` (written atomically after
every stage). Each stage has a fingerprint: its settings, the contents of its resolved
config (after ``_base_`` inheritance and its cfg_options, so an edited config file counts,
its path does not) and the fingerprints of the stages it depends on, the data stage among
them. A rerun skips finished stages whose fingerprint is unchanged and whose outputs still
exist, reruns the others and every stage that depends on them, and a killed training resumes
from its last checkpoint. ``RecipeRunner.plan()`` tells which stages would run.

Stages launch the ``futureseg.cli`` tools as subprocesses (``python -m ...``, under
``futureseg.cli.run_measured`` for their peak memory), with their logs under
``<work_dir>/<stage>/``. A recipe may let a failing stage not stop the run
(``on_failure='continue'``), cap the run (``budget``) and each stage (``timeout``), and
skip a stage that needs more GPUs than there are (``requires_gpus``); the run ends with the
results table and the stage table (status, seconds, peak memory, samples/s of each stage).

Modules: ``runner`` (staleness and order), ``base`` (the stage class, fingerprints),
``context`` (templates, the launcher), ``data_stages`` / ``model_stages`` /
``tool_stages`` (the stages),
``config_utils`` (config surgery), ``checkpoints``, ``report`` (the table) and ``workdir``
(reading a finished run).
"""
from .base import STATE_FILE, RecipeError, RecipeStage, StageTimeout
from .checkpoints import best_checkpoint, count_parameters
from .config_utils import ROOT, data_root_options, find_config, is_segmenter_config
from .context import RecipeContext
from .data_stages import FitMotionPrior, GenerateData, SegmentFrames, SegmenterFrameScores
from .model_stages import PredictThenSegment, TestModel, TrainModel
from .report import BASELINE_ROWS, gap_closed
from .runner import RecipeRunner
from .tool_stages import Infer, RunBenchmark
from .workdir import read_recipe_state, recipe_model, stage_type, tested_model

__all__ = ['STATE_FILE', 'RecipeError', 'StageTimeout', 'RecipeStage', 'RecipeContext',
           'RecipeRunner', 'GenerateData', 'FitMotionPrior', 'SegmentFrames',
           'SegmenterFrameScores', 'TrainModel', 'TestModel', 'PredictThenSegment', 'Infer',
           'RunBenchmark', 'ROOT',
           'data_root_options', 'find_config', 'is_segmenter_config', 'best_checkpoint',
           'count_parameters', 'BASELINE_ROWS', 'gap_closed', 'read_recipe_state', 'recipe_model',
           'stage_type', 'tested_model']
