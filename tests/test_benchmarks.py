"""The inference and segmenter-step benchmarks, and the speed-ups measured (CPU AMP,
channels_last)."""
import json
import os.path as osp

import pytest
import torch

from conftest import ROOT, load_benchmark as load_tool


def test_inference_benchmark_times_the_test_path(tmp_path):
    tool = load_tool('inference_benchmark')
    out = tmp_path / 'infer.json'
    rows = tool.main(['--sizes', '32x48', '--videos', '3', '--width', 'tiny', '--batch-size', '2',
                      '--data-dir', str(tmp_path / 'data'), '--json', str(out)])
    assert [r['path'] for r in rows] == ['rgb+nos', 'maskspace+nos']
    for r in rows:
        assert r['videos'] == 3 and r['videos_s'] > 0 and r['nos_ms'] > 0
    rgb, mask_space = rows
    assert rgb['known_objects_ms'] > 0  # the segmenter ran over frames 1-11
    assert json.loads(out.read_text())['rows'] == rows


def test_segmenter_step_benchmark_times_both_losses_and_they_agree(tmp_path):
    tool = load_tool('segmenter_step')
    out = tmp_path / 'step.json'
    rows = tool.main(['--size', '32', '48', '--batch', '2', '--iters', '1', '--warmup', '0',
                      '--precisions', 'fp32', '--device', 'cpu', '--json', str(out)])
    assert [r['loss'] for r in rows] == ['factorised', '49-channel']
    assert all(r['same_loss'] and r['step_s'] > 0 for r in rows)
    assert rows[0]['first_loss'] > 0 and rows[0]['loss_diff'] < 1e-4
    assert json.loads(out.read_text())['rows'] == rows
    with pytest.raises(SystemExit, match='not an attribute head'):
        tool.main(['--config', osp.join(ROOT, 'configs/deeplabv3/deeplabv3_r18_small_cpu.py'), '--size', '32', '48',
                   '--batch', '2', '--iters', '1', '--warmup', '0', '--json', str(out)])


