#!/usr/bin/env bash
# Prepares, on a networked machine, the wheel folder that installs futureseg on an offline node
# that already has its own torch (tools/install.sh --wheels DIR). See docs/gpu.md.
#
#   bash tools/build_wheelhouse.sh --python 3.12 --torch 2.11.0 --out work_dirs/wheels-cp312-torch2.11
#
# Options:
#   --python V|PATH  target Python: an interpreter path, or a version found as pythonV on PATH
#                    or under ~/.pyenv/versions/V*/ (default 3.12)
#   --torch V        the node's torch version; mmcv's ops are compiled against it (default 2.11.0)
#   --out DIR        the folder to fill (default work_dirs/wheels-cpXY-torchV)
#   --full           also bring what the node is assumed to have already (numpy, scipy,
#                    scikit-learn, opencv-python, tensorboard); torch and its own dependencies
#                    are never brought
#   --node-has FILE  also leave out the distributions named in FILE (whitespace-separated), the
#                    packages the node's image already holds (tools/node_packages/*.txt); the
#                    core wheels (mmcv, mmengine, mmsegmentation, torchmetrics, mujoco,
#                    setuptools) always come
#   --keep-venv      keep the throwaway build venv (DIR.build-venv, several GB with torch)
# Environment: FORCE_CUDA=1 builds mmcv's CUDA ops too (needs nvcc; hours on 2 cores; no
# futureseg model needs them, docs/gpu.md), MAX_JOBS.
#
# Steps: a throwaway venv with the target Python and torch; mmcv built there with its ops
# (tools/build_mmcv.sh, skipped when DIR already has one for this torch); futureseg's
# dependencies resolved by installing futureseg[dev] in that venv, then every resolved
# distribution except torch and what came with it fetched or built as a wheel into DIR
# (pip wheel --no-deps, pinned); the manifest DIR/wheelhouse.json; the folder's size.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYSPEC=3.12
TORCH=2.11.0
OUT=
FULL=0
KEEP_VENV=0
NODE_FILE=
NODE_HAS=(numpy scipy scikit-learn opencv-python tensorboard tensorboard-data-server)
usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --python) PYSPEC=${2:?--python needs a value}; shift 2 ;;
    --torch) TORCH=${2:?--torch needs a value}; shift 2 ;;
    --out) OUT=${2:?--out needs a folder}; shift 2 ;;
    --full) FULL=1; shift ;;
    --node-has) NODE_FILE=${2:?--node-has needs a file}; shift 2 ;;
    --keep-venv) KEEP_VENV=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build_wheelhouse: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$NODE_FILE" ]; then
  [ -f "$NODE_FILE" ] || { echo "build_wheelhouse: --node-has $NODE_FILE: no such file" >&2; exit 2; }
  NODE_HAS+=($(grep -v '^#' "$NODE_FILE"))
