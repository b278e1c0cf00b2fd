#!/usr/bin/env bash
# The README's first command: install, then run futureseg's whole recipe on a small synthetic
# data set on the CPU (configs/recipes/quickstart_cpu.py): generate videos, train the frame
# segmenter, its masks, the baselines, SimVP pre-training, predict-then-segment, the mask-space
# future-segmentation model and NOS; then draw predictions and training curves and print the
# table of results. A rerun skips finished stages (and resumes a killed training).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
PY=.venv/bin/python
RECIPE=${RECIPE:-configs/recipes/quickstart_cpu.py}
WORK=${WORK:-work_dirs/quickstart}
start=$(date +%s)
$PY tools/run_recipe.py "$RECIPE" --work-dir "$WORK"
# pictures: predictions of frame 22 before / after NOS, and the training curves
$PY tools/visualize.py "$WORK/future_seg_nos/test_config.py" \
    "$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['future_seg']['outputs']['checkpoint'])" "$WORK/recipe_state.json")" \
    --num 6 --out "$WORK/pictures"
$PY tools/analyze_logs.py "$WORK/segmenter" "$WORK/pretrain" "$WORK/future_seg" "$WORK/rgb_seg" --out "$WORK/curves.png"
echo
cat "$WORK/results.md"
echo
echo "pictures: $WORK/pictures/grid.png, curves: $WORK/curves.png; recipe time $(( $(date +%s) - start )) s"
