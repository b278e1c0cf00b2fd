"""The data benchmarks (tools/benchmarks/loader_benchmark.py, generation_benchmark.py) in
their --quick form: they run, measure every requested setting and write sound JSON."""
import argparse
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
    # a packed sample is uint8: 11 RGB frames (3 bytes a pixel) + 11 masks (1 byte) at 40x60
    assert info['bytes_per_sample'] == 11 * 40 * 60 * (3 + 1)
    assert info['cache_build_s'] is not None
    assert osp.isfile(data_dir / '40x60_8' / '.futureseg_cache' / 'train' / 'frames.npy')

    rows = report['rows']
    assert {(r['source'], r['workers']) for r in rows} == {(s, w) for s in ('png', 'cache') for w in (0, 2)}
    for r in rows:
        assert r['size'] == '40x60' and r['videos'] == 8 and r['epochs'] == 2
        assert r['samples'] == 16 and r['samples_per_s'] > 0 and r['mb_per_s'] > 0

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
    for r in rows:  # the derived fields' arithmetic: test_generation_rates_from_given_timings
        assert r['seconds'] > 0 and r['videos_per_s'] > 0 and r['startup_s'] > 0 and r['mb_per_video'] > 0
        assert r['baseline_workers'] == 1 and r['speedup'] > 0 and r['efficiency'] > 0
    assert rows[0]['speedup'] == 1.0


def test_generation_rates_from_given_timings(monkeypatch):
    """measure / add_scaling on timings the test gives (no generation): 4 videos, 3 MB written,
    8 s with 1 worker and 5 s with 2, a pool start-up of 1 s."""
    bench = load_tool('generation_benchmark')
    seconds = {1: 8.0, 2: 5.0}
    monkeypatch.setattr(bench, 'time_generation',
                        lambda size, workers, videos, tmp_dir=None, metal='reflection':
                        (seconds[workers], 3_000_000))
    one, two = rows = [bench.measure((40, 60), n, 4, startup=1.0) for n in (1, 2)]
    assert (one['size'], one['seconds'], one['videos_per_s'], one['videos_per_s_per_worker'],
            one['videos_per_s_steady'], one['mb_per_video']) == ('40x60', 8.0, 0.5, 0.5, 0.571, 0.75)
    assert (two['videos_per_s'], two['videos_per_s_per_worker'], two['videos_per_s_steady']) == \
        (0.8, 0.4, 1.0)
    # another size is compared with its own 1-worker row, not with the first size's
    other = dict(one, size='80x120', videos_per_s=0.2)
    other_two = dict(two, size='80x120', videos_per_s=0.3)
    bench.add_scaling(rows + [other, other_two])
    assert [(r['baseline_workers'], r['speedup'], r['efficiency']) for r in rows] == \
        [(1, 1.0, 1.0), (1, 1.6, 0.8)]
    assert (other_two['speedup'], other_two['efficiency']) == (1.5, 0.75)
    # a start-up of half the run or more leaves no steady estimate
    assert bench.measure((40, 60), 1, 4, startup=4.0)['videos_per_s_steady'] is None


def test_loader_rate_fields():
    bench = load_tool('loader_benchmark')
    assert bench.rate_fields(16, 2.0, 1_000_000) == dict(samples=16, seconds=2.0, samples_per_s=8.0,
                                                         mb_per_s=8.0)


def test_size_argument():
    bench = load_tool('generation_benchmark')
    assert bench.parse_size('160x240') == (160, 240)
    with pytest.raises(argparse.ArgumentTypeError, match=r"a size must look like HxW .*got '160-240'"):
        bench.parse_size('160-240')
    with pytest.raises(argparse.ArgumentTypeError, match="size '4x240' is too small"):
        bench.parse_size('4x240')
