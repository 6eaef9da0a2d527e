#!/usr/bin/env bash
# The fused kernel's speed target (issue 17): `nsg bench layer` at d = 8, level 7, batch 128, 10 outputs, float32, with
# the dense path refused; prints the fused step's wall and process-CPU milliseconds, its GFLOP/s, libtorch's float32
# 1024^2 matmul GFLOP/s timed in the same run and their ratio (fusedOverPeak of --json), with the load average. Several builds are
# alternated A B A B ... so all see the same machine.
# usage: [REPEATS=N] [WARMUP=W] scripts/fused-layer-ratio.sh [runs per build (default 3)] [nsg.dll ...]
#        (default: this checkout's Release build; REPEATS: timed steps per run, default 20 as in every earlier row;
#        WARMUP=W: W warm-up steps as builds before 2026-11-26 ran (1), default: until the runtime's compiler is quiet;
#        OMP_NUM_THREADS=1 times one thread against a one-thread matmul)
set -euo pipefail
runs=${1:-3}; shift || true
dlls=("$@")
[ ${#dlls[@]} -gt 0 ] || dlls=("$(dirname "$0")/../src/NeuralSparseGrids.Cli/bin/Release/net10.0/nsg.dll")
export OMP_WAIT_POLICY=passive
for ((i = 1; i <= runs; i++)); do
  for dll in "${dlls[@]}"; do
    echo "run $i, $dll, load $(cut -d' ' -f1-3 /proc/loadavg)"
    dotnet "$dll" bench layer --dim 8 --level 7 --batch 128 --outputs 10 --dense-max-bytes 0 --repeats "${REPEATS:-20}" ${WARMUP:+--warmup "$WARMUP"} | grep -E '^  fused '
  done
done