fi
start=$(date +%s)
log() { printf '[wheelhouse %4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# --- the target interpreter ----------------------------------------------------------------
if [ -x "$PYSPEC" ]; then
  TPY=$PYSPEC
elif command -v "python$PYSPEC" >/dev/null && "python$PYSPEC" -c pass 2>/dev/null; then
  TPY=$("python$PYSPEC" -c 'import sys; print(sys.executable)')  # through a pyenv shim: the real one
else
  TPY=$(ls -d "$HOME"/.pyenv/versions/"$PYSPEC"*/bin/python 2>/dev/null | sort -V | tail -1 || true)
fi
[ -n "${TPY:-}" ] && [ -x "$TPY" ] \
  || { echo "build_wheelhouse: no Python $PYSPEC found (PATH, ~/.pyenv/versions); pass --python PATH" >&2; exit 2; }
PYVER=$("$TPY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
OUT=${OUT:-$ROOT/work_dirs/wheels-cp${PYVER/./}-torch$TORCH}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BVENV=${OUT%/}.build-venv
log "target Python $PYVER ($TPY), torch $TORCH, folder $OUT"

# --- a throwaway venv with the target torch -----------------------------------------------
[ -x "$BVENV/bin/python" ] || "$TPY" -m venv "$BVENV"
BPY=$BVENV/bin/python
PIP=("$BPY" -m pip --disable-pip-version-check -q)
quiet() { "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; return "${PIPESTATUS[0]}"; }
have=$("$BPY" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)
if [ "${have%%+*}" != "$TORCH" ]; then
  log "installing torch==$TORCH in $BVENV (only to compile mmcv against; it is not put in the folder)"
  quiet "${PIP[@]}" install "torch==$TORCH"
fi
# what came with torch (pip list without -q: -q silences its output)
"$BPY" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null | cut -d= -f1 > "$BVENV/with-torch.txt"
[ -s "$BVENV/with-torch.txt" ] || { echo "build_wheelhouse: could not list $BVENV's packages" >&2; exit 1; }
TORCH_FULL=$("$BPY" -c 'import torch; print(torch.__version__)')

# --- mmcv with compiled ops, against that torch --------------------------------------------
# shared with tools/install.sh: its wheel cache, keyed the same way (mmcv, torch, CUDA, Python,
# ops, architecture); a wheel either script built for this torch is reused, never rebuilt
OPS=$([ "${FORCE_CUDA:-0}" = 1 ] && echo cuda || echo cpu)
CACHE=${FUTURESEG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/futureseg}
TORCH_TAG=$("$BPY" -c "import torch,sys; print(f'{torch.__version__}-cuda{torch.version.cuda or \"none\"}-py{sys.version_info[0]}{sys.version_info[1]}')")
CACHED=$CACHE/wheels/mmcv-2.1.0-torch$TORCH_TAG-ops$OPS-$(uname -m)
stamp="torch $TORCH_FULL ops $OPS"
mmcv=$(ls "$OUT"/mmcv-*.whl 2>/dev/null | head -1 || true)
cached=$(ls "$CACHED"/mmcv-*.whl 2>/dev/null | head -1 || true)
if [ -n "$mmcv" ] && [ "$(cat "$OUT/.mmcv-built-for" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $mmcv (built for $stamp)"
elif [ -n "$cached" ]; then
  rm -f "$OUT"/mmcv-*.whl
  cp "$cached" "$OUT/.partial" && mv "$OUT/.partial" "$OUT/$(basename "$cached")"
  mmcv=$OUT/$(basename "$cached")
  echo "$stamp" > "$OUT/.mmcv-built-for"
  log "reusing the cached $cached"
else
  rm -f "$OUT"/mmcv-*.whl
  log "building mmcv 2.1.0 with $OPS ops against torch $TORCH_FULL (~15-20 min on 2 cores)"
  t0=$(date +%s)
  mmcv=$(bash "$ROOT/tools/build_mmcv.sh" "$BPY" "$OUT" | tail -1)
  echo "$stamp" > "$OUT/.mmcv-built-for"
  mkdir -p "$CACHED" && cp "$mmcv" "$CACHED/.partial" && mv "$CACHED/.partial" "$CACHED/$(basename "$mmcv")"
  log "built $(basename "$mmcv") in $(( $(date +%s) - t0 )) s (also cached in $CACHED)"
fi

# --- futureseg's dependencies, resolved in the build venv, as pinned wheels ----------------
log "resolving futureseg[dev]'s dependencies"
src=$(mktemp -d)  # a copy of the package: pip builds in the source tree (build/, egg-info)
trap 'rm -rf "$src"' EXIT
cp -r "$ROOT/pyproject.toml" "$ROOT/README.md" "$ROOT/futureseg" "$src/"
quiet "${PIP[@]}" install "$mmcv" "$src[dev]"
skip=$(cat "$BVENV/with-torch.txt"; echo futureseg ninja; [ "$FULL" = 1 ] || printf '%s\n' "${NODE_HAS[@]}")
REQS=$BVENV/requirements.txt
"$BPY" - "$REQS" "$skip" <<'PY'
import json, re, subprocess, sys
norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
core = {'mmengine', 'mmsegmentation', 'torchmetrics', 'mujoco', 'setuptools'}  # always brought
skip = ({norm(n) for n in sys.argv[2].split()} - core) | {'mmcv', 'torch', 'torchvision', 'triton'}
torch_like = re.compile(r'^(nvidia-|cuda-)')  # torch's CUDA libraries: the node has its own
dists = json.loads(subprocess.check_output([sys.executable, '-m', 'pip', 'list', '--format=json',
                                            '--disable-pip-version-check']))
pins = sorted(f"{d['name']}=={d['version']}" for d in dists
              if norm(d['name']) not in skip and not torch_like.match(norm(d['name'])))
# the editable install's build backend (offline: from this folder)
pins += [p for p in ('setuptools', 'wheel') if not any(norm(x.split('==')[0]) == p for x in pins)]
open(sys.argv[1], 'w').write('\n'.join(pins) + '\n')
PY
# the folder holds exactly this resolution: wheels of an earlier run go (mmcv's stays)
find "$OUT" -maxdepth 1 -name '*.whl' ! -name 'mmcv-*' -delete
log "fetching $(wc -l < "$REQS") wheels (pip wheel --no-deps)"
quiet "${PIP[@]}" wheel --no-deps -r "$REQS" -w "$OUT"
(echo "mmcv==2.1.0"; cat "$REQS") > "$OUT/requirements.txt"
"$BPY" "$ROOT/tools/wheelhouse.py" write "$OUT" --mmcv-ops "$OPS" --requirements "$OUT/requirements.txt" >/dev/null
[ "$KEEP_VENV" = 1 ] || rm -rf "$BVENV"
size=$(du -sh "$OUT" | cut -f1)
log "done: $OUT, $(ls "$OUT"/*.whl | wc -l) wheels, $size (for Python $PYVER, torch $TORCH_FULL, mmcv ops: $OPS)"
log "on the node: bash tools/install.sh --wheels $(basename "$OUT")   (after copying the folder there)"
