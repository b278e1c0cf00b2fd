"""The offline wheel folder's manifest: written by tools/build_wheelhouse.sh, checked by
tools/install.sh --wheels before anything is installed.

Standard library only: it runs with the offline node's bare interpreter.

    python tools/wheelhouse.py write DIR --mmcv-ops cpu --requirements REQ.txt
    python tools/wheelhouse.py check DIR          # exit 1 with the reasons, else the mmcv wheel,
                                                  # torch, site-packages, is-venv, X.Y, sys.executable, prefix
    python tools/wheelhouse.py missing PIP_LOG    # the requirements pip could not find
    python tools/wheelhouse.py unmet CHECK_LOG REQ.txt   # pip check's problems of our packages
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
import time
from typing import Dict, List, Optional

MANIFEST = 'wheelhouse.json'
FORMAT = 1
# what an offline install cannot do without: (distribution, why)
CORE = [('mmcv', 'mmcv 2.1.0 with compiled ops, built by tools/build_mmcv.sh'),
        ('mmengine', 'MMEngine'), ('mmsegmentation', 'mmsegmentation'),
        ('torchmetrics', 'the metric'), ('mujoco', 'the data generator'),
        ('setuptools', "the build backend of futureseg's editable install")]
PYTHON_RANGE = ((3, 10), (3, 12))
TORCH_MIN = (2, 1)


def _norm(name: str) -> str:
    """PEP 503 name normalisation (wheel file names use underscores)."""
    return re.sub(r'[-_.]+', '-', name).lower()


def wheel_dist(filename: str) -> str:
    """The normalised distribution name of a wheel file name."""
    return _norm(filename.split('-')[0])


def base_version(version: str) -> str:
    """'2.11.0+cu130' -> '2.11.0'."""
    return version.split('+')[0]


def _torch_info() -> Optional[Dict[str, str]]:
    try:
        import torch
    except Exception:  # noqa: BLE001 - a broken torch is as good as none here
        return None
    return dict(version=torch.__version__, cuda=str(torch.version.cuda or 'none'))


def write_manifest(folder: str, mmcv_ops: str, requirements: List[str]) -> str:
    """Writes DIR/wheelhouse.json (atomically) for the running interpreter and its torch.

    Args:
        folder (str): The wheel folder.
        mmcv_ops (str): 'cpu' or 'cuda': which of mmcv's ops the wheel holds.
        requirements (list[str]): The pinned distributions the folder is meant to hold.

    Returns:
        str: The manifest's path.
    """
    torch = _torch_info()
    if torch is None:
        raise SystemExit(f'wheelhouse: {sys.executable} has no torch; the manifest records the torch '
                         'that mmcv was built against')
    wheels = sorted(f for f in os.listdir(folder) if f.endswith('.whl'))
    size = sum(osp.getsize(osp.join(folder, f)) for f in wheels)
    manifest = dict(
        format=FORMAT, created=time.strftime('%Y-%m-%d %H:%M:%S %Z'),
        python=f'{sys.version_info[0]}.{sys.version_info[1]}',
        python_tag=f'cp{sys.version_info[0]}{sys.version_info[1]}',
        platform=os.uname().machine, torch=torch['version'], torch_cuda=torch['cuda'],
        mmcv_ops=mmcv_ops, requirements=requirements, wheels=wheels, size_bytes=size)
    path = osp.join(folder, MANIFEST)
    with open(path + '.partial', 'w') as f:
        json.dump(manifest, f, indent=1)
    os.replace(path + '.partial', path)
    return path


def check_folder(folder: str) -> List[str]:
    """Every reason the folder cannot serve an offline install with the running interpreter.

    Args:
        folder (str): The wheel folder.

    Returns:
        list[str]: The problems found (empty: usable).
    """
    if not osp.isdir(folder):
        return [f'the wheel folder {folder} does not exist (make it with tools/build_wheelhouse.sh '
                'on a networked machine and copy it here)']
    problems = []
    wheels = [f for f in os.listdir(folder) if f.endswith('.whl')]
    dists = {wheel_dist(f) for f in wheels}
    absent = [f'{name} ({why})' for name, why in CORE if name not in dists]
    if absent:
        problems.append(f'{folder} holds no wheel of: ' + ', '.join(absent))
    path = osp.join(folder, MANIFEST)
    if not osp.isfile(path):
        problems.append(f'{path} is missing: the folder was not made by tools/build_wheelhouse.sh')
        return problems
    try:
        with open(path) as f:
            manifest = json.load(f)
        listed = manifest['wheels']
        want_py, want_torch = manifest['python'], manifest['torch']
    except (OSError, ValueError, KeyError, TypeError) as err:
        return problems + [f'{path} is unreadable or incomplete ({err!r})']
    lost = [w for w in listed if w not in wheels]
    if lost:
        problems.append(f'{folder} lacks {len(lost)} wheel(s) its {MANIFEST} lists: ' + ', '.join(lost))
    have_py = sys.version_info[:2]
    if not PYTHON_RANGE[0] <= have_py <= PYTHON_RANGE[1]:
        problems.append(f'{sys.executable} is Python {have_py[0]}.{have_py[1]}; futureseg offline '
                        'installs support 3.10-3.12')
    if f'{have_py[0]}.{have_py[1]}' != want_py:
        problems.append(f'{path} was made for Python {want_py}, {sys.executable} is '
                        f'{have_py[0]}.{have_py[1]}: rebuild it with --python {have_py[0]}.{have_py[1]}')
    if manifest.get('platform', os.uname().machine) != os.uname().machine:
        problems.append(f"{path} was made for {manifest['platform']}, this machine is {os.uname().machine}")
    torch = _torch_info()
    if torch is None:
        problems.append(f'{sys.executable} has no importable torch: the offline install keeps the '
                        "node's own torch and brings none")
    else:
        have = base_version(torch['version'])
        major_minor = tuple(int(x) for x in have.split('.')[:2])
        if major_minor < TORCH_MIN:
            problems.append(f'torch {have} is older than {TORCH_MIN[0]}.{TORCH_MIN[1]}')
        if have != base_version(want_torch):
            problems.append(f"mmcv's ops in {folder} were built against torch {want_torch}, "
                            f'{sys.executable} has torch {torch["version"]}: rebuild the folder '
                            f'with --torch {have}')
    return problems


def mmcv_wheel(folder: str) -> str:
    """The path of the folder's mmcv wheel."""
    names = sorted(f for f in os.listdir(folder) if f.endswith('.whl') and wheel_dist(f) == 'mmcv')
    return osp.join(folder, names[0])


