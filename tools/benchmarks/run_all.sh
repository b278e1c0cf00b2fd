#!/usr/bin/env bash
# Every benchmark in turn, one at a time (they would disturb each other's timings), each
# printing its tables; logs and JSON go to work_dirs/benchmarks/.
#   bash tools/benchmarks/run_all.sh            # GPU-sized settings on CUDA
# PYTHON=... picks the interpreter (default: the project's .venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
OUT=work_dirs/benchmarks
mkdir -p "$OUT"
run() {  # name, then the command's arguments
  local name=$1; shift
  echo "== $name: $*"
  local start=$SECONDS
  "$PY" "$@" --json "$OUT/$name.json" 2>"$OUT/$name.err" | tee "$OUT/$name.log"
  echo "== $name took $((SECONDS - start)) s"
}
run inference tools/benchmarks/inference_benchmark.py
run inference_speedups tools/benchmarks/inference_benchmark.py --speedups --sizes 160x240
run loader tools/benchmarks/loader_benchmark.py
run generation tools/benchmarks/generation_benchmark.py
run segmenter_step tools/benchmarks/segmenter_step.py --precisions fp32 amp
