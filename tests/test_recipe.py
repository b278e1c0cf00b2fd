"""The recipe runner. Which stages are stale (config contents, data settings, dependencies)
is tested in-process with stages that do not train; one tiny recipe run through
tools/run_recipe.py (killed mid-way, resumed, rerun after a config edit, extended by the
scaling benchmark) proves the real stages and the launcher."""
import contextlib
import io
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from mmengine.config import Config

from conftest import FIXTURES, ROOT
from futureseg.apis import register_all_modules

register_all_modules()

TINY_RECIPE = '''
title = 'tiny recipe'
data_root = {data_root!r}
work_dir = {work_dir!r}
stages = [
    dict(type='GenerateData', name='data', splits=dict(train=4, val=2, unlabeled=2), width=96,
         height=64, workers=1, seed=3),
    dict(type='TrainModel', name='segmenter', config={seg!r},
         cfg_options={{'train_cfg.max_iters': 8, 'train_cfg.val_interval': 9,  # 9: no validation
                      'param_scheduler.0.end': 8, 'default_hooks.checkpoint.interval': 8}}),
    dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter', splits=['val', 'train']),
    # the reference rows: parameter-free models through tools/test.py, reading the segmenter's
    # masks of val (frame 11 for the baseline, frame 22 for the ceiling)
    dict(type='TestModel', name='copy_frame11', config='configs/baselines/copy_frame11.py',
         cfg_options={{'test_dataloader.dataset.context_mask_root': '{{seg_masks.val}}'}},
         rows={{'future/jaccard': 'copy frame 11 (segmenter mask)'}}),
    dict(type='TestModel', name='ceiling', config='configs/baselines/segmenter_ceiling.py',
         cfg_options={{'test_dataloader.dataset.context_mask_root': '{{seg_masks.val}}'}},
         rows={{'future/jaccard': 'segment true frame 22 (ceiling)'}}),
    dict(type='SegmenterFrameScores', name='segmenter_frames', masks='seg_masks'),
    # a model without trained parameters through tools/test.py (no checkpoint), with the gap
    dict(type='TestModel', name='control', config='configs/dynamics/motion_extrapolation_small_cpu.py',
         gap=True, rows={{'future/jaccard': 'motion prior alone'}}),
    dict(type='TrainModel', name='pretrain', config={pre!r}),
    dict(type='PredictThenSegment', name='pts', predictor='pretrain', segmenter='segmenter',
         row='predict, then segment'),
    dict(type='TrainModel', name='future_seg', config={ms!r},
         cfg_options={{'train_dataloader.dataset.context_mask_root': '{{seg_masks.train}}',
                      'train_cfg.max_epochs': 2, 'param_scheduler.0.end': 2}}),
    dict(type='TestModel', name='future_seg_nos', model='future_seg',
         model_overrides=dict(
             postprocessors=[dict(type='NewObjectSuppression', area_threshold=20)],
             known_objects=dict(source='context_masks')),
         rows={{'stages/raw': 'mask-space', 'stages/NewObjectSuppression': 'mask-space + NOS'}}),
]
'''
# the future-segmentation stage's own config file, a child of the fixture (edited by a test)
MS_CHILD = "_base_ = [{base!r}]\ndefault_hooks = dict(logger=dict(interval={interval}))\n"
FINISHED = ('data', 'segmenter', 'seg_masks', 'copy_frame11', 'ceiling', 'segmenter_frames',
            'control', 'pretrain', 'pts')


def write_recipe(tmp, interval=1):
    (tmp / 'ms_child.py').write_text(MS_CHILD.format(base=osp.join(FIXTURES, 'maskspace_tiny.py'),
                                                     interval=interval))
    path = tmp / 'tiny_recipe.py'
    path.write_text(TINY_RECIPE.format(
        data_root=str(tmp / 'data'), work_dir=str(tmp / 'work'), ms=str(tmp / 'ms_child.py'),
        seg=osp.join(FIXTURES, 'deeplabv3_tiny.py'), pre=osp.join(FIXTURES, 'simvp_pretrain_tiny.py')))
    return str(path)