def missing_requirements(pip_log: str) -> List[str]:
    """The requirements pip reported it could not find (``No matching distribution``)."""
    with open(pip_log, errors='replace') as f:
        text = f.read()
    found = re.findall(r'No matching distribution found for (\S+)', text)
    found += re.findall(r'Could not find a version that satisfies the requirement (\S+)', text)
    return sorted(set(found))


# distributions that provide the same import (cv2): mmengine's wheel asks for opencv-python,
# GPU images ship the headless build
EQUIVALENT = {'opencv-python': ('opencv-python-headless', 'opencv-contrib-python',
                                'opencv-contrib-python-headless')}


def unmet_requirements(check_log: str, ours: List[str], installed: List[str]) -> List[str]:
    """The problems ``pip check`` reports for the packages this install brought.

    The folder's resolution is installed with ``--no-deps`` (a requirement the node meets
    another way, e.g. opencv-python by opencv-python-headless, would otherwise stop pip), so
    what is really missing is read from ``pip check`` afterwards.

    Args:
        check_log (str): The output of ``pip check``.
        ours (list[str]): Names of the distributions this install brought (problems of the
            node's own packages are not ours to report).
        installed (list[str]): Names of every distribution the environment holds.

    Returns:
        list[str]: pip check's lines that stay problems, e.g.
        ``mmengine 0.10.7 requires termcolor, which is not installed.``
    """
    ours_n = {_norm(n) for n in ours}
    have = {_norm(n) for n in installed}
    with open(check_log, errors='replace') as f:
        lines = [line.strip() for line in f if line.strip()]
    problems = []
    for line in lines:
        m = re.match(r'(\S+) \S+ (?:requires|has requirement) ([A-Za-z0-9_.\-]+)', line)
        if not m or _norm(m.group(1)) not in ours_n:
            continue
        if any(_norm(alt) in have for alt in EQUIVALENT.get(_norm(m.group(2)), ())):
            continue
        problems.append(line)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)
    w = sub.add_parser('write', help='write DIR/wheelhouse.json for this interpreter')
    w.add_argument('folder')
    w.add_argument('--mmcv-ops', choices=['cpu', 'cuda'], required=True)
    w.add_argument('--requirements', required=True, help='file of pinned requirements, one a line')
    c = sub.add_parser('check', help='exit 1 with the reasons DIR cannot serve this interpreter')
    c.add_argument('folder')
    m = sub.add_parser('missing', help="the requirements a pip log says it could not find")
    m.add_argument('pip_log')
    u = sub.add_parser('unmet', help="pip check's problems of the packages an install brought")
    u.add_argument('check_log')
    u.add_argument('requirements', help='the pinned requirements the install brought')
    u.add_argument('--also', nargs='*', default=[], help='more names the install brought')
    args = parser.parse_args()
    if args.cmd == 'write':
        with open(args.requirements) as f:
            reqs = [line.strip() for line in f if line.strip() and not line.startswith('#')]
        print(write_manifest(args.folder, args.mmcv_ops, reqs))
    elif args.cmd == 'check':
        problems = check_folder(args.folder)
        if problems:
            for p in problems:
                print(f'install: {p}', file=sys.stderr)
            raise SystemExit(1)
        # what tools/install_offline.sh needs of this interpreter, one launch: tab-separated
        import sysconfig
        print('\t'.join([mmcv_wheel(args.folder), _torch_info()['version'],
                         sysconfig.get_paths()['purelib'], str(int(sys.prefix != sys.base_prefix)),
                         f'{sys.version_info[0]}.{sys.version_info[1]}', sys.executable,
                         osp.realpath(sys.prefix)]))
    elif args.cmd == 'unmet':
        from importlib import metadata
        with open(args.requirements) as f:
            ours = [re.split(r'[=<>!~ ;]', line.strip())[0] for line in f
                    if line.strip() and not line.startswith('#')]
        installed = [d.metadata['Name'] for d in metadata.distributions() if d.metadata['Name']]
        for line in unmet_requirements(args.check_log, ours + args.also, installed):
            print(line)
    else:
        print(' '.join(missing_requirements(args.pip_log)))


if __name__ == '__main__':
    main()
