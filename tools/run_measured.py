"""Run a Python script as ``python SCRIPT ARGS`` would, then write its peak memory to JSON.

    python tools/run_measured.py OUT.json SCRIPT [ARGS ...]

What tools/gpu_check.py wraps each step's command in (also under torchrun: each process writes
``OUT.rank<LOCAL_RANK>.json``). The JSON holds ``exit_code``, ``wall_s``, ``max_rss_mib``
(this process; its children's in ``children_max_rss_mib``) and, when the script used CUDA,
``cuda_peak_allocated_mib`` / ``cuda_peak_reserved_mib`` (torch.cuda.max_memory_*). Written
atomically at exit, whether the script succeeded or raised; the exit status is the script's.
"""
import json
import os
import os.path as osp
import resource
import runpy
import sys
import time
import traceback
from typing import Any, Dict


def peak_memory() -> Dict[str, Any]:
    """This process's peak memory so far: RSS (MiB) and, if CUDA was used, the GPU's."""
    info: Dict[str, Any] = dict(
        max_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        children_max_rss_mib=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    torch = sys.modules.get('torch')
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        info['cuda_peak_allocated_mib'] = torch.cuda.max_memory_allocated() / 2**20
        info['cuda_peak_reserved_mib'] = torch.cuda.max_memory_reserved() / 2**20
        info['cuda_device'] = torch.cuda.get_device_name()
    return info


def out_path(path: str) -> str:
    """``path``, or ``path``'s ``.rank<N>.json`` twin under torchrun (LOCAL_RANK set)."""
    rank = os.environ.get('LOCAL_RANK')
    return path if rank is None else f'{osp.splitext(path)[0]}.rank{rank}.json'


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not osp.isfile(script):
        raise SystemExit(f'run_measured: script not found: {script}')
    sys.argv = [script, *args]
    sys.path.insert(0, osp.dirname(osp.abspath(script)))
    start, code = time.time(), 0
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int) and exc.code is not None:
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - reported as the step's failure
        traceback.print_exc()
        code = 1
    finally:
        record = dict(script=script, args=args, exit_code=code, wall_s=time.time() - start,
                      **peak_memory())
        path = out_path(out)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path + '.partial', 'w') as f:
            json.dump(record, f, indent=1)
        os.replace(path + '.partial', path)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as the script would; skips interpreter-exit teardown (gloo, renderers)


if __name__ == '__main__':
    main()
