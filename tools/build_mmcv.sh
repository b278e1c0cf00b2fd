#!/usr/bin/env bash
# Builds an mmcv wheel with its compiled ops against the torch of one interpreter.
#   bash tools/build_mmcv.sh PYTHON OUT_DIR
# The one implementation of futureseg's mmcv build: tools/install.sh (online) and
# tools/build_wheelhouse.sh (offline wheel folders) both call it.
#
# mmcv 2.1.0 is on PyPI only as source. Its setup.py imports pkg_resources (setuptools < 70)
# and torch (so no build isolation), and asks for C++14/17 where torch >= 2.14's headers need
# C++20 (older torch headers compile as C++20 too). Needs the network (PyPI) and a compiler.
#
# Build time. The ops are ~80 C++ files that each include torch/extension.h; parsing those
# headers is most of the work, and Python's default -g -O3 doubles it. So the host code is
# compiled without debug info at -O1 (futureseg runs none of mmcv's CPU ops on a hot path;
# CUDA kernels keep nvcc's own flags), and a compiler wrapper (below) precompiles mmcv's
# common header pytorch_cpp_helper.hpp once, with the flags of the build itself, for the
# files that start with it. Measured on a 2-core AMD EPYC (Zen 5): nms.cpp 14.9 s at
# -g -O3, 8.2 s at -g0 -O1, 2.3 s with the precompiled header. MMCV_FAST_BUILD=0 builds with
# Python's default flags and no precompiled header.
#
# Environment: MMCV_VERSION (default 2.1.0), FORCE_CUDA=1 to build the CUDA ops (needs nvcc;
# far longer), MAX_JOBS (default: all cores), MMCV_FAST_BUILD (default 1; above). The wheel is copied into OUT_DIR atomically
# (a killed build leaves nothing there); its path is the last line printed on stdout.
# PYTHON's environment gets setuptools < 70, wheel and ninja for the build, then a current
# setuptools back (torch needs one).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: bash tools/build_mmcv.sh PYTHON OUT_DIR" >&2
  exit 2
fi
PY=$1
OUT=$2
MMCV_VERSION=${MMCV_VERSION:-2.1.0}
FORCE_CUDA=${FORCE_CUDA:-0}
[ -x "$PY" ] || { echo "build_mmcv: $PY is not an executable interpreter" >&2; exit 2; }
"$PY" -c "import torch" 2>/dev/null \
  || { echo "build_mmcv: $PY has no importable torch; install the target torch first" >&2; exit 2; }

PIP=("$PY" -m pip --disable-pip-version-check -q)
pip_install() {  # quiet pip; drops the noise of find-links folders that do not exist here
  "${PIP[@]}" install "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
pip_install "setuptools<70" wheel ninja
"${PIP[@]}" download "mmcv==$MMCV_VERSION" --no-deps --no-binary :all: --no-build-isolation -d "$build" \
  2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
tar xzf "$build/mmcv-$MMCV_VERSION.tar.gz" -C "$build"
sed -i -e 's/std=c++1[47]/std=c++20/g' -e 's#/std:c++1[47]#/std:c++20#g' "$build/mmcv-$MMCV_VERSION/setup.py"
fast_env=()
if [ "${MMCV_FAST_BUILD:-1}" = 1 ]; then
  # CFLAGS come after Python's own (-g -O3) on the compile line, so these win
  cat > "$build/pch-cxx" <<'WRAP'
#!/usr/bin/env bash
# c++ as torch's ninja build calls it; before compiling a .cpp whose first #include is
# pytorch_cpp_helper.hpp, make sure that header is precompiled with this very command's flags
# (once, under a lock: ninja runs compiles in parallel). A .gch GCC cannot use is ignored
# with a -Winvalid-pch warning in the build log: slower, never wrong.
real=${PCH_REAL_CXX:-c++}
src=; hdr=; args=(); skip=0
for a in "$@"; do
  if [ $skip = 1 ]; then skip=0; continue; fi
  case $a in
    -c|-MMD) continue ;;
    -o|-MF) skip=1; continue ;;
    *.cpp) src=$a; continue ;;
  esac
  args+=("$a")
done
if [ -n "$src" ] && [ "$(grep -m1 '^#include' "$src")" = '#include "pytorch_cpp_helper.hpp"' ]; then
  hdr=$PCH_HEADER
  exec 9>"$hdr.lock"
  flock 9
  if [ ! -f "$hdr.gch" ]; then
    "$real" "${args[@]}" -x c++-header "$hdr" -o "$hdr.gch.tmp" && mv "$hdr.gch.tmp" "$hdr.gch"
  fi
  flock -u 9
  exec "$real" "$@" -Winvalid-pch
fi
exec "$real" "$@"
WRAP
  chmod +x "$build/pch-cxx"
  fast_env=(CFLAGS="${CFLAGS:-} -g0 -O1" CXX="$build/pch-cxx" PCH_REAL_CXX="${CXX:-c++}"
            PCH_HEADER="$build/mmcv-$MMCV_VERSION/mmcv/ops/csrc/common/pytorch_cpp_helper.hpp")
fi
t0=$(date +%s)
(cd "$build/mmcv-$MMCV_VERSION" && env "${fast_env[@]}" MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE_CUDA \
  MAX_JOBS=${MAX_JOBS:-$(nproc)} "$PY" -m pip wheel -v --no-build-isolation --no-deps -w "$build/dist" . ) \
  > "$build/build.log" 2>&1 \
  || { tail -40 "$build/build.log" >&2; echo "build_mmcv: mmcv build failed (log above)" >&2; exit 1; }
rejected=$(grep -c 'Winvalid-pch' "$build/build.log" || true)
echo "build_mmcv: compiled in $(( $(date +%s) - t0 )) s$([ "${MMCV_FAST_BUILD:-1}" = 1 ] \
  && echo " (fast build; precompiled header rejected by $rejected files)")" >&2
# torch itself requires a current setuptools; the old one was only for this build
pip_install "setuptools>=77"
mkdir -p "$OUT"
built=$(ls "$build"/dist/mmcv-*.whl)
name=$(basename "$built")
# copy then rename: a killed run never leaves a half wheel in OUT
cp "$built" "$OUT/.$name.partial" && mv "$OUT/.$name.partial" "$OUT/$name"
echo "$OUT/$name"
