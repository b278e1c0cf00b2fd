"""MMEngine's scalar log of a run (``<work_dir>/<timestamp>/vis_data/scalars.json``): the one
reader of it (tools/analyze_logs.py, the recipe's TrainModel samples/s, the benchmarks)."""
import glob
import json
import os.path as osp
import statistics
from typing import Dict, List, Optional, Tuple


def find_scalars(path: str) -> str:
    """The scalars.json of a work dir's newest run that trained (test runs log no loss),
    else of its newest run; a scalars.json given directly is returned as it is.

    Args:
        path (str): a work dir or a scalars.json file.

    Returns:
        str: the file. FileNotFoundError naming ``path`` when it holds none.
    """
    if osp.isfile(path):
        return path
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    found = [f for f in found if osp.getsize(f) > 0]
    if not found:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {path}')
    trained = []
    for f in found:
        with open(f) as fh:
            if '"loss"' in fh.read():
                trained.append(f)
    return (trained or found)[-1]


def read_scalars(path: str) -> Tuple[List[dict], List[dict]]:
    """(training records, validation records) of a scalars.json (or of a work dir's newest
    run, ``find_scalars``): lists of dicts with ``step``; a training record holds ``loss``
    or ``lr``.

    Args:
        path (str): a scalars.json file or a work dir.
    """
    path = find_scalars(path)
    train, val = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{n}: not a JSON line ({err})') from err
            (train if 'loss' in rec or 'lr' in rec else val).append(rec)
    return train, val


def last_val_metrics(path: str) -> Dict[str, float]:
    """The last validation's metrics (keys with a ``/``, e.g. ``future/jaccard``); empty
    when the run validated nothing.

    Args:
        path (str): a work dir or a scalars.json file.
    """
    _, val = read_scalars(path)
    for rec in reversed(val):
        metrics = {k: v for k, v in rec.items() if '/' in k}
        if metrics:
            return metrics
    return {}


def iteration_times(path: str) -> List[float]:
    """The logged training iteration times (seconds; MMEngine's ``time``), the first one
    left out when there are more (it holds the warm-up: cuDNN autotuning, the first batch).

    Args:
        path (str): a work dir or a scalars.json file.
    """
    train, _ = read_scalars(path)
    times = [rec['time'] for rec in train if 'time' in rec]
    return times[1:] if len(times) > 1 else times


def samples_per_second(path: str, batch: int) -> Optional[float]:
    """Training throughput: ``batch`` / the median iteration time; None without a logged
    iteration. With the logger's interval above 1 each record is a window's mean.

    Args:
        path (str): a work dir or a scalars.json file.
        batch (int): samples per iteration (all processes together under DDP).
    """
    times = iteration_times(path)
    return batch / statistics.median(times) if times else None
