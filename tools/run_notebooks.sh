#!/usr/bin/env bash
# Execute chapters in full mode and keep the jupytext pairs in sync:
#   bash tools/run_notebooks.sh        # every chapter
#   bash tools/run_notebooks.sh 04     # chapters whose name starts with 04
# The .py file is the source; the .ipynb gets the outputs readers see before running anything.
set -euo pipefail
cd "$(dirname "$0")/../notebooks"
unset GENLIB_QUICK
# Threads that wait sleep instead of spinning: on a machine shared with other work, spinning OpenMP threads
# measured 9x slower per batch here (11.7 s against 1.3 s); on an idle machine it costs nothing measurable.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
for py in ${1:-}*.py; do
  [ -f "$py" ] || continue
  nb="${py%.py}.ipynb"
  echo "== $nb"
  jupytext --to ipynb --update "$py" 2>/dev/null || jupytext --to ipynb "$py"
  start=$(date +%s)
  jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=1800 "$nb"
  jupytext --to py:percent "$nb"
  echo "   $(( $(date +%s) - start )) s"
done
