"""What a figure was measured on: the machine's CPU, cores, GPU and software versions."""
import os
import platform


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(**extra) -> dict:
    """Cores, CPU, Python, torch and its threads, the GPU if any, the load when called; plus
    ``extra``. Used by the benchmarks' JSON and the recipe's training records."""
    import torch
    info = dict(cpus=os.cpu_count(), cpus_usable=len(os.sched_getaffinity(0)),
                cpu=platform.processor() or platform.machine(), cpu_model=cpu_model(),
                machine=platform.machine(), platform=platform.platform(),
                python=platform.python_version(), torch=torch.__version__,
                threads=torch.get_num_threads(), cuda=torch.cuda.is_available(),
                loadavg_1m_start=round(os.getloadavg()[0], 2))
    if info['cuda']:
        info['gpu'] = torch.cuda.get_device_name()
        info['gpus'] = torch.cuda.device_count()
    info.update(extra)
    return info


def hardware_summary(info: dict) -> str:
    """One line for tables: '1 x NVIDIA H200' on a GPU, else 'CPU: <model>, <n> cores'."""
    if info.get('gpu'):
        return f"{info.get('gpus', 1)} x {info['gpu']}"
    return f"CPU: {info.get('cpu_model') or info.get('cpu')}, {info.get('cpus_usable') or info.get('cpus')} cores"
