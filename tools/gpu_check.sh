#!/usr/bin/env bash
# futureseg's check of a GPU node in one command (<= 10 minutes on one GPU; docs/gpu.md):
#   bash tools/gpu_check.sh            # CUDA: short train + test of the four models with AMP,
#                                      # DDP, pseudo-labels, inference, benchmark rows; one table
#   bash tools/gpu_check.sh --cpu      # the dry mode (tiny, CPU, CUDA hidden)
#   bash tools/gpu_check.sh --cpu --steps data segmenter_train segmenter_test
# It runs the recipe configs/recipes/gpu_check.py (--cpu: gpu_check_cpu.py) with
# tools/run_recipe.py. Options: --work-dir D (default work_dirs/gpu_check[_cpu]; the data in
# D/data), --budget S (seconds for the whole check: 570, dry mode 1800), --steps STAGE...
# (only these stages; nothing they need is run for them). A rerun in the same work dir
# reruns only the stages that failed or changed. Exit status 1 when a stage failed or timed
# out. PYTHON: the interpreter (default: .venv/bin/python, made by tools/install.sh). MuJoCo
# renders through EGL, falling back to OSMesa (the dry mode: OSMesa); set MUJOCO_GL to choose.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=$(command -v python3)
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"  # this checkout's futureseg
RECIPE=configs/recipes/gpu_check.py
ARGS=()
OPTIONS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) RECIPE=configs/recipes/gpu_check_cpu.py ;;
        --budget) OPTIONS+=("budget=${2:?--budget needs seconds}"); shift ;;
        --work-dir)
            WORK=${2:?--work-dir needs a folder}
            ARGS+=(--work-dir "$WORK" --data-root "$WORK/data")
            shift ;;
        --steps)
            shift
            STEPS=()
            while [ $# -gt 0 ] && [[ $1 != --* ]]; do STEPS+=("$1"); shift; done
            [ ${#STEPS[@]} -gt 0 ] || { echo "gpu_check: --steps needs stage names" >&2; exit 2; }
            ARGS+=(--only "${STEPS[@]}")
            continue ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *)
            echo "gpu_check: unknown argument $1" \
                 "(--cpu, --work-dir D, --budget S, --steps STAGE...)" >&2
            exit 2 ;;
    esac
    shift
done
if [ -n "${MUJOCO_GL:-}" ]; then
    OPTIONS+=("stage_overrides.data.mujoco_gl=[$MUJOCO_GL]")
fi
if [ "$RECIPE" = configs/recipes/gpu_check.py ] && \
        ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu_check: no CUDA device visible (torch.cuda.is_available() is False);" \
         "run with --cpu for the dry mode" >&2
    exit 1
fi
[ ${#OPTIONS[@]} -gt 0 ] && ARGS+=(--cfg-options "${OPTIONS[@]}")
exec "$PY" tools/run_recipe.py "$RECIPE" "${ARGS[@]}"