def env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, FIXTURES]))


def start(recipe, log):
    return subprocess.Popen([sys.executable, 'tools/run_recipe.py', recipe], cwd=ROOT, env=env(),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def state(tmp):
    path = tmp / 'work' / 'recipe_state.json'
    return json.loads(path.read_text()) if path.exists() else {}


def plan(recipe):
    from futureseg.apis.recipe import RecipeRunner
    return RecipeRunner(Config.fromfile(recipe), quiet=True).plan()


def run_here(recipe):
    """tools/run_recipe.py's run in this process (no interpreter start-up; the stages still
    launch their tools as subprocesses); returns its console text."""
    from futureseg.apis.recipe import RecipeRunner
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        RecipeRunner(Config.fromfile(recipe)).run()
    return out.getvalue()


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """The tiny recipe (tools/run_recipe.py) killed while its future-segmentation model
    trains (after its first checkpoint), then run to the end: dict(tmp, recipe, before (the
    state at the kill), text (the second run's console))."""
    tmp = tmp_path_factory.mktemp('tiny_recipe')
    recipe = write_recipe(tmp)
    work = tmp / 'work'
    with open(tmp / 'first.log', 'w') as log:
        proc = start(recipe, log)
        deadline = time.time() + 1800  # generous: the machine may be loaded
        while time.time() < deadline and proc.poll() is None:
            if (state(tmp).get('future_seg', {}).get('status') == 'running'
                    and (work / 'future_seg' / 'epoch_1.pth').exists()):
                break
            time.sleep(0.2)
        assert proc.poll() is None, (tmp / 'first.log').read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = state(tmp)
    seg_mtime = os.path.getmtime(before['segmenter']['outputs']['checkpoint'])
    text = run_here(recipe)
    return dict(tmp=tmp, recipe=recipe, before=before, text=text, seg_mtime=seg_mtime)


@pytest.mark.slow
def test_killed_recipe_resumes_and_skips_finished_stages(tiny_run):
    before, text, work = tiny_run['before'], tiny_run['text'], tiny_run['tmp'] / 'work'
    assert [before[s]['status'] for s in FINISHED] == ['done'] * len(FINISHED)
    assert before['future_seg']['status'] == 'running' and 'future_seg_nos' not in before
    for name in FINISHED:
        assert f'[recipe] {name}: done, skipped' in text
    assert '[recipe] future_seg (TrainModel): running (unfinished (running))' in text
    train_log = (work / 'future_seg' / 'train.log').read_text()
    commands = [line for line in train_log.splitlines() if line.startswith('$ ')]
    assert len(commands) == 2 and '--resume' not in commands[0] and '--resume' in commands[1]
    assert all(' -m futureseg.cli.train ' in c for c in commands)  # no tools/ path
    assert 'Auto resumed from the latest checkpoint' in train_log
    assert os.path.getmtime(before['segmenter']['outputs']['checkpoint']) == tiny_run['seg_mtime']
    after = state(tiny_run['tmp'])
    assert all(after[s]['status'] == 'done' for s in after)
    # the table: baselines, ceiling and the model with and without NOS
    for row in ('copy frame 11 (segmenter mask)', 'segment true frame 22 (ceiling)',
                'motion prior alone', 'predict, then segment', 'mask-space', 'mask-space + NOS'):
        assert f'| {row} |' in text
    # the parameter-free models (baseline, ceiling, control) ran without a checkpoint, the
    # others' gap closed is measured between the first two, and the control put its gap
    # breakdown under the table
    assert all(after[s]['outputs']['checkpoint'] is None for s in ('copy_frame11', 'ceiling', 'control'))
    for row in ('copy frame 11 (segmenter mask)', 'motion prior alone'):
        gap = next(line for line in text.splitlines() if line.startswith(f'| {row} |')).split('|')[3]
        assert (gap.strip() == '-') == (row == 'copy frame 11 (segmenter mask)'), (row, gap)
    gap = after['control']['outputs']['gap']
    assert gap['prediction']['jaccard'] <= gap['causal bound']['jaccard']
    assert 'Gap breakdown of frame 22, stage `control`' in (work / 'results.md').read_text()
    assert '| moving objects |' in (work / 'results.md').read_text()
    # the segmenter's own score, from its masks of every val frame (2 videos x 22 frames)
    assert 'Segmenter on single frames (44 frames of val): Jaccard 0.' in text
    assert 'Segmenter on single frames' in (work / 'results.md').read_text()
    nos_row = next(line for line in text.splitlines() if line.startswith('| mask-space + NOS |'))
    assert nos_row.split('|')[3].strip() != '-'  # the seen-objects IoU of the NOS row
    results = json.loads((work / 'results.json').read_text())
    assert {r['row'] for r in results['rows']} >= {'mask-space', 'mask-space + NOS'}
    assert all(0 <= r['jaccard'] <= 1 for r in results['rows'])
    frames = results['frame_scores']['segmenter_frames']
    assert frames['frames'] == 44 and 0 <= frames['shape_acc'] <= 1


@pytest.mark.slow
def test_unchanged_rerun_runs_nothing(tiny_run, capsys):
    from futureseg.apis.recipe import RecipeRunner
    assert set(plan(tiny_run['recipe']).values()) == {None}
    RecipeRunner(Config.fromfile(tiny_run['recipe']), quiet=True).run()  # in-process: nothing to launch
    assert 'running' not in capsys.readouterr().out.replace('[recipe] finished', '')


@pytest.mark.slow
def test_data_settings_make_every_stage_stale(tiny_run):
    from futureseg.apis.recipe import RecipeRunner
    for key, value in (('splits', dict(train=5, val=2, unlabeled=2)), ('seed', 4), ('width', 80)):
        cfg = Config.fromfile(tiny_run['recipe'])
        cfg.stages[0][key] = value
        why = RecipeRunner(cfg, quiet=True).plan()
        assert why.pop('data') == 'its config changed', key
        # every other stage waits for the data (and for the stages between it and the data)
        assert all(w.endswith(' will run again') and 'data' in w.split(' will')[0].split(', ')
                   for w in why.values()), (key, why)
        assert why['segmenter'] == 'data will run again'
    cfg = Config.fromfile(tiny_run['recipe'])
    cfg.stages[0]['workers'] = 2  # the same videos: nothing to redo
    assert set(RecipeRunner(cfg, quiet=True).plan().values()) == {None}


@pytest.mark.slow
def test_scaling_benchmark_reuses_the_recipe_and_trains_each_budget(tiny_run):
    from conftest import load_benchmark
    work = tiny_run['tmp'] / 'work'
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert load_benchmark('scaling_benchmark').main(
            ['--recipe', tiny_run['recipe'], '--work-dir', str(work), '--multipliers', '1', '0.34']) == 0
    assert 'future_seg: done, skipped' in out.getvalue()  # budget 1x is the recipe's own stage
    res = json.loads((work / 'scaling.json').read_text())
    rows = {r['multiplier']: r for r in res['rows']}
    assert set(rows) == {1, 0.34} and all(r['route'] == 'future_seg' for r in rows.values())
    assert rows[1]['epochs'] == 2 and rows[0.34]['epochs'] == 1 and rows[0.34]['samples'] == 4
    assert all(0 <= r['jaccard'] <= 1 and r['train_s'] > 0 for r in rows.values())
    assert state(tiny_run['tmp'])['future_seg_x0.34']['status'] == 'done'
    assert '| future_seg | 0.34x | 1 | 4 |' in (work / 'scaling.md').read_text()


@pytest.mark.slow
def test_extra_videos_generated_beside_the_data_and_the_first_n_labelled(tiny_run):
    """GenerateData(root=...) makes videos outside the recipe's data set and SegmentFrames
    (data_root=..., limit=N) labels the first N of them (the data-scaling benchmark's
    stages); the recipe's own data set is left as it was."""
    from futureseg.apis.recipe import RecipeRunner
    from futureseg.datasets.layout import list_videos
    tmp, work = tiny_run['tmp'], tiny_run['tmp'] / 'work'
    before = sorted(os.listdir(tmp / 'data' / 'unlabeled'))
    cfg = Config.fromfile(tiny_run['recipe'])
    cfg.extra_stages = [
        dict(type='GenerateData', name='extra', root='{work_dir}/extra', seed=5, width=96,
             height=64, workers=1, splits=dict(unlabeled=2)),
        dict(type='SegmentFrames', name='extra_masks', segmenter='segmenter', data_root='{extra}',
             splits=['unlabeled'], limit=1, out='{work_dir}/extra_masks/{split}')]
    with contextlib.redirect_stdout(io.StringIO()):
        RecipeRunner(cfg, quiet=True).run()
    after = state(tmp)
    assert after['extra']['outputs']['data_root'] == str(work / 'extra')
    videos = list_videos(str(work / 'extra' / 'unlabeled'))
    assert len(videos) == 2 and sorted(os.listdir(tmp / 'data' / 'unlabeled')) == before
    labelled = sorted(d for d in os.listdir(work / 'extra_masks' / 'unlabeled') if d.startswith('video_'))
    assert labelled == [f'video_{videos[0][0]}']
    mask = np.load(work / 'extra_masks' / 'unlabeled' / labelled[0] / 'mask.npy')
    assert mask.shape == (22, 64, 96) and mask.max() < 49


@pytest.mark.slow
def test_edited_config_reruns_its_stage_and_dependents_only(tiny_run):
    """Last of the tiny run's tests: it retrains the future-segmentation stage."""
    tmp, recipe, work = tiny_run['tmp'], tiny_run['recipe'], tiny_run['tmp'] / 'work'
    child = tmp / 'ms_child.py'
    child.write_text(child.read_text() + '# a comment changes no setting\n')
    assert set(plan(recipe).values()) == {None}
    write_recipe(tmp, interval=2)  # a value in the config file the stage trains
    why = plan(recipe)
    assert why.pop('future_seg') == 'its config changed'
    assert why.pop('future_seg_nos') == 'future_seg will run again'
    assert set(why.values()) == {None}
    text = run_here(recipe)
    assert '[recipe] segmenter: done, skipped' in text
    assert '[recipe] future_seg (TrainModel): running (its config changed)' in text
    assert '[recipe] future_seg_nos (TestModel): running (future_seg ran again)' in text
    # the other settings' run is kept aside, the new one starts from scratch
    assert (work / 'future_seg.old1' / 'epoch_2.pth').exists()
    new_log = (work / 'future_seg' / 'train.log').read_text()
    assert '--resume' not in new_log and (work / 'future_seg' / 'epoch_2.pth').exists()
    assert set(plan(recipe).values()) == {None}


# -- staleness without training: stages whose run() only records that it ran ------------
def _fake_stages(runs):
    from futureseg.apis.recipe import GenerateData, RecipeStage, TrainModel
    from futureseg.registry import RECIPE_STAGES

    @RECIPE_STAGES.register_module(force=True)
    class DataForTest(GenerateData):
        def run(self, ctx):  # the bookkeeping of GenerateData without rendering videos
            runs.append(self.name)
            return dict(main='data_root', data_root=ctx.data_root)

    @RECIPE_STAGES.register_module(force=True)
    class TrainForTest(TrainModel):
        def run(self, ctx):  # TrainModel's fingerprint (the resolved config), no training
            runs.append(self.name)
            return dict(main='checkpoint', checkpoint='x.pth', config=self.cfg['config'])

    @RECIPE_STAGES.register_module(force=True)
    class UsesModelForTest(RecipeStage):
        depends_keys = ('model',)

        def run(self, ctx):
            runs.append(self.name)
            return dict(main='x')


CHILD = "_base_ = ['./base.py']\nmodel = dict(width={width})\n"
BASE = "model = dict(type='M', depth={depth})\ntrain_dataloader = dict(dataset=dict(data_root='d'))\n"


def test_staleness_follows_config_contents_data_and_dependencies(tmp_path, monkeypatch, capsys):
    runs = []
    _fake_stages(runs)
    (tmp_path / 'base.py').write_text(BASE.format(depth=2))
    (tmp_path / 'a.py').write_text(CHILD.format(width=4))
    (tmp_path / 'b.py').write_text("_base_ = ['./base.py']\n")
    from futureseg.apis.recipe import RecipeRunner

    def runner(splits=None, a='a.py'):
        return RecipeRunner(dict(data_root=str(tmp_path / 'data'), work_dir=str(tmp_path / 'work'), stages=[
            dict(type='DataForTest', name='data', splits=splits or dict(train=4)),
            dict(type='TrainForTest', name='a', config=str(tmp_path / a)),
            dict(type='UsesModelForTest', name='uses_a', model='a'),
            dict(type='TrainForTest', name='b', config=str(tmp_path / 'b.py'),
                 cfg_options={'model.width': '{a.config}'})]), quiet=True)

    def ran(**kw):
        runs.clear()
        runner(**kw).run()
        return list(runs)

    assert ran() == ['data', 'a', 'uses_a', 'b']
    assert ran() == []  # unchanged: nothing
    (tmp_path / 'a.py').write_text(CHILD.format(width=4) + '# comment\n')
    shutil.copy(tmp_path / 'a.py', tmp_path / 'a_moved.py')
    assert set(runner(a='a_moved.py').plan().values()) == {None}  # contents count, not the path
    (tmp_path / 'a.py').write_text(CHILD.format(width=5))
    assert runner().plan() == dict(data=None, a='its config changed', uses_a='a will run again',
                                   b='a will run again')  # b reads {a.config}
    assert ran() == ['a', 'uses_a', 'b']
    (tmp_path / 'base.py').write_text(BASE.format(depth=3))  # an inherited file: a and b
    assert ran() == ['a', 'uses_a', 'b']
    assert ran(splits=dict(train=6)) == ['data', 'a', 'uses_a', 'b']
    assert 'uses_a (UsesModelForTest): running (a, data ran again)' in capsys.readouterr().out
    # a new generator version remakes the data, and so everything after it
    from futureseg.datasets import synthetic
    monkeypatch.setattr(synthetic, 'GENERATOR_VERSION', synthetic.GENERATOR_VERSION + 1)
    assert ran(splits=dict(train=6)) == ['data', 'a', 'uses_a', 'b']
    # a state whose dependency changed under it (e.g. an earlier run stopped in between)
    st = json.loads((tmp_path / 'work' / 'recipe_state.json').read_text())
    st['uses_a']['fingerprint'] = 'other'
    (tmp_path / 'work' / 'recipe_state.json').write_text(json.dumps(st))
    assert runner(splits=dict(train=6)).plan()['uses_a'] == 'a stage it depends on changed'


def test_recipe_errors_name_the_problem(tmp_path):
    from futureseg.apis.recipe import RecipeError, RecipeRunner
    base = dict(data_root=str(tmp_path), work_dir=str(tmp_path / 'w'))
    with pytest.raises(RecipeError, match='unique name'):
        RecipeRunner(dict(base, stages=[dict(type='SegmenterFrameScores', name='a', masks='x'),
                                         dict(type='SegmenterFrameScores', name='a', masks='x')]))
    with pytest.raises(RecipeError, match="unknown stage"):
        RecipeRunner(dict(base, stages=[dict(type='SegmenterFrameScores', name='b', masks='nope')]))
    with pytest.raises(KeyError, match='NoSuchStage'):
        RecipeRunner(dict(base, stages=[dict(type='NoSuchStage', name='c')]))
    runner = RecipeRunner(dict(base, stages=[dict(type='TrainModel', name='t',
                                                  config='configs/does_not_exist.py')]), quiet=True)
    with pytest.raises(RecipeError, match=r"stage 't': config file not found"):
        runner.run()
    # a tool that fails: the error names the stage, the exit status and the log, whose last
    # lines it quotes (a quick module stands in for a failing training)
    from futureseg.apis.recipe import RecipeContext
    ctx = RecipeContext(str(tmp_path), str(tmp_path / 'w'), {}, quiet=True)
    with pytest.raises(RecipeError, match=r"(?s)stage 't2' failed \(exit 2\); log: .*t2/train.log.*No such"):
        ctx.launch('t2', 'json.tool', [str(tmp_path / 'missing.json')], 'train.log')
    log = (tmp_path / 'w' / 't2' / 'train.log').read_text()
    assert log.startswith(f'$ {sys.executable} -m futureseg.cli.run_measured '
                          f'{tmp_path}/w/t2/measure/train.0.json '
                          f'-m json.tool {tmp_path}/missing.json\n')


@pytest.mark.parametrize('recipe', sorted(os.listdir(osp.join(ROOT, 'configs', 'recipes'))))
def test_shipped_recipes_are_valid(recipe, tmp_path):
    """Every shipped recipe builds: known stage types, unique names, references to earlier
    stages only (the data stage before the others), and existing model configs."""
    from futureseg.apis.recipe import GenerateData, RecipeRunner, find_config
    runner = RecipeRunner(Config.fromfile(osp.join(ROOT, 'configs', 'recipes', recipe)),
                          work_dir=str(tmp_path))
    names = [s.name for s in runner.stages]
    for i, stage in enumerate(runner.stages):
        assert runner.deps[stage.name] <= set(names[:i]), stage.name
        if i and not isinstance(stage, GenerateData):
            assert 'data' in runner.deps[stage.name]
        if isinstance(stage.cfg.get('config'), str) and '{' not in stage.cfg['config']:
            find_config(stage.cfg['config'], stage.name)
    # not run yet: every stage would run; the plan resolves no config of a later stage
    assert set(runner.plan().values()) == {'not run yet'}


# -- the runner's failure handling, timeouts, budget and peak memory, with a real tool: a
# small benchmark script (RunBenchmark) that sleeps, fails or allocates as told -----------
BENCH = """import argparse, json, subprocess, sys, time
p = argparse.ArgumentParser()
p.add_argument('--sleep', type=float, default=0)
p.add_argument('--fail', action='store_true')
p.add_argument('--child-mib', type=int, default=0)
p.add_argument('--pid-file')
p.add_argument('--json')
a, _ = p.parse_known_args()
if a.child_mib:  # a process of its own that holds child_mib MiB: children count too
    subprocess.run([sys.executable, '-c', f"b = b'x' * ({a.child_mib} << 20)"], check=True)
if a.pid_file:  # a grandchild that a timeout must kill as well
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    open(a.pid_file, 'w').write(str(child.pid))
if a.fail:
    print('boom: the benchmark broke', flush=True)
    sys.exit(3)
time.sleep(a.sleep)
json.dump(dict(rows=[dict(n_s=2.5, peak=12.0), dict(n_s=4.0)]), open(a.json, 'w'))
"""


def bench_recipe(tmp_path, stages, **keys):
    script = tmp_path / 'bench.py'
    script.write_text(BENCH)
    return dict(data_root=str(tmp_path / 'data'), work_dir=str(tmp_path / 'work'), **keys,
                stages=[dict(type='RunBenchmark', script=str(script), **s) for s in stages])


def stage_rows(work):
    return {r['stage']: r for r in json.loads((work / 'results.json').read_text())['stages']}


def alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'  # a zombie has ended
    except OSError:
        return False


def test_failing_stage_with_continue_skips_its_dependants_only(tmp_path, capsys):
    from conftest import load_tool
    from futureseg.apis.recipe import RecipeError, RecipeRunner
    stages = [dict(name='broken', args=['--fail']),
              dict(name='after_broken', args=['--after', '{broken}']),
              dict(name='after_that', args=['--after', '{after_broken}']),
              dict(name='independent', args=['--child-mib', '300'], rate_key='n_s')]
    recipe = tmp_path / 'recipe.py'
    recipe.write_text(''.join(f'{k} = {v!r}\n' for k, v in bench_recipe(
        tmp_path, stages, on_failure='continue').items()))
    assert load_tool('tools/run_recipe.py').main([str(recipe), '--quiet']) == 1
    rows = stage_rows(tmp_path / 'work')
    assert rows['broken']['status'] == 'failed'
    assert 'exit 3' in rows['broken']['detail']
    assert 'boom: the benchmark broke' in rows['broken']['detail']  # the log's last lines
    assert rows['after_broken']['status'] == 'skipped'
    assert rows['after_broken']['detail'] == 'needs broken (failed)'
    assert rows['after_that']['detail'] == 'needs after_broken (skipped)'
    done = rows['independent']
    assert done['status'] == 'done' and done['samples_s'] == 4.0  # the best row's rate_key
    # peak memory: the resident set of the tool and of the processes it started
    assert done['peak_kind'] == 'RSS' and done['peak_mib'] >= 300, done
    text = (tmp_path / 'work' / 'results.md').read_text()
    assert '| stage | type | status | seconds | peak memory | samples/s | detail |' in text
    assert '| independent | RunBenchmark | done |' in text and ' MiB RSS | 4.00 |' in text
    assert 'Stages (1 failed, 2 skipped, 1 done)' in capsys.readouterr().out
    # the default, on_failure='stop', ends the run at the failure, as before
    with pytest.raises(RecipeError, match="stage 'broken' failed"):
        RecipeRunner(bench_recipe(tmp_path, stages), work_dir=str(tmp_path / 'stop'),
                     quiet=True).run()
    stopped = json.loads((tmp_path / 'stop' / 'recipe_state.json').read_text())
    assert list(stopped) == ['broken'] and stopped['broken']['status'] == 'running'


def test_stage_timeout_kills_the_tool_and_what_it_started(tmp_path):
    from futureseg.apis.recipe import RecipeRunner
    pid_file = tmp_path / 'grandchild.pid'
    runner = RecipeRunner(bench_recipe(tmp_path, [
        dict(name='slow', args=['--sleep', '60', '--pid-file', str(pid_file)], timeout=3),
        dict(name='quick', args=[], rate_key='n_s', peak_key='peak')], on_failure='continue'),
        quiet=True)
    start = time.time()
    runner.run()
    assert time.time() - start < 30 and runner.failed()
    rows = stage_rows(tmp_path / 'work')
    assert rows['slow']['status'] == 'timeout' and 'timed out after 3 s' in rows['slow']['detail']
    assert 3 <= rows['slow']['seconds'] < 20
    assert not alive(int(pid_file.read_text()))  # the tool's own child went with it
    # a benchmark whose rows measure their own peak memory: that is the stage's
    assert rows['quick']['status'] == 'done' and rows['quick']['peak_mib'] == 12.0
    assert rows['quick']['peak_kind'] == 'peak of its rows'
    # the timed-out stage runs again next time; the finished one does not
    assert runner.plan() == dict(slow='unfinished (timeout)', quick=None)


def test_budget_caps_a_stage_and_skips_the_rest(tmp_path):
    from futureseg.apis.recipe import RecipeRunner
    runner = RecipeRunner(bench_recipe(tmp_path, [
        dict(name='long', args=['--sleep', '60']), dict(name='next', args=[])],
        on_failure='continue', budget=2), quiet=True)
    runner.run()
    rows = stage_rows(tmp_path / 'work')
    assert rows['long']['status'] == 'timeout' and rows['long']['seconds'] < 15
    assert rows['next']['status'] == 'skipped'
    assert rows['next']['detail'] == 'no time left in the budget'


def test_unresolvable_stage_fails_like_a_failing_tool(tmp_path):
    from futureseg.apis.recipe import RecipeRunner
    recipe = bench_recipe(tmp_path, [dict(name='ok', args=[])], on_failure='continue')
    recipe['stages'].insert(0, dict(type='TrainModel', name='t',
                                    config='configs/does_not_exist.py'))
    runner = RecipeRunner(recipe, quiet=True)
    runner.run()
    rows = stage_rows(tmp_path / 'work')
    assert rows['t']['status'] == 'failed' and 'config file not found' in rows['t']['detail']
    assert rows['ok']['status'] == 'done' and runner.failed()


def test_requires_gpus_and_only(tmp_path):
    from futureseg.apis.recipe import RecipeRunner
    recipe = bench_recipe(tmp_path, [dict(name='first', args=[]),
                                     dict(name='two_gpus', args=[], requires_gpus=2),
                                     dict(name='uses_first', args=['--after', '{first}'])],
                          env=dict(CUDA_VISIBLE_DEVICES=''))
    runner = RecipeRunner(recipe, quiet=True, only=['uses_first'])
    runner.run()  # its dependency did not run: skipped, and nothing runs for it
    rows = stage_rows(tmp_path / 'work')
    assert rows['first']['detail'] == 'not in --only'
    assert rows['uses_first']['detail'] == 'needs first, not finished (not in --only)'
    RecipeRunner(recipe, quiet=True).run()
    rows = stage_rows(tmp_path / 'work')
    assert rows['two_gpus']['status'] == 'skipped'
    assert rows['two_gpus']['detail'] == 'needs 2 GPUs, 0 visible'
    assert rows['first']['status'] == rows['uses_first']['status'] == 'done'
    # timeout and requires_gpus change no result: not part of the fingerprint
    recipe['stages'][0]['timeout'] = 100
    assert RecipeRunner(recipe, quiet=True).plan()['first'] is None


def test_scalars_reader(tmp_path):
    """futureseg.utils.scalars: the newest run that trained, its iteration times (the first
    left out), samples/s and the last validation's metrics."""
    from futureseg.utils.scalars import (find_scalars, iteration_times, last_val_metrics,
                                         samples_per_second)
    records = {'20260101_000000': [dict(lr=0.1, loss=2.0, time=9.0, step=1),
                                   dict(lr=0.1, loss=1.0, time=0.5, step=2),
                                   dict(lr=0.1, loss=1.0, time=0.25, step=3),
                                   dict(lr=0.1, loss=1.0, time=1.0, step=4),
                                   {'future/jaccard': 0.3, 'step': 2},
                                   {'future/jaccard': 0.4, 'data_time': 0.1, 'step': 4}],
               '20260102_000000': [{'future/jaccard': 0.9, 'step': 0}]}  # a test run, newer
    for run, recs in records.items():
        path = tmp_path / run / 'vis_data' / 'scalars.json'
        path.parent.mkdir(parents=True)
        path.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    assert find_scalars(str(tmp_path)).endswith('20260101_000000/vis_data/scalars.json')
    assert iteration_times(str(tmp_path)) == [0.5, 0.25, 1.0]
    assert samples_per_second(str(tmp_path), 4) == 8.0
    assert last_val_metrics(str(tmp_path)) == {'future/jaccard': 0.4}
    with pytest.raises(FileNotFoundError, match='no .*scalars.json'):
        find_scalars(str(tmp_path / 'nothing'))
