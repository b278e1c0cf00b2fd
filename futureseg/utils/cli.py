"""Config handling shared by tools/train.py and tools/test.py."""
import copy
import os
import os.path as osp
import sys
from pathlib import Path
from typing import Optional, Tuple, Union

from mmengine.config import Config, DictAction


def add_common_args(parser):
    """The options tools/train.py and tools/test.py share (mmsegmentation's names)."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value (e.g. train_cfg.max_epochs=2)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK itself
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def read_config(config: Union[str, Path, Config], cfg_options: Optional[dict] = None) -> Config:
    """A config from a file (or a copy of a loaded one), with overrides merged in; a missing
    file is an error that names it.

    Args:
        config (str | Path | Config): config file or loaded config.
        cfg_options (dict, optional): overrides (``--cfg-options`` style keys). Default None.
    """
    if isinstance(config, (str, Path)):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        config = Config.fromfile(str(config))
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError(f'config must be a file name or a Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def load_config(path, cfg_options=None, work_dir=None, launcher='none'):
    """Read a config as mmsegmentation's tools do (``read_config``, plus the launcher and
    the work dir). work_dir priority: command line > config > ``work_dirs/<config name>``.
    """
    cfg = read_config(path, cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def set_local_rank_env(local_rank):
    """torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK itself."""
    os.environ.setdefault('LOCAL_RANK', str(local_rank))


CPU_AMP_MODES = ('auto', 'bf16', 'fp32')


def enable_amp(cfg, device=None, cpu_amp: Optional[str] = None) -> bool:
    """Turn the config's ``OptimWrapper`` into mixed precision (``tools/train.py --amp``):
    MMEngine's ``AmpOptimWrapper`` (fp16, dynamic loss scale) on ``device='cuda'``, futureseg's
    ``CPUAmpOptimWrapper`` (bf16 autocast) on 'cpu' where it pays.

    Args:
        cfg (Config): the config, changed in place.
        device (str, optional): 'cuda' or 'cpu'. Default: CUDA when there is a GPU.
        cpu_amp (str, optional): on the CPU, 'auto' (bf16 only when the CPU runs it natively,
            ``machine.cpu_bf16_native``; otherwise fp32, said in one log line), 'bf16' (always)
            or 'fp32' (never). Default: the environment variable ``FUTURESEG_CPU_AMP``, else
            'auto'.

    Returns:
        bool: whether mixed precision is now on.
    """
    import logging

    import torch
    from mmengine.logging import print_log

    kind = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if kind in ('AmpOptimWrapper', 'CPUAmpOptimWrapper'):
        print_log('AMP is already enabled in the config.', logger='current', level=logging.WARNING)
        return True
    if kind != 'OptimWrapper':
        raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {kind}')
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
        return True
    use_bf16, reason = cpu_amp_decision(cpu_amp)
    if not use_bf16:
        print_log(f'--amp without a GPU: training in fp32, {reason}', logger='current')
        return False
    # MMEngine's AmpOptimWrapper needs a GPU
    cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
    print_log(f'--amp without a GPU: bfloat16 autocast on the CPU (CPUAmpOptimWrapper), {reason}',
              logger='current')
    return True


def cpu_amp_decision(cpu_amp: Optional[str] = None) -> Tuple[bool, str]:
    """Whether ``--amp`` trains in bf16 on this CPU, and why (``enable_amp``'s rule; the
    recipe records it beside each training).

    Args:
        cpu_amp (str, optional): 'auto', 'bf16' or 'fp32', as ``enable_amp``'s. Default: the
            environment variable ``FUTURESEG_CPU_AMP``, else 'auto'.

    Returns:
        tuple[bool, str]: bf16 or not, and the reason in words.
    """
    from .machine import cpu_bf16_native
    cpu_amp = cpu_amp or os.environ.get('FUTURESEG_CPU_AMP') or 'auto'
    if cpu_amp not in CPU_AMP_MODES:
        raise ValueError(f'cpu_amp (--cpu-amp / FUTURESEG_CPU_AMP) must be one of '
                         f'{", ".join(CPU_AMP_MODES)}, got {cpu_amp!r}')
    if cpu_amp == 'fp32':
        return False, 'as asked (--cpu-amp fp32)'
    native, why = cpu_bf16_native()
    if cpu_amp == 'bf16':
        return True, why if native else f'forced (--cpu-amp bf16) although {why}'
    if not native:
        return False, f'{why}: bf16 would be emulated, slower than fp32 (--cpu-amp bf16 forces it)'
    return True, why


def finish_distributed() -> None:
    """Tear the process group down and leave, in a distributed run whose work is done.

    MMEngine never calls ``destroy_process_group``; without it gloo's worker threads can
    outlive the interpreter and abort the process at exit ("terminate called without an
    active exception", SIGABRT), failing a run that trained fine. Even after it, CI saw that
    abort once on a rank of a 2-process CPU run (torch 2.14, an exit-time race not reproduced
    in 40 local runs), so the process then skips interpreter finalisation: what Python would
    flush at exit is flushed, and it leaves with status 0 (``os._exit``). MMEngine's LoggerHook
    has closed the visualizer by then; checkpoints and metrics files are written atomically
    before. A run without a process group returns normally.
    """
    import logging

    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    dist.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def init_cpu_distributed(launcher, cfg):
    """Start a gloo process group on machines without CUDA.

    MMEngine's ``init_dist`` always calls ``torch.cuda.set_device``, so a CPU run under
    torchrun (CPU clusters, and our multi-process tests) must create the group first;
    MMEngine then finds it initialised and only wraps the model.
    """
    import torch
    import torch.distributed as dist
    if launcher != 'pytorch' or torch.cuda.is_available() or dist.is_initialized():
        return
    dist.init_process_group(backend='gloo')
    # MMEngine passes device_ids=[LOCAL_RANK], which DDP refuses for CPU modules
    wrapper = dict(type='MMDistributedDataParallel')
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def enable_tta(cfg):
    """``tools/test.py --tta``: the config's ``tta_pipeline`` feeds the test set and its
    ``tta_model`` wraps the model (as mmsegmentation's tools/test.py does)."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
    if missing:
        raise ValueError(f'--tta needs {" and ".join(missing)} in the config; {cfg.filename} has '
                         'none (see configs/_base_/datasets/synthetic_future_seg.py)')
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset and isinstance(dataset.get('dataset'), dict):
        dataset = dataset.dataset  # through RepeatDataset-style wrappers
    dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def display_problem():
    """Why windows cannot be shown here (``--show``), or None where they can: a display
    (DISPLAY / WAYLAND_DISPLAY on Linux) and an interactive matplotlib backend, which
    MMEngine's Visualizer.show draws with."""
    import sys
    if sys.platform.startswith('linux') and not (os.environ.get('DISPLAY')
                                                 or os.environ.get('WAYLAND_DISPLAY')):
        return 'no display (DISPLAY is not set: a headless machine or an ssh session without -X)'
    import matplotlib
    backend = matplotlib.get_backend().lower()
    if backend in ('agg', 'pdf', 'ps', 'svg', 'cairo', 'template') or 'inline' in backend:
        return f'matplotlib has the non-interactive backend {backend!r} (set MPLBACKEND, e.g. TkAgg)'
    return None
