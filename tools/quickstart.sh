#!/usr/bin/env bash
# The README's first command: install, then run futureseg's main job on built-in synthetic data.
# Today that is: generate a small synthetic data set in the course layout, print its
# statistics (incl. the copy-frame-11 Jaccard baseline) and draw sample videos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
DATA=${DATA:-data/quickstart}
PY=.venv/bin/python
$PY tools/generate_dataset.py "$DATA" --train 40 --val 20 --hidden 10 --workers "$(nproc)"
$PY tools/dataset_stats.py "$DATA" --png work_dirs/quickstart_samples.png
