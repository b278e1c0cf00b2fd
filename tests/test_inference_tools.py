"""Inference without labels, test-time augmentation, TensorBoard, the model zoo and the
analysis tools, on one tiny recipe run (a segmenter, an RGB future-mask predictor trained
with the TensorBoard runtime, a mask-space predictor, and a TTA + NOS test)."""
import glob
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from conftest import FIXTURES, ROOT, load_tool, run_tool
from futureseg.apis import register_all_modules

register_all_modules()

TB_CONFIG = '''# the tiny RGB future-mask predictor on the TensorBoard runtime (written by the test)
_base_ = [{models!r}, {data!r}, {schedule!r}, {runtime!r}]
model = dict(type='SimVPMaskPredictor', output='last', background_weight=0.6,
             encoder=dict(hid_S=8, N_S=2), translator=dict(hid_T=16, N_T=2),
             decoder=dict(hid_S=8, N_S=2))
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=1)
param_scheduler = [dict(type='OneCycleLR', eta_max=1e-3, by_epoch=True, begin=0, end=2,
                        convert_to_iter_based=True)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(save_best='future/jaccard', rule='greater'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
'''


def tiny_recipe(tmp, data_root):
    """The tiny recipe's config, its configs written under ``tmp/configs``."""
    configs = tmp / 'configs'
    (configs / 'tiny').mkdir(parents=True, exist_ok=True)
    base = osp.join(ROOT, 'configs', '_base_')
    tb_config = configs / 'tiny' / 'simvp_seg_tiny_tb.py'
    tb_config.write_text(TB_CONFIG.format(
        models=osp.join(base, 'models', 'simvp.py'), data=osp.join(base, 'datasets', 'synthetic_future_seg.py'),
        schedule=osp.join(base, 'schedules', 'adam_onecycle_50e.py'),
        runtime=osp.join(base, 'tensorboard_runtime.py')))
    (configs / 'tiny' / 'untrained.py').write_text(f"_base_ = [{str(tb_config)!r}]\n")
    # NOS with the segmenter's masks of the val videos (stage seg_masks) as known objects
    nos = dict(postprocessors=[dict(type='NewObjectSuppression', area_threshold=20)],
               known_objects=dict(source='context_masks'))
    return Config(dict(title='tiny run', data_root=data_root, work_dir=str(tmp / 'work'), stages=[
        dict(type='TrainModel', name='segmenter', config=osp.join(FIXTURES, 'deeplabv3_tiny.py'),
             cfg_options={'train_cfg.max_iters': 8, 'train_cfg.val_interval': 9,  # 9: no val
                          'param_scheduler.0.end': 8, 'default_hooks.checkpoint.interval': 8}),
        dict(type='TrainModel', name='future_seg', config=str(tb_config)),
        dict(type='TrainModel', name='maskspace', config=osp.join(FIXTURES, 'maskspace_tiny.py'),
             cfg_options={'train_cfg.max_epochs': 1, 'param_scheduler.0.end': 1,
                          'val_dataloader.dataset.context_mask_root': None,
                          'test_dataloader.dataset.context_mask_root': None}),
        # into the work dir: the data set is the session's shared one, never written to
        dict(type='SegmentFrames', name='seg_masks', segmenter='segmenter', splits=['val'],
             out='{work_dir}/seg_masks/{split}'),
        # TTA + NOS, drawing every panel (what --show-dir does) through the TensorBoard runtime
        dict(type='TestModel', name='future_seg_nos', model='future_seg', tta=True, model_overrides=nos,
             cfg_options={'test_dataloader.dataset.context_mask_root': '{seg_masks.val}',
                          'tta_pipeline.0.load_context_masks': True,
                          'default_hooks.visualization.draw': True,
                          'default_hooks.visualization.show_dir': str(tmp / 'panels')},
             rows={'stages/raw': 'tiny (TTA)', 'stages/NewObjectSuppression': 'tiny (TTA) + NOS'}),
    ]))


def finished_run(tmp, data_root, runner=None):
    """What the tests read of a finished run: dict(work, configs, tb_config, state, ...)."""
    work = str(tmp / 'work')
    with open(osp.join(work, 'recipe_state.json')) as f:
        state = json.load(f)
    return dict(work=work, configs=str(tmp / 'configs'), state=state, panels=str(tmp / 'panels'),
                tb_config=str(tmp / 'configs' / 'tiny' / 'simvp_seg_tiny_tb.py'), data=data_root)