def test_cpu_amp_optim_wrapper_autocasts_and_steps():
    from futureseg.registry import OPTIM_WRAPPERS
    from futureseg.apis import register_all_modules
    register_all_modules()
    model = torch.nn.Linear(4, 2)
    wrapper = OPTIM_WRAPPERS.build(dict(type='CPUAmpOptimWrapper',
                                        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16  # the matmul ran in bf16
    wrapper.update_params(out.float().pow(2).mean())
    assert not torch.equal(before, model.weight) and model.weight.dtype == torch.float32
    with pytest.raises(ValueError, match='dtype'):
        OPTIM_WRAPPERS.build(dict(type='CPUAmpOptimWrapper', dtype='float64',
                                  optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))


def test_channels_last_hook_converts_weights_and_keeps_predictions():
    from types import SimpleNamespace

    from futureseg.engine import ChannelsLastHook
    from futureseg.registry import MODELS
    from futureseg.apis import register_all_modules
    register_all_modules()
    model = MODELS.build(dict(type='SimVPMaskPredictor',
                              encoder=dict(type='SimVPEncoder', hid_S=8, N_S=2),
                              translator=dict(type='GSTATranslator', hid_T=16, N_T=2),
                              decoder=dict(type='SimVPDecoder', hid_S=8, N_S=2))).eval()
    x = torch.rand(1, 11, 3, 16, 24) * 255
    with torch.no_grad():
        before = model(model.data_preprocessor(dict(inputs=x))['inputs'])
    ChannelsLastHook().before_test(SimpleNamespace(model=model))  # the hook reads runner.model only
    conv = model.encoder.enc[0].conv
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert model.data_preprocessor.channels_last
    with torch.no_grad():
        after = model(model.data_preprocessor(dict(inputs=x))['inputs'])
    torch.testing.assert_close(before, after, rtol=1e-4, atol=1e-4)


def test_to_markdown_copies_the_json_rows(tmp_path, capsys):
    tool = load_tool('to_markdown')
    path = tmp_path / 'b.json'
    path.write_text(json.dumps(dict(machine=dict(cpus=2), rows=[dict(a=1, b=None, c=[1]), dict(a=2.5, b='x')])))
    tool.main([str(path)])
    out = capsys.readouterr().out
    assert "| a | b |\n|---|---|\n| 1 |  |\n| 2.5 | x |" in out and "'cpus': 2" in out
    with pytest.raises(SystemExit, match='unknown columns'):
        tool.main([str(path), '--columns', 'nope'])


def test_motion_extrapolation_benchmark_fits_the_damping_and_scores(tiny_dataset, tmp_path):
    import shutil
    import numpy as np
    from futureseg.datasets.layout import list_videos
    from futureseg.evaluation.functional import confusion_matrix, jaccard_index
    bench = load_tool('motion_extrapolation')
    masks = tmp_path / 'seg_masks'
    cm = 0
    for vid, path in list_videos(osp.join(tiny_dataset, 'val')):
        (masks / f'video_{vid}').mkdir(parents=True)  # the true masks as a perfect "segmenter"
        shutil.copy(osp.join(path, 'mask.npy'), masks / f'video_{vid}' / 'mask.npy')
        true = np.load(osp.join(path, 'mask.npy'))
        cm = cm + confusion_matrix(true[10], true[21])
    out = tmp_path / 'motion.json'
    bench.main([tiny_dataset, '--masks', str(masks), '--windows', '1', '--grid', '0', '1',
                '--json', str(out)])
    data = json.loads(out.read_text())
    rows = data['rows']
    assert [r['setting'] for r in rows][:4] == ['copy frame 11', 'constant velocity', 'one damping',
                                                'damping per shape, material']
    assert rows[0]['val (true masks)'] == pytest.approx(jaccard_index(cm), abs=1e-4)
    for r in rows:
        assert r['val (true masks)'] == r['val (segmenter masks)']  # the same input masks
        assert all(d in (0.0, 1.0) for d in r['damping_values'])
    fitted = [r for r in rows if r['setting'] == 'damping per shape, material']
    assert all(r['train (true)'] >= max(x['train (true)'] for x in rows if x['window'] == r['window']
                                        and x['setting'] != r['setting']) for r in fitted)
    assert data['best']['window'] == 1 and len(data['best']['damping']) == 6
    assert (tmp_path / 'motion.md').read_text().count('| damping per shape, material |') == 1


def test_dynamics_scaling_extends_the_quickstart_recipe_per_multiplier(tmp_path):
    """The data-scaling benchmark's stages: per multiplier > 1, generated unlabelled videos so
    the data set holds m x the quickstart's, labelled by its segmenter, the dynamics trained on
    the first N of them and tested as the quickstart's own row; the runner orders them after
    the quickstart's stages and resolves their references."""
    from mmengine.config import Config
    from futureseg.apis import register_all_modules
    from futureseg.apis.recipe import RecipeRunner
    register_all_modules()
    bench = load_tool('dynamics_scaling')
    recipe = Config.fromfile(osp.join(ROOT, 'configs/recipes/quickstart_cpu.py')).to_dict()
    counts = dict(recipe['stages'][0]['splits'])
    extra, rows = bench.plan(recipe, [4, 1], counts, seed=1)
    total = sum(counts.values())
    n = 4 * total - counts['train'] - counts['val']
    assert [r[:2] for r in rows] == [(1, counts['unlabeled']), (4, n)]
    gen, masks, train, test = extra
    assert gen['type'] == 'GenerateData' and gen['splits'] == dict(unlabeled=n) and gen['seed'] == 1
    assert (gen['width'], gen['height']) == (recipe['stages'][0]['width'], recipe['stages'][0]['height'])
    assert masks['limit'] == n and masks['data_root'] == '{dyn_data_x4}'
    opts = train['cfg_options']
    assert opts['train_dataloader.dataset.datasets.1.indices'] == n
    assert opts['train_dataloader.dataset.datasets.1.mask_root'] == '{dyn_masks_x4.unlabeled}'
    quick = {s['name']: s for s in recipe['stages']}
    assert train['config'] == quick['dynamics']['config']
    assert test['model'] == 'dynamics_x4' and test['gap'] and \
        test['model_overrides'] == quick['dynamics_nos']['model_overrides']
    assert all(v.endswith(' [x4]') for v in test['rows'].values())
    recipe['extra_stages'] = extra
    runner = RecipeRunner(Config(recipe), str(tmp_path / 'work'))
    assert list(runner.plan())[-4:] == [s['name'] for s in extra]
    assert {'dyn_data_x4', 'segmenter'} <= runner.deps['dyn_masks_x4']
    assert {'dyn_data_x4', 'dyn_masks_x4'} <= runner.deps['dynamics_x4']
    with pytest.raises(SystemExit, match='no stage'):
        bench.plan(dict(stages=recipe['stages'][:3]), [4], counts, seed=1)
