"""Reading a finished recipe's work dir: its state, its stages' kinds and the model it ends
with (for inference and the model zoo)."""
import os.path as osp
from typing import Optional, Tuple

from .base import STATE_FILE, RecipeError, read_json
from .config_utils import is_segmenter_config


def read_recipe_state(work_dir: str) -> dict:
    """A recipe work dir's ``recipe_state.json``; FileNotFoundError naming it if absent."""
    path = osp.join(work_dir, STATE_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{work_dir} is not a recipe work dir (no {STATE_FILE})')
    return read_json(path)


def stage_type(work_dir: str, name: str, entry: dict) -> str:
    """'TrainModel', 'TestModel', ... of a finished stage, as the recipe runner recorded it
    (since commit c098559); 'other' for a state written before that."""
    return entry.get('type') or 'other'


def tested_model(work_dir: str, name: str, entry: dict) -> Tuple[str, str, Optional[str]]:
    """(config, checkpoint, model stage) a TestModel stage tested, as its outputs record them
    (checkpoint None: a model without trained parameters)."""
    out = entry.get('outputs', {})
    if out.get('config') and 'checkpoint' in out:
        return out['config'], out['checkpoint'], out.get('model')
    raise RecipeError(f'{work_dir}: stage {name!r} does not record the config and checkpoint it '
                      'tested (a state from before commit c098559): rerun the recipe')


def recipe_model(work_dir: str, stage: Optional[str] = None) -> dict:
    """The model a recipe run ends with, for inference: dict(stage, config, checkpoint,
    segmenter=dict(config, checkpoint) or None).

    Args:
        work_dir (str): the recipe's work dir (holding recipe_state.json).
        stage (str, optional): a TestModel stage (its config, post-processors included) or a
            TrainModel stage. Default: the last TestModel stage that finished.
    """
    state = read_recipe_state(work_dir)
    done = {n: e for n, e in state.items() if e.get('status') == 'done'}
    kinds = {n: stage_type(work_dir, n, e) for n, e in done.items()}
    trained = [n for n in done if kinds[n] == 'TrainModel']
    segmenters = [n for n in trained if is_segmenter_config(done[n]['outputs']['config'])]
    if stage is None:
        tests = [n for n in done if kinds[n] == 'TestModel']
        if not tests:
            raise RecipeError(f'{work_dir}: no finished TestModel stage; name one with stage=')
        stage = tests[-1]
    if stage not in done:
        raise RecipeError(f'{work_dir}: no finished stage {stage!r} (finished: {sorted(done)})')
    if kinds[stage] == 'TestModel':
        config, checkpoint, _ = tested_model(work_dir, stage, done[stage])
    elif kinds[stage] == 'TrainModel':
        config, checkpoint = done[stage]['outputs']['config'], done[stage]['outputs']['checkpoint']
    else:
        raise RecipeError(f'stage {stage!r} is a {kinds[stage]}, not a model (TrainModel / TestModel)')
    seg = None
    if segmenters:
        out = done['segmenter' if 'segmenter' in segmenters else segmenters[0]]['outputs']
        seg = dict(config=out['config'], checkpoint=out['checkpoint'])
    return dict(stage=stage, config=config, checkpoint=checkpoint, segmenter=seg)
