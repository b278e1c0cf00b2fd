"""Run a Python module or script as ``python -m MODULE ARGS`` / ``python SCRIPT ARGS`` would,
then write its peak memory to JSON.

    python -m futureseg.cli.run_measured OUT.json -m futureseg.cli.train ARGS ...
    python -m futureseg.cli.run_measured OUT.json tools/benchmarks/inference_benchmark.py ARGS ...

What the recipe runner's launcher (``RecipeContext.launch``) wraps every tool in; under
torchrun each process writes ``OUT.rank<LOCAL_RANK>.json``. The JSON holds ``exit_code``,
``wall_s``, ``max_rss_mib`` (this process; its children's in ``children_max_rss_mib``) and,
when the tool used CUDA, ``cuda_peak_allocated_mib`` / ``cuda_peak_reserved_mib``
(torch.cuda.max_memory_*). Written atomically at exit, whether the tool succeeded or
raised; the exit status is the tool's.
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


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)  # sys.exit('message'), as the interpreter prints it
    return 1


def write_record(path: str, record: Dict[str, Any]) -> None:
    """The record with the peak memory now, atomically."""
    record = dict(record, wall_s=time.time() - record['wall_s'], **peak_memory())
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path + '.partial', 'w') as f:
        json.dump(record, f, indent=1)
    os.replace(path + '.partial', path)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or (argv[1] == '-m' and len(argv) < 3):
        raise SystemExit(__doc__)
    path = out_path(argv[0])  # before the tool runs: tools/train.py sets LOCAL_RANK itself
    module = argv[2] if argv[1] == '-m' else None
    target, args = (module, argv[3:]) if module else (argv[1], argv[2:])
    if module is None:
        if not osp.isfile(target):
            raise SystemExit(f'run_measured: script not found: {target}')
        sys.path.insert(0, osp.dirname(osp.abspath(target)))  # as `python SCRIPT` does
    sys.argv = [target, *args]
    record = dict(module=module, script=None if module else target, args=args,
                  wall_s=time.time())
    real_exit = os._exit

    def measured_exit(code):  # a tool that leaves through os._exit (DDP's teardown) is measured too
        write_record(path, dict(record, exit_code=code))
        real_exit(code)
    os._exit = measured_exit
    code = 0
    try:
        if module:
            runpy.run_module(module, run_name='__main__', alter_sys=True)
        else:
            runpy.run_path(target, run_name='__main__')
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # noqa: BLE001 - reported as the tool's failure
        traceback.print_exc()
        code = 1
    finally:
        write_record(path, dict(record, exit_code=code))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except ValueError:  # the tool closed it
            pass
    real_exit(code)  # as the tool would; skips interpreter-exit teardown (gloo, renderers)


if __name__ == '__main__':
    main()
