#!/usr/bin/env bash
# The README's "Cost of a refinement step" measurement: swiss roll (unit t), adaptive from level 3, 80 epochs, a step
# every 10 epochs; prints `nsg train`'s own "Refinement step" line (median step / median epoch, per-phase medians) per
# run, with the load average. Builds are alternated A B A B ... so both see the same machine.
# usage: scripts/refinement-cost.sh [runs per build and mode (default 2)] [nsg.dll ...]
#        (default: this checkout's Release build)
set -euo pipefail
runs=${1:-2}; shift || true
dlls=("$@")
[ ${#dlls[@]} -gt 0 ] || dlls=("$(dirname "$0")/../src/NeuralSparseGrids.Cli/bin/Release/net10.0/nsg.dll")
export OMP_WAIT_POLICY=passive
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for mode in subspaces points; do
  for ((i = 1; i <= runs; i++)); do
    for dll in "${dlls[@]}"; do
      echo "$mode run $i, $dll, load $(cut -d' ' -f1-3 /proc/loadavg)"
      dotnet "$dll" train --data swissroll --swissroll-t unit --encoder 3,25,25 --lr 0.01 --epochs 80 --level 3 \
        --adapt "$mode" --max-points 321 --refine-every 10 --refine-count 2 --no-plots --out "$out/run" --force \
        | grep 'Refinement step'
    done
  done
done
