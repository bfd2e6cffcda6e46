#!/usr/bin/env bash
# Execute chapters in full mode and keep the jupytext pairs in sync:
#   bash tools/run_notebooks.sh        # every chapter
#   bash tools/run_notebooks.sh 04     # chapters whose name starts with 04
# The .py file is the source; the .ipynb gets the outputs readers see before running anything.
set -euo pipefail
cd "$(dirname "$0")/../notebooks"
unset GENLIB_QUICK
# OpenMP's wait policy is left as the reader's JupyterLab has it (the default, threads spin while they wait), so the
# stored timings are what a reader sees. It matters: on the idle 2-core machine, a NADE training step with 2 threads
# took 44 ms spinning and 127 ms with OMP_WAIT_POLICY=PASSIVE (many small operations, each waking the threads);
# on a machine loaded with other work, spinning threads were 9x slower per batch (11.7 s against 1.3 s). Set
# OMP_WAIT_POLICY=PASSIVE yourself when the machine is busy, and then do not trust the chapters' timings.
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
