#!/usr/bin/env bash
# Creates .venv and installs futureseg with everything it needs, pinned.
#
# mmcv 2.1.0 has no wheel for torch 2.14, so it is built once from the PyPI source
# (C++20, compiled ops) and the wheel is cached outside the repo, keyed by the mmcv,
# torch, CUDA and Python versions; later runs reuse it. A compatible torch that is
# already present (e.g. a CUDA build the user installed) is kept, never reinstalled.
#
# Environment: PYTHON (interpreter, default python3), FUTURESEG_VENV (default ./.venv),
# FUTURESEG_CACHE (default ~/.cache/futureseg), FORCE_CUDA=1 to build mmcv's CUDA ops
# without a visible GPU.
#
# Offline (a node with its own torch and no network; docs/gpu.md):
#   bash tools/install.sh --wheels DIR [--dry-run]      (or FUTURESEG_WHEELS=DIR)
# installs from a folder made by tools/build_wheelhouse.sh with pip --no-index, keeping the
# node's torch; --dry-run checks the folder and prints the commands without running them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WHEELS=${FUTURESEG_WHEELS:-}
DRY_RUN=0
while [ $# -gt 0 ]; do
  case $1 in
    --wheels) WHEELS=${2:?--wheels needs a folder}; shift 2 ;;
    --wheels=*) WHEELS=${1#--wheels=}; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$WHEELS" ]; then
  exec bash "$ROOT/tools/install_offline.sh" "$WHEELS" "$DRY_RUN"
fi
[ "$DRY_RUN" = 0 ] || { echo "install.sh: --dry-run is for offline installs (--wheels DIR)" >&2; exit 2; }
VENV=${FUTURESEG_VENV:-$ROOT/.venv}
CACHE=${FUTURESEG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/futureseg}
PY=${PYTHON:-python3}
TORCH_PIN=2.14.1
TORCHVISION_PIN=0.29.1
MMCV_PIN=2.1.0
# torch versions mmcv 2.1.0 + mmseg 1.2.2 are known to work with (the built wheel is
# keyed by the exact version, so any of these gets its own mmcv build).
TORCH_MIN=2.1
start=$(date +%s)
log() { printf '[install %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

torch_ok() {  # $1: python. Prints the torch version when torch+torchvision are usable.
  "$1" - "$TORCH_MIN" <<'PY' 2>/dev/null
import sys
import torch, torchvision  # noqa: F401
have = tuple(int(x) for x in torch.__version__.split('+')[0].split('.')[:2])
need = tuple(int(x) for x in sys.argv[1].split('.'))
if have < need:
    raise SystemExit(1)
print(torch.__version__)
PY
}

# --- system packages: MuJoCo renders on the CPU through OSMesa -------------------------
if ! ldconfig -p 2>/dev/null | grep libOSMesa >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing libosmesa6 (CPU OpenGL for the synthetic data renderer)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libosmesa6 >/dev/null
  else
    log "WARNING: libOSMesa not found and cannot apt-get it here; install libosmesa6 (Debian/Ubuntu) to generate data"
  fi
fi

# --- virtual environment ------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  if base_torch=$(torch_ok "$PY"); then
    log "$PY already has torch $base_torch: creating $VENV with --system-site-packages to reuse it"
    "$PY" -m venv --system-site-packages "$VENV"
  else
    log "creating $VENV"
    "$PY" -m venv "$VENV"
  fi
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip --disable-pip-version-check -q)
pip_install() {  # quiet pip; drops the noise of find-links folders that do not exist here
  "${PIP[@]}" install "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}

# --- fast path: nothing changed since the last successful install ------------------------
stamp_src=$(cat "$ROOT/pyproject.toml" "$ROOT/tools/install.sh" "$ROOT/tools/build_mmcv.sh" | sha256sum | cut -c1-16)
if [ -f "$VENV/.futureseg-installed" ] && [ "$(cat "$VENV/.futureseg-installed")" = "$stamp_src" ] \
   && "$VPY" -c "import mmcv._ext, mmseg, futureseg" 2>/dev/null; then
  log "up to date ($VENV)"
  exit 0
fi

# --- torch ----------------------------------------------------------------------------
if have=$(torch_ok "$VPY"); then
  log "torch $have is already installed: keeping it (not reinstalling)"
else
  log "installing torch==$TORCH_PIN torchvision==$TORCHVISION_PIN"
  pip_install "torch==$TORCH_PIN" "torchvision==$TORCHVISION_PIN"
fi
TORCH_TAG=$("$VPY" -c "import torch,sys; print(f'{torch.__version__}-cuda{torch.version.cuda or \"none\"}-py{sys.version_info[0]}{sys.version_info[1]}')")
FORCE_CUDA=${FORCE_CUDA:-0}
if "$VPY" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then FORCE_CUDA=1; fi
TORCH_TAG="$TORCH_TAG-ops$([ "$FORCE_CUDA" = 1 ] && echo cuda || echo cpu)-$(uname -m)"

# --- mmcv with compiled ops -----------------------------------------------------------------
if "$VPY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '$MMCV_PIN')" 2>/dev/null; then
  log "mmcv $MMCV_PIN with ops already installed"
else
  WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_PIN-torch$TORCH_TAG"
  wheel=$(ls "$WHEEL_DIR"/mmcv-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    if [ "$FORCE_CUDA" = 1 ]; then took="CUDA ops: tens of minutes"
    else took="2.5 min measured on a 2-core AMD Zen 5, about 8 min estimated on an older 2-core AVX2 EPYC"; fi
    log "building mmcv $MMCV_PIN with compiled ops for torch $TORCH_TAG (once; $took)"
    wheel=$(MMCV_VERSION=$MMCV_PIN FORCE_CUDA=$FORCE_CUDA bash "$ROOT/tools/build_mmcv.sh" "$VPY" "$WHEEL_DIR" | tail -1)
    log "cached $wheel"
  else
    log "reusing cached $wheel"
  fi
  pip_install "$wheel"
fi

# --- futureseg and the rest ------------------------------------------------------------
log "installing futureseg (editable) and its pinned dependencies"
pip_install -e "$ROOT[dev]"
"$VPY" -c "import mmcv._ext, mmseg.models, futureseg" \
  || { log "import check failed"; exit 1; }
echo "$stamp_src" > "$VENV/.futureseg-installed"
versions=$("$VPY" -c 'import torch, mmcv, mmseg, mmengine; print("torch", torch.__version__, "mmcv", mmcv.__version__, "mmengine", mmengine.__version__, "mmseg", mmseg.__version__)')
log "done: $versions"
