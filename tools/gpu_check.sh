#!/usr/bin/env bash
# futureseg's check of a GPU node in one command (<= 10 minutes on one GPU; docs/gpu.md):
#   bash tools/gpu_check.sh            # CUDA: short train + test of the four models with --amp,
#                                      # DDP, pseudo-labels, inference, benchmark rows; one table
#   bash tools/gpu_check.sh --cpu      # the dry mode (tiny, CPU), as the test suite runs it
# Options go to tools/gpu_check.py (--steps, --work-dir, --budget). PYTHON: the interpreter
# (default: .venv/bin/python, made by tools/install.sh). MuJoCo renders through EGL on CUDA
# (MUJOCO_GL=egl), falling back to OSMesa; set MUJOCO_GL to choose.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=$(command -v python3)
cd "$ROOT"
exec "$PY" tools/gpu_check.py "$@"
