#!/usr/bin/env bash
# The README's "Cost of a refinement step" measurement: swiss roll (unit t), adaptive from level 3, a step every 10
# epochs; prints `nsg train`'s own "Refinement step" line (median step / median epoch, per-phase medians) per run,
# with the load average. Builds are alternated A B A B ... so both see the same machine.
# SETUP=short (default): 80 epochs, 2 refinements a step, both modes (grids stay below 100 points in points mode).
# SETUP=target: the setup of the swiss roll accuracy target (points mode, 200 epochs, 6 refinements a step,
#               coarsening 0.05, cosine schedule, seed 1; the grid reaches its 321-point budget).
# MODES="subspaces points" overrides the setup's adaptivity modes (e.g. MODES=subspaces SETUP=target: the same
#               options with subspace refinement, whose coarsening then runs every step).
# SEEDS="1 2 3" runs each seed in turn (the issue's targets are medians of 3 seeds; default: seed 1).
# usage: [SETUP=short|target] [MODES=...] scripts/refinement-cost.sh [runs per build and mode (default 2)] [nsg.dll ...]
#        (default: this checkout's Release build)
set -euo pipefail
runs=${1:-2}; shift || true
dlls=("$@")
[ ${#dlls[@]} -gt 0 ] || dlls=("$(dirname "$0")/../src/NeuralSparseGrids.Cli/bin/Release/net10.0/nsg.dll")
export OMP_WAIT_POLICY=passive
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
case "${SETUP:-short}" in
  short) modes=(subspaces points); extra=(--epochs 80 --refine-count 2) ;;
  target) modes=(points); extra=(--epochs 200 --refine-count 6 --coarsen 0.05 --schedule cosine) ;;
  *) echo "SETUP must be short or target" >&2; exit 2 ;;
esac
[ -z "${MODES:-}" ] || read -r -a modes <<< "$MODES"
read -r -a seeds <<< "${SEEDS:-1}"
for mode in "${modes[@]}"; do
  for ((i = 1; i <= runs; i++)); do
    for seed in "${seeds[@]}"; do
      for dll in "${dlls[@]}"; do
        echo "$mode run $i, seed $seed, $dll, load $(cut -d' ' -f1-3 /proc/loadavg)"
        dotnet "$dll" train --data swissroll --swissroll-t unit --encoder 3,25,25 --lr 0.01 --level 3 "${extra[@]}" \
          --seed "$seed" --adapt "$mode" --max-points 321 --refine-every 10 --no-plots --out "$out/run" --force \
          | grep 'Refinement step'
      done
    done
  done
done
