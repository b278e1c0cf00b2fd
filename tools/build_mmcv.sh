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
# Environment: MMCV_VERSION (default 2.1.0), FORCE_CUDA=1 to build the CUDA ops (needs nvcc;
# far longer), MAX_JOBS (default: all cores). The wheel is copied into OUT_DIR atomically
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
(cd "$build/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=$FORCE_CUDA MAX_JOBS=${MAX_JOBS:-$(nproc)} \
  "$PY" -m pip wheel --no-build-isolation --no-deps -w "$build/dist" . ) > "$build/build.log" 2>&1 \
  || { tail -40 "$build/build.log" >&2; echo "build_mmcv: mmcv build failed (log above)" >&2; exit 1; }
# torch itself requires a current setuptools; the old one was only for this build
pip_install "setuptools>=77"
mkdir -p "$OUT"
built=$(ls "$build"/dist/mmcv-*.whl)
name=$(basename "$built")
# copy then rename: a killed run never leaves a half wheel in OUT
cp "$built" "$OUT/.$name.partial" && mv "$OUT/.$name.partial" "$OUT/$name"
echo "$OUT/$name"
