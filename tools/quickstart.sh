#!/usr/bin/env bash
# The README's first command: install, then run futureseg's quickstart recipe on a small
# synthetic data set on the CPU (configs/recipes/quickstart_cpu.py): generate videos, train the
# frame segmenter, its masks (and pseudo-labels), the baselines, the motion prior's
# extrapolation and the learned object dynamics with NOS and their gap breakdowns; then draw
# predictions and training curves and print the table of results. A rerun skips finished
# stages (and resumes a killed training). On a CPU without native bf16 everything trains in
# fp32 (tools/train.py --amp decides; FUTURESEG_CPU_AMP=bf16 or fp32 forces either).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
PY=.venv/bin/python
RECIPE=${RECIPE:-configs/recipes/quickstart_cpu.py}
WORK=${WORK:-work_dirs/quickstart}
start=$(date +%s)
$PY tools/run_recipe.py "$RECIPE" --work-dir "$WORK"
# pictures: predictions of frame 22 before / after NOS, and the training curves
$PY tools/visualize.py "$WORK/dynamics_nos/test_config.py" \
    "$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['dynamics']['outputs']['checkpoint'])" "$WORK/recipe_state.json")" \
    --num 6 --out "$WORK/pictures"
$PY tools/analyze_logs.py "$WORK/segmenter" "$WORK/dynamics" --out "$WORK/curves.png"
echo
cat "$WORK/results.md"
echo
echo "pictures: $WORK/pictures/grid.png, curves: $WORK/curves.png; recipe time $(( $(date +%s) - start )) s"
