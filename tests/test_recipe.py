"""The recipe runner on a tiny recipe: every stage runs, a kill mid-way loses nothing
finished, a rerun skips what is done, and a changed stage reruns with its dependents."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, ROOT

TINY_RECIPE = '''
title = 'tiny recipe'
data_root = {data_root!r}
work_dir = {work_dir!r}
stages = [
    dict(type='GenerateData', name='data', splits=dict(train=4, val=2, unlabeled=2), width=96,
         height=64, workers=1, seed=3),
    dict(type='TrainModel', name='segmenter', config={seg!r},
         cfg_options={{'train_cfg.max_iters': 16, 'train_cfg.val_interval': 16,
                      'param_scheduler.0.end': 16, 'default_hooks.checkpoint.interval': 8}}),
    dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter', splits=['val', 'train']),
    dict(type='Baselines', name='baselines', masks='seg_masks'),
    dict(type='TrainModel', name='pretrain', config={pre!r}),
    dict(type='PredictThenSegment', name='pts', predictor='pretrain', segmenter='segmenter',
         row='predict, then segment'),
    dict(type='TrainModel', name='future_seg', config={ms!r},
         cfg_options={{'train_dataloader.dataset.context_mask_root': '{{seg_masks.train}}',
                      'train_cfg.max_epochs': {epochs}, 'param_scheduler.0.end': {epochs}}}),
    dict(type='TestModel', name='future_seg_nos', model='future_seg',
         model_overrides=dict(
             postprocessors=[dict(type='NewObjectSuppression', area_threshold=20)],
             known_objects=dict(source='context_masks')),
         rows={{'stages/raw': 'mask-space', 'stages/NewObjectSuppression': 'mask-space + NOS'}}),
]
'''


def write_recipe(tmp_path, epochs):
    path = tmp_path / 'tiny_recipe.py'
    path.write_text(TINY_RECIPE.format(
        data_root=str(tmp_path / 'data'), work_dir=str(tmp_path / 'work'), epochs=epochs,
        seg=osp.join(FIXTURES, 'deeplabv3_tiny.py'), ms=osp.join(FIXTURES, 'maskspace_tiny.py'),
        pre=osp.join(FIXTURES, 'simvp_pretrain_tiny.py')))
    return str(path)


def start(recipe, log):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, FIXTURES]))
    return subprocess.Popen([sys.executable, 'tools/run_recipe.py', recipe], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def state(tmp_path):
    path = tmp_path / 'work' / 'recipe_state.json'
    return json.loads(path.read_text()) if path.exists() else {}


def run_to_end(recipe, tmp_path, name):
    log_path = tmp_path / f'{name}.log'
    with open(log_path, 'w') as log:
        code = start(recipe, log).wait(timeout=600)
    text = log_path.read_text()
    assert code == 0, text[-3000:]
    return text


def test_recipe_killed_mid_way_resumes_and_skips_finished_stages(tmp_path):
    recipe = write_recipe(tmp_path, epochs=4)
    work = tmp_path / 'work'
    with open(tmp_path / 'first.log', 'w') as log:
        proc = start(recipe, log)
        deadline = time.time() + 400
        # kill it while the future-segmentation model trains, after its first checkpoint
        while time.time() < deadline and proc.poll() is None:
            if (state(tmp_path).get('future_seg', {}).get('status') == 'running'
                    and (work / 'future_seg' / 'epoch_1.pth').exists()):
                break
            time.sleep(0.5)
        assert proc.poll() is None, (tmp_path / 'first.log').read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = state(tmp_path)
    finished = ('data', 'segmenter', 'seg_masks', 'baselines', 'pretrain', 'pts')
    assert [before[s]['status'] for s in finished] == ['done'] * len(finished)
    assert before['future_seg']['status'] == 'running' and 'future_seg_nos' not in before
    seg_ckpt = before['segmenter']['outputs']['checkpoint']
    seg_mtime = os.path.getmtime(seg_ckpt)

    text = run_to_end(recipe, tmp_path, 'second')
    for name in finished:
        assert f'[recipe] {name}: done, skipped' in text
    assert '[recipe] future_seg (TrainModel): running (unfinished (running))' in text
    train_log = (work / 'future_seg' / 'train.log').read_text()
    commands = [line for line in train_log.splitlines() if line.startswith('$ ')]
    assert len(commands) == 2 and '--resume' not in commands[0] and '--resume' in commands[1]
    assert 'Auto resumed from the latest checkpoint' in train_log
    assert os.path.getmtime(seg_ckpt) == seg_mtime
    after = state(tmp_path)
    assert all(after[s]['status'] == 'done' for s in after)
    # the table: baselines, ceiling and the model with and without NOS
    for row in ('copy frame 11 (segmenter mask)', 'segment true frame 22 (ceiling)',
                'predict, then segment', 'mask-space', 'mask-space + NOS'):
        assert f'| {row} |' in text
    nos_row = next(line for line in text.splitlines() if line.startswith('| mask-space + NOS |'))
    assert nos_row.split('|')[3].strip() != '-'  # the seen-objects IoU of the NOS row
    results = json.loads((work / 'results.json').read_text())
    assert {r['row'] for r in results['rows']} >= {'mask-space', 'mask-space + NOS'}
    assert all(0 <= r['jaccard'] <= 1 for r in results['rows'])

    # nothing to do on a third run
    text = run_to_end(recipe, tmp_path, 'third')
    assert 'running' not in text.replace('[recipe] finished', '')
    # a changed stage reruns, with the stages that use its outputs, and nothing before it
    recipe = write_recipe(tmp_path, epochs=2)
    text = run_to_end(recipe, tmp_path, 'fourth')
    assert '[recipe] segmenter: done, skipped' in text
    assert '[recipe] future_seg (TrainModel): running (its config changed)' in text
    assert '[recipe] future_seg_nos (TestModel): running (future_seg ran again)' in text
    # the other settings' run is kept aside, the new one starts from scratch
    assert (work / 'future_seg.old1' / 'epoch_4.pth').exists()
    new_log = (work / 'future_seg' / 'train.log').read_text()
    assert '--resume' not in new_log and (work / 'future_seg' / 'epoch_2.pth').exists()
    assert not (work / 'future_seg' / 'epoch_4.pth').exists()
    # another data set: every stage is stale
    from futureseg.apis.recipe import GenerateData
    stage = GenerateData('data', splits=dict(train=1))
    assert stage.fingerprint('/a') != stage.fingerprint('/b')


def test_recipe_errors_name_the_problem(tmp_path):
    from futureseg.apis.recipe import RecipeError, RecipeRunner
    from futureseg.apis import register_all_modules
    register_all_modules()
    base = dict(data_root=str(tmp_path), work_dir=str(tmp_path / 'w'))
    with pytest.raises(RecipeError, match='unique name'):
        RecipeRunner(dict(base, stages=[dict(type='Baselines', name='a', masks='x'),
                                         dict(type='Baselines', name='a', masks='x')]))
    with pytest.raises(RecipeError, match="unknown stage"):
        RecipeRunner(dict(base, stages=[dict(type='Baselines', name='b', masks='nope')]))
    with pytest.raises(KeyError, match='NoSuchStage'):
        RecipeRunner(dict(base, stages=[dict(type='NoSuchStage', name='c')]))
    runner = RecipeRunner(dict(base, stages=[dict(type='TrainModel', name='t',
                                                  config='configs/does_not_exist.py')]), quiet=True)
    with pytest.raises(RecipeError, match=r"stage 't': config file not found"):
        runner.run()
    runner = RecipeRunner(dict(base, stages=[dict(type='TrainModel', name='t2', config=osp.join(
        FIXTURES, 'maskspace_tiny.py'), cfg_options={'model.no_such_key': 1})]), quiet=True)
    with pytest.raises(RecipeError, match=r"stage 't2' failed \(exit 1\); log: .*t2/train.log"):
        runner.run()


@pytest.mark.parametrize('recipe', sorted(os.listdir(osp.join(ROOT, 'configs', 'recipes'))))
def test_shipped_recipes_are_valid(recipe, tmp_path):
    """Every shipped recipe builds: known stage types, unique names, references to earlier
    stages only, and existing model configs."""
    from mmengine.config import Config

    from futureseg.apis.recipe import RecipeRunner
    from futureseg.apis import register_all_modules
    register_all_modules()
    runner = RecipeRunner(Config.fromfile(osp.join(ROOT, 'configs', 'recipes', recipe)),
                          work_dir=str(tmp_path))
    names = [s.name for s in runner.stages]
    for i, stage in enumerate(runner.stages):
        assert stage.dependencies(set(names)) <= set(names[:i]), stage.name
        for key in ('config',):
            if isinstance(stage.cfg.get(key), str) and '{' not in stage.cfg[key]:
                assert osp.isfile(osp.join(ROOT, stage.cfg[key])), stage.cfg[key]


def test_data_stage_is_a_dependency_of_every_later_stage(tmp_path, monkeypatch, capsys):
    """Regenerated data (other settings, a new generator version) reruns every stage after it,
    though no stage names it."""
    from futureseg.apis import recipe as recipe_mod
    from futureseg.registry import RECIPE_STAGES
    runs = []

    @RECIPE_STAGES.register_module(force=True)
    class DataForTest(recipe_mod.GenerateData):
        def run(self, ctx):  # the bookkeeping of GenerateData without rendering videos
            runs.append(self.name)
            return dict(main='data_root', data_root=ctx.data_root)

    @RECIPE_STAGES.register_module(force=True)
    class UsesDataForTest(recipe_mod.RecipeStage):
        def run(self, ctx):
            runs.append(self.name)
            return dict(main='x')

    def run(splits):
        cfg = dict(data_root=str(tmp_path / 'data'), work_dir=str(tmp_path / 'work'), stages=[
            dict(type='DataForTest', name='data', splits=splits),
            dict(type='UsesDataForTest', name='model')])
        runs.clear()
        recipe_mod.RecipeRunner(cfg, quiet=True).run()
        return list(runs)

    assert run(dict(train=4)) == ['data', 'model']
    assert run(dict(train=4)) == []
    assert run(dict(train=6)) == ['data', 'model']
    assert 'model (UsesDataForTest): running (data ran again)' in capsys.readouterr().out
    monkeypatch.setattr(recipe_mod, 'GENERATOR_VERSION', recipe_mod.GENERATOR_VERSION + 1)
    assert run(dict(train=6)) == ['data', 'model']


def test_scaling_benchmark_trains_each_route_for_each_budget(tmp_path):
    recipe = write_recipe(tmp_path, epochs=1)
    work = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, FIXTURES]))
    proc = subprocess.run([sys.executable, 'tools/benchmarks/scaling_benchmark.py', '--recipe', recipe,
                           '--work-dir', str(work), '--multipliers', '1', '2'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads((work / 'scaling.json').read_text())
    rows = {r['multiplier']: r for r in out['rows']}
    assert set(rows) == {1, 2} and all(r['route'] == 'future_seg' for r in rows.values())
    assert rows[1]['epochs'] == 1 and rows[2]['epochs'] == 2 and rows[2]['samples'] == 2 * 4
    assert all(0 <= r['jaccard'] <= 1 and r['train_s'] > 0 for r in rows.values())
    assert state(tmp_path)['future_seg_x2']['status'] == 'done'
    assert '| future_seg | 2x | 2 | 8 |' in (work / 'scaling.md').read_text()
    # a rerun trains nothing again
    again = subprocess.run([sys.executable, 'tools/benchmarks/scaling_benchmark.py', '--recipe', recipe,
                            '--work-dir', str(work), '--multipliers', '1', '2'],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and 'future_seg_x2: done, skipped' in again.stdout
