"""The data benchmarks (tools/benchmarks/loader_benchmark.py, generation_benchmark.py) in
their --quick form: they run, measure every requested setting and write sound JSON."""
import json
import os
import os.path as osp

import pytest

from conftest import load_benchmark as load_tool


def check_machine(machine):
    assert machine['cpus'] == os.cpu_count() and machine['torch'] and machine['threads'] >= 1


def test_loader_benchmark_quick(tmp_path):
    bench = load_tool('loader_benchmark')
    data_dir, out = tmp_path / 'data', tmp_path / 'loader.json'
    result = bench.main(['--quick', '--data-dir', str(data_dir), '--json', str(out)])
    report = json.loads(out.read_text())
    assert report['rows'] == result['rows']
    check_machine(report['machine'])

    # The generated data set and its cache live under --data-dir, nowhere else.
    (info, ) = report['datasets']
    assert info['root'] == str(data_dir / '40x60_8') and info['videos'] == 8 and info['generated'] == 8
    assert info['cache_build_s'] is not None
    assert osp.isfile(data_dir / '40x60_8' / '.futureseg_cache' / 'train' / 'frames.npy')

    rows = report['rows']
    assert {(r['source'], r['workers']) for r in rows} == {(s, w) for s in ('png', 'cache') for w in (0, 2)}
    for r in rows:
        assert r['size'] == '40x60' and r['videos'] == 8 and r['epochs'] == 2
        assert r['samples'] == 16 and r['samples_per_s'] > 0 and r['mb_per_s'] > 0
        # 11 RGB frames + 11 masks at 40x60, one byte a value
        assert r['mb_per_s'] == pytest.approx(r['samples_per_s'] * 11 * 40 * 60 * 4 / 1e6, rel=0.02, abs=0.2)

    speedups = {r['setting']: r for r in report['speedups']}
    assert set(speedups) == {'baseline', 'persistent_workers', 'pin_memory',
                             'persistent_workers + pin_memory'}
    assert speedups['baseline']['workers'] == 2 and speedups['baseline']['speedup'] == 1.0
    assert speedups['persistent_workers']['samples_per_s'] > 0
    assert speedups['persistent_workers']['persistent_workers'] is True
    cuda = report['machine']['cuda']
    for name in ('pin_memory', 'persistent_workers + pin_memory'):
        row = speedups[name]
        if cuda:
            assert row['status'] == 'measured' and row['samples_per_s'] > 0
        else:  # reported, never made up
            assert row['status'] == 'skipped' and 'samples_per_s' not in row and 'CUDA' in row['reason']


def test_generation_benchmark_quick(tmp_path):
    bench = load_tool('generation_benchmark')
    out, scratch = tmp_path / 'generation.json', tmp_path / 'scratch'
    scratch.mkdir()
    bench.main(['--quick', '--tmp-dir', str(scratch), '--json', str(out)])
    report = json.loads(out.read_text())
    check_machine(report['machine'])
    assert os.listdir(scratch) == []  # every measurement's folder was removed

    rows = report['rows']
    assert [(r['size'], r['workers'], r['videos']) for r in rows] == [('40x60', 1, 2), ('40x60', 2, 2)]
    for r in rows:
        assert r['seconds'] > 0 and r['videos_per_s'] > 0 and r['startup_s'] > 0 and r['mb_per_video'] > 0
        assert r['videos_per_s'] == pytest.approx(r['videos'] / r['seconds'], rel=0.02, abs=0.005)
        per_worker = r['videos_per_s'] / r['workers']
        assert r['videos_per_s_per_worker'] == pytest.approx(per_worker, rel=0.02, abs=0.005)
        assert r['baseline_workers'] == 1
        assert r['speedup'] == pytest.approx(r['videos_per_s'] / rows[0]['videos_per_s'], rel=0.02, abs=0.005)
        assert r['efficiency'] == pytest.approx(r['speedup'] / r['workers'], abs=0.01)
    assert rows[0]['speedup'] == 1.0


def test_size_argument():
    bench = load_tool('generation_benchmark')
    assert bench.parse_size('160x240') == (160, 240)
    with pytest.raises(Exception):
        bench.parse_size('160-240')
