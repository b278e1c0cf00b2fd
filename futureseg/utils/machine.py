"""What a figure was measured on: the machine's CPU, cores, GPU and software versions."""
import os
import platform
from typing import Tuple

# oneDNN ISA caps (ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA) under which bf16 kernels still run
# natively; any other cap (SSE41, AVX, AVX2, AVX512_CORE, ...) makes oneDNN emulate bf16
_BF16_ONEDNN_ISAS = ('ALL', 'AVX512_CORE_BF16', 'AVX512_CORE_FP16', 'AVX512_CORE_AMX',
                     'AVX512_CORE_AMX_FP16', 'AVX10_1_512', 'AVX10_1_512_AMX',
                     'AVX10_1_512_AMX_FP16', 'AVX10_2_512', 'AVX10_2_512_AMX_2')


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


def cpu_bf16_native() -> Tuple[bool, str]:
    """Whether this CPU runs bfloat16 natively, as torch will use it here, and why.

    Native means the CPU has AVX512-BF16 or AMX (asked of torch, which reads CPUID), ATen's
    kernels dispatch at AVX512 or above (``ATEN_CPU_CAPABILITY`` can cap them) and oneDNN is not
    capped below its bf16 ISA (``ONEDNN_MAX_CPU_ISA``). Without all three, bf16 autocast is
    emulated: measured 9x slower than fp32 for the quickstart segmenter on an AVX2-only EPYC.

    Returns:
        tuple[bool, str]: native or not, and a one-line reason naming what decided it.
    """
    import torch
    hw = [name for name, probe in (('AVX512-BF16', 'is_avx512_bf16_supported'),
                                   ('AMX', 'is_amx_tile_supported'))
          if getattr(torch.cpu, '_' + probe, lambda: False)()]
    if not hw:
        return False, 'the CPU has neither AVX512-BF16 nor AMX'
    capability = torch.backends.cpu.get_cpu_capability()
    if not capability.startswith('AVX512'):
        return False, (f'the CPU has {" and ".join(hw)}, but ATen dispatches its kernels at '
                       f'{capability} (ATEN_CPU_CAPABILITY={os.environ.get("ATEN_CPU_CAPABILITY")})')
    for var in ('ONEDNN_MAX_CPU_ISA', 'DNNL_MAX_CPU_ISA'):
        isa = os.environ.get(var, '').upper()
        if isa and isa not in _BF16_ONEDNN_ISAS:
            return False, f'the CPU has {" and ".join(hw)}, but {var}={isa} caps oneDNN below bf16'
    return True, f'the CPU has {" and ".join(hw)} (ATen at {capability})'
