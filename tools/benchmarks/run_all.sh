#!/usr/bin/env bash
# Every benchmark in turn, one at a time (they would disturb each other's timings), each
# printing its tables; logs and JSON go to work_dirs/benchmarks/.
#   bash tools/benchmarks/run_all.sh            # ~1 hour on a 2-core CPU; GPU-sized grids on CUDA
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
run train_throughput tools/benchmarks/train_throughput.py
run train_speedups tools/benchmarks/train_throughput.py --speedups --translators gSTA --batch-sizes 8
run train_resolution tools/benchmarks/train_throughput.py --sizes 80x120 160x240 320x480 \
    --translators gSTA --batch-sizes 4 --precisions fp32
run inference tools/benchmarks/inference_benchmark.py
run inference_speedups tools/benchmarks/inference_benchmark.py --speedups --sizes 160x240
run loader tools/benchmarks/loader_benchmark.py
run generation tools/benchmarks/generation_benchmark.py
run segmenter_step tools/benchmarks/segmenter_step.py --precisions fp32 amp
