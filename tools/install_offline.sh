#!/usr/bin/env bash
# tools/install.sh's offline mode: bash tools/install.sh --wheels DIR [--dry-run]
#   (called as: bash tools/install_offline.sh DIR DRY_RUN)
#
# Installs futureseg on a machine without network from a wheel folder made by
# tools/build_wheelhouse.sh, keeping the interpreter's own torch (a CUDA build, say):
#   1. checks the folder against the interpreter (tools/wheelhouse.py check: the core wheels,
#      the manifest's wheels, Python and torch versions mmcv's ops were built for);
#   2. creates the venv with --system-site-packages (the torch is reused, never reinstalled;
#      when PYTHON is itself a venv, a .pth file adds its site-packages; when FUTURESEG_VENV
#      is PYTHON's own venv, installs into it);
#   3. pip install --no-index --find-links DIR --no-deps: the mmcv wheel, the folder's pinned
#      resolution (DIR/requirements.txt) and futureseg (editable, its build backend also from
#      DIR); then pip check, whose problems with these packages stop the install (opencv-python
#      counts as met by opencv-python-headless). No index is ever contacted (PIP_NO_INDEX=1).
# A requirement the folder lacks is named in the error. --dry-run (DRY_RUN=1) does step 1
# and prints the commands of steps 2-3 without running them.
# Environment: PYTHON (default python3), FUTURESEG_VENV (default ./.venv).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: bash tools/install.sh --wheels DIR [--dry-run]" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$1
DRY_RUN=$2
VENV=${FUTURESEG_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
start=$(date +%s)
log() { printf '[install %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

command -v "$PY" >/dev/null || [ -x "$PY" ] || { echo "install: interpreter $PY not found (set PYTHON)" >&2; exit 2; }
[ -d "$DIR" ] && DIR=$(cd "$DIR" && pwd)
# 1. the folder against this interpreter (names every problem, then stops)
info=$("$PY" "$ROOT/tools/wheelhouse.py" check "$DIR") || exit 1
IFS=$'\t' read -r mmcv torch_v site is_venv pyver pyexe prefix <<< "$info"
# PYTHON's own venv as FUTURESEG_VENV: install into it; another venv: see its packages by a .pth
[ ! -d "$VENV" ] || [ "$(cd "$VENV" && pwd -P)" != "$prefix" ] || is_venv=0
log "wheel folder $DIR fits $pyexe (Python $pyver, torch $torch_v: kept)"

VPY=$VENV/bin/python
PIPI=("$VPY" -m pip install --no-index --find-links "$DIR")
plan=()
[ -x "$VPY" ] || plan+=("$PY -m venv --system-site-packages $VENV")
[ "$is_venv" = 0 ] || plan+=("echo 'import site; site.addsitedir(\"$site\")' > $VENV/lib/python$pyver/site-packages/_futureseg_base_env.pth")
plan+=("${PIPI[*]} --no-deps $mmcv -r $DIR/requirements.txt (less mmcv) -e $ROOT" "$VPY -m pip check (problems of these packages stop the install)")
if [ "$DRY_RUN" = 1 ]; then
  log "dry run: would run"
  printf '  %s\n' "${plan[@]}"
  exit 0
fi

# 2. the venv, seeing the interpreter's torch
stamp_src=$(cat "$ROOT/pyproject.toml" "$ROOT/tools/install_offline.sh" "$DIR/wheelhouse.json" | sha256sum | cut -c1-16)
if [ -f "$VENV/.futureseg-installed" ] && [ "$(cat "$VENV/.futureseg-installed")" = "$stamp_src" ] \
   && "$VPY" -c "import mmcv._ext, mmseg, futureseg" 2>/dev/null; then
  log "up to date ($VENV)"
  exit 0
fi
if [ ! -x "$VPY" ]; then
  log "creating $VENV with --system-site-packages (reusing torch $torch_v)"
  "$PY" -m venv --system-site-packages "$VENV"
fi
if [ "$is_venv" = 1 ]; then  # --system-site-packages reaches the base interpreter, not a venv
  # addsitedir, not a bare path: that venv's own .pth files must run too (setuptools'
  # distutils-precedence.pth, without which Python 3.12 has no distutils for mmengine)
  echo "import site; site.addsitedir('$site')" > "$VENV/lib/python$pyver/site-packages/_futureseg_base_env.pth"
fi
"$VPY" -c 'import torch' 2>/dev/null || { log "$VENV does not see $PY's torch"; exit 1; }

# 3. the folder's resolution (made on the networked machine) as it stands, --no-deps: the node
#    meets some requirements its own way (mmengine asks for opencv-python, GPU images ship
#    opencv-python-headless), which pip's resolver would refuse; what is really unmet is read
#    from pip check afterwards
log "installing mmcv ($(basename "$mmcv")), the folder's pinned resolution and futureseg" \
    "(editable) from $DIR, --no-deps, no index"
pip_log=$(mktemp)
reqs=$(mktemp)
trap 'rm -f "$pip_log" "$reqs"' EXIT
grep -v '^mmcv==' "$DIR/requirements.txt" > "$reqs" || true
if ! "${PIPI[@]}" -q --no-deps "$mmcv" -r "$reqs" -e "$ROOT" > "$pip_log" 2>&1; then
  grep -v 'is ignored: it is neither a file nor a directory' "$pip_log" | tail -15 >&2
  lacks=$("$PY" "$ROOT/tools/wheelhouse.py" missing "$pip_log")
  if [ -n "$lacks" ]; then
    log "the wheel folder $DIR lacks: $lacks (no index was contacted). Rebuild it with" \
        "tools/build_wheelhouse.sh, or copy those wheels into it"
  else
    log "pip install from $DIR failed (above)"
  fi
  exit 1
fi
"$VPY" -m pip check > "$pip_log" 2>&1 || true
unmet=$("$VPY" "$ROOT/tools/wheelhouse.py" unmet "$pip_log" "$reqs" --also mmcv futureseg)
if [ -n "$unmet" ]; then
  printf '  %s\n' "$unmet" >&2
  log "requirements of the installed packages are unmet (above): the folder lacks them and this" \
      "interpreter does not have them; rebuild the folder without --node-has for them (or --full)"
  exit 1
fi
"$VPY" -c "import mmcv._ext, mmseg.models, futureseg" || { log "import check failed"; exit 1; }
echo "$stamp_src" > "$VENV/.futureseg-installed"
versions=$("$VPY" -c 'import torch, mmcv, mmseg, mmengine; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "mmcv", mmcv.__version__, "mmengine", mmengine.__version__, "mmseg", mmseg.__version__)')
log "done (offline): $versions"