@pytest.fixture(scope='module')
def tiny_run(tiny_dataset, tmp_path_factory):
    """A finished tiny recipe: a segmenter, an RGB future-mask predictor on the TensorBoard
    runtime, a mask-space predictor, and a TTA + NOS test of the RGB one."""
    from futureseg.apis import RecipeRunner
    tmp = tmp_path_factory.mktemp('tiny_run')
    RecipeRunner(tiny_recipe(tmp, tiny_dataset), quiet=True).run()
    return finished_run(tmp, tiny_dataset)


def _ckpt(run, stage):
    return run['state'][stage]['outputs']['checkpoint']


@pytest.mark.slow
def test_tensorboard_events_hold_loss_and_val_jaccard(tiny_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    cfg = Config.fromfile(tiny_run['tb_config'])
    assert cfg.visualizer.type == 'FutureSegVisualizer'  # the runtime keeps futureseg's visualizer
    assert [b['type'] for b in cfg.visualizer.vis_backends] == ['LocalVisBackend', 'TensorboardVisBackend']
    events = glob.glob(osp.join(tiny_run['work'], 'future_seg', '*', 'vis_data', 'events.out.tfevents.*'))
    assert events, os.listdir(osp.join(tiny_run['work'], 'future_seg'))
    acc = EventAccumulator(osp.dirname(events[0]))
    acc.Reload()
    tags = acc.Tags()['scalars']
    assert 'loss' in tags and 'future/jaccard' in tags, tags
    assert len(acc.Scalars('future/jaccard')) == 2  # one validation per epoch
    # --show-dir through the same runtime: a panel per val video
    assert len(glob.glob(osp.join(tiny_run['panels'], 'video_*.png'))) == 2


@pytest.mark.slow
def test_inference_equals_the_test_path(tiny_run):
    """init_model + inference_model on a video folder give what the test loop predicts."""
    from futureseg.apis import inference_model, init_model
    from futureseg.registry import DATASETS
    config = tiny_run['state']['future_seg']['outputs']['config']
    model = init_model(config, _ckpt(tiny_run, 'future_seg'))
    ds_cfg = model.cfg.test_dataloader.dataset
    ds_cfg.data_root = tiny_run['data']
    dataset = DATASETS.build(ds_cfg)
    from mmengine.dataset import pseudo_collate
    with torch.no_grad():
        expected = model.test_step(pseudo_collate([dataset[0], dataset[1]]))
    folders = [dataset.get_data_info(i)['video_dir'] for i in range(2)]
    got = inference_model(model, folders)
    for e, g in zip(expected, got):
        assert g.pred_masks.shape == (1, 64, 96)
        assert torch.equal(e.pred_masks, g.pred_masks)
    # the frames as an array give the same, and a missing checkpoint is named
    frames = np.stack([np.asarray(Image.open(osp.join(folders[0], f'image_{k}.png'))) for k in range(11)])
    assert torch.equal(inference_model(model, frames)[0].pred_masks, got[0].pred_masks)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        init_model(config, 'nope.pth')


@pytest.mark.slow
def test_tta_averages_the_flipped_views(tiny_run):
    from futureseg.apis import init_model
    from futureseg.registry import DATASETS, MODELS
    from futureseg.utils.cli import enable_tta
    cfg = Config.fromfile(tiny_run['state']['future_seg']['outputs']['config'])
    cfg.test_dataloader.dataset.data_root = tiny_run['data']
    plain = init_model(cfg, _ckpt(tiny_run, 'future_seg'))
    enable_tta(cfg)
    tta = MODELS.build(cfg.model)
    tta.module.load_state_dict(plain.state_dict())
    tta.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    from mmengine.dataset import pseudo_collate
    with torch.no_grad():
        got = tta.test_step(pseudo_collate([dataset[0]]))[0].pred_masks
        item = dataset[0]  # the TTA pipeline's views: [as is, flipped]
        assert [s.metainfo['flip'] for s in item['data_samples']] == [False, True]
        data = plain.data_preprocessor(dict(inputs=[item['inputs'][0]],
                                            data_samples=[item['data_samples'][0]]))
        logits = plain(**data, mode='tensor')
        flipped = plain(data['inputs'].flip(-1), data['data_samples'], mode='tensor').flip(-1)
    expected = (logits.softmax(2) + flipped.softmax(2)).argmax(2)[0]
    assert torch.equal(got, expected)


@pytest.mark.slow
def test_infer_tool_on_a_recipe_work_dir(tiny_run, tmp_path):
    hidden = osp.join(tiny_run['data'], 'hidden')
    out = str(tmp_path / 'infer')
    proc = run_tool('tools/infer.py', tiny_run['work'], '--input', hidden, '--out-dir', out,
                    '--submission', str(tmp_path / 'sub.pt'), '--batch-size', '2', '--no-progress')
    assert 'predicted frame 22 of 2 video(s) with SimVPMaskPredictor' in proc.stdout, proc.stdout
    sub = torch.load(str(tmp_path / 'sub.pt'), weights_only=True)
    assert sub.shape == (2, 64, 96) and sub.dtype == torch.uint8
    for k, name in enumerate(sorted(os.listdir(hidden), key=lambda n: int(n.split('_')[1]))):
        ids = np.asarray(Image.open(osp.join(out, 'pred', f'{name}.png')))
        pal = Image.open(osp.join(out, 'palette', f'{name}.png'))
        assert pal.mode == 'P' and np.array_equal(np.asarray(pal), ids)
        assert np.array_equal(ids, sub[k].numpy()) and ids.max() < 49
        vis = np.asarray(Image.open(osp.join(out, 'vis', f'{name}.png')))
        assert vis.shape[1] > 3 * 96  # frames 1, 11, predicted and after NOS, over frame 11


@pytest.mark.slow
def test_inferencer_mask_space_needs_its_segmenter(tiny_run, tmp_path):
    from futureseg.apis import FutureSegInferencer
    video = osp.join(tiny_run['data'], 'hidden', sorted(os.listdir(osp.join(tiny_run['data'], 'hidden')))[0])
    infer = FutureSegInferencer(tiny_run['work'], stage='maskspace', show_progress=False)
    assert type(infer.model).__name__ == 'SimVPMaskSpacePredictor' and infer.segmenter is not None
    result = infer(video, out_dir=str(tmp_path / 'ms'))
    assert result['predictions'][0].shape == (64, 96) and result['names'] == [osp.basename(video)]
    assert osp.isfile(tmp_path / 'ms' / 'pred' / f'{osp.basename(video)}.png')
    seg = tiny_run['state']['maskspace']['outputs']
    with pytest.raises(ValueError, match='segmenter'):
        FutureSegInferencer(seg['config'], seg['checkpoint'], show_progress=False)
    bad = tmp_path / 'bad_video'
    bad.mkdir()
    (bad / 'image_0.png').write_bytes(open(osp.join(video, 'image_0.png'), 'rb').read())
    with pytest.raises(ValueError, match='image_10.png'):  # names the missing frames
        infer(str(bad))


@pytest.mark.slow
def test_model_zoo_page_from_the_run(tiny_run):
    zoo = load_tool('tools/model_zoo.py')
    pages = zoo.main([tiny_run['work'], '--configs', tiny_run['configs']])
    page = osp.join(tiny_run['configs'], 'tiny', 'README.md')
    assert page in pages
    text = open(page).read()
    with open(osp.join(tiny_run['work'], 'results.json')) as f:
        rows = {r['row']: r for r in json.load(f)['rows']}
    nos = next(line for line in text.splitlines() if '| tiny (TTA) + NOS |' in line)
    cells = [c.strip() for c in nos.split('|')[1:-1]]
    assert cells[0] == '[simvp_seg_tiny_tb.py](simvp_seg_tiny_tb.py)'
    assert cells[2] == f"{rows['tiny (TTA) + NOS']['jaccard']:.4f}"
    assert cells[6].endswith(' M') and cells[7].endswith(' G') and cells[8] == '64x96'
    assert cells[9].startswith('CPU') or 'x ' in cells[9]
    assert '| [untrained.py](untrained.py) | no recorded run |' in text


def test_work_dir_reads_what_the_recipe_records_only(tmp_path):
    """Stage kinds, tested models and hardware come from recipe_state.json, never from logs;
    a state from before they were recorded is named as such."""
    from futureseg.apis.recipe import RecipeError, stage_type, tested_model
    (tmp_path / 'test' / 'old').mkdir(parents=True)
    (tmp_path / 'test' / 'old' / 'test.log').write_text('$ python tools/test.py a.py b.pth\n')
    old = dict(status='done', outputs=dict(metrics='m.json'))
    assert stage_type(str(tmp_path), 'old', old) == 'other'  # its test.log is not read
    with pytest.raises(RecipeError, match="stage 'old' does not record the config"):
        tested_model(str(tmp_path), 'old', dict(old, type='TestModel'))
    new = dict(status='done', type='TestModel',
               outputs=dict(config='c.py', checkpoint=None, model='train'))
    assert stage_type(str(tmp_path), 'new', new) == 'TestModel'
    assert tested_model(str(tmp_path), 'new', new) == ('c.py', None, 'train')


@pytest.mark.slow
def test_test_tool_segmenter_tta_json_out_and_show(tiny_run, tmp_path, monkeypatch):
    seg = tiny_run['state']['segmenter']['outputs']
    out = tmp_path / 'frames.json'
    test_tool = load_tool('tools/test.py')  # in this process: no interpreter start-up
    test_tool.main([seg['config'], seg['checkpoint'], '--tta', '--out', str(out),
                    '--work-dir', str(tmp_path / 'w'), '--metrics-out', str(tmp_path / 'm.json'),
                    '--cfg-options', f"test_dataloader.dataset.data_root={tiny_run['data']}"])
    preds = json.loads(out.read_text())  # JSON, not a pickle
    entries = preds['predictions']
    assert len(entries) == 2 * 22 and preds['frame'] == 'every'
    from futureseg.evaluation import decode_mask_rle
    m = decode_mask_rle(entries[0]['rle'], entries[0]['shape'])
    assert m.shape == (64, 96) and sum(entries[0]['pixels'].values()) == 64 * 96
    assert 'seg/jaccard' in json.loads((tmp_path / 'm.json').read_text())
    # --show on a machine without a display says so and stops
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    with pytest.raises(SystemExit, match='--show-dir'):
        test_tool.main([seg['config'], seg['checkpoint'], '--show'])


@pytest.mark.slow
def test_analysis_tools(tiny_run, tmp_path, capsys):
    browse = load_tool('tools/analysis_tools/browse_dataset.py')
    written = browse.main([tiny_run['data'], '--split', 'train', '--num', '2', '--out', str(tmp_path / 'b')])
    assert len(written) == 4
    assert Image.open(written[1]).n_frames == 22
    load_tool('tools/analysis_tools/print_config.py').main([tiny_run['tb_config']])
    assert 'TensorboardVisBackend' in capsys.readouterr().out
    info = load_tool('tools/analysis_tools/get_flops.py').main(
        [tiny_run['tb_config'], '--shape', '64', '96'])
    from futureseg.apis import init_model
    model = init_model(tiny_run['tb_config'])
    assert info['flops'] > 0 and info['params'] == sum(p.numel() for p in model.parameters())
    cm = load_tool('tools/analysis_tools/confusion_matrix.py').main(
        [tiny_run['tb_config'], _ckpt(tiny_run, 'future_seg'), '--out', str(tmp_path / 'cm'),
         '--data-root', tiny_run['data']])
    assert cm.shape == (49, 49) and cm.sum() > 0.9 * 2 * 64 * 96  # frame 22 of the 2 val videos
    assert osp.isfile(tmp_path / 'cm' / 'confusion_matrix.png')
    assert osp.isfile(tmp_path / 'cm' / 'attribute_confusion.png')
    # whole-object errors of the segmenter: frames 1 and 12 of each val video, every object counted
    seg = tiny_run['state']['segmenter']['outputs']
    table = load_tool('tools/analysis_tools/object_errors.py').main(
        [seg['config'], seg['checkpoint'], '--data-root', tiny_run['data'], '--every', '11',
         '--json', str(tmp_path / 'objects.json')])
    masks = [np.load(p) for p in sorted(glob.glob(osp.join(tiny_run['data'], 'val', '*', 'mask.npy')))]
    objects = sum(len(set(np.unique(m[t]).tolist()) - {0}) for m in masks for t in (0, 11))
    assert table[0]['row'] == 'all objects' and table[0]['objects'] == objects > 0
    saved = json.load(open(tmp_path / 'objects.json'))
    assert np.array(saved['shape_confusion']).sum() == table[0]['found']
    assert 'shape' in capsys.readouterr().out


def test_get_flops_matches_openstl_reference():
    """SimVP (IncepU) at OpenSTL's Moving MNIST settings: 58.0 M parameters, 19.4 GFLOPs."""
    tool = load_tool('tools/analysis_tools/get_flops.py')
    info = tool.main(['configs/simvp/simvp_incepu_pretrain.py', '--shape', '64', '64', '--cfg-options',
                      'model.num_input_frames=10', 'model.encoder.in_channels=1',
                      'model.decoder.out_channels=1'])
    assert info['params'] / 1e6 == pytest.approx(58.0, abs=0.1)
    assert info['flops'] / 1e9 == pytest.approx(19.4, rel=0.03)
