#!/usr/bin/env bash
# Runs a sweep through a real Slurm and checks it equals the same sweep run locally (issue #15).
#
# Installs slurmctld, slurmd, slurm-client and munge (Debian), starts a single-node cluster without systemd (munge key,
# munged on a private socket, a minimal slurm.conf, slurmctld and slurmd with all state in a temporary folder), submits
# the script of `nsg sweep emit --scheduler slurm` with `sbatch --wait`, collects, runs the same spec with
# `nsg sweep run --workers 2`, and compares results.csv (every figure the seeds determine) byte for byte.
# Stops only what it started: cancels its jobs, waits for squeue to empty, then SIGTERMs the daemons by their pids.
#
# Exit 0 with a "SKIPPED" line when the packages cannot be installed (no network, not root, no apt); exit 1 on a mismatch
# or a broken cluster. NSG_SLURM_SPEC=FILE runs another spec (default: sweeps/examples/slurm-smoke.json).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
spec="${NSG_SLURM_SPEC:-$repo/sweeps/examples/slurm-smoke.json}"
skip() { echo "SKIPPED (slurm sweep test): $*" >&2; exit 0; }
say() { echo "[slurm-test $(date +%H:%M:%S)] $*" >&2; }

[ "$(id -u)" = 0 ] || skip "needs root to start munged and slurmd"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get"
  say "installing slurmctld slurmd slurm-client munge"
  log="$(mktemp)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    skip "could not install the Slurm packages (no network or no Debian mirror)"
  fi
fi
start_time=$(date +%s)

work="$(mktemp -d /tmp/nsg-slurm.XXXXXX)"
chmod 755 "$work"
export SLURM_CONF="$work/slurm.conf"
pids=()
cleanup() {
  local rc=$?
  set +e
  if [ -f "$work/slurmctld.pid" ]; then
    # Job steps run detached from slurmd and would outlive it: cancel our jobs and wait for the queue to drain first.
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 1 60); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  for f in slurmd slurmctld munge/munged; do
    [ -f "$work/$f.pid" ] || continue
    pid="$(cat "$work/$f.pid")"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
  if [ $rc -ne 0 ]; then
    for f in slurmctld.log slurmd.log munge/munged.log; do [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -n 15 "$work/$f" >&2; }; done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

# Build nsg unless ./scripts/test.sh's `dotnet test` has just built it: every project's DLL next to nsg is newer than
# that project's sources (an MSBuild no-op still costs 20-60 s of the 3-minute budget on a busy 2-core machine).
bin="$repo/src/NeuralSparseGrids.Cli/bin/Release/net10.0"
nsg="$bin/nsg"
up_to_date() {
  [ -x "$nsg" ] || return 1
  local project assembly
  for project in NeuralSparseGrids NeuralSparseGrids.ML NeuralSparseGrids.Onnx NeuralSparseGrids.Cli; do
    assembly="$project"; [ "$project" = NeuralSparseGrids.Cli ] && assembly=nsg
    [ -f "$bin/$assembly.dll" ] || return 1
    [ -z "$(find "$repo/src/$project" \( -name bin -o -name obj \) -prune -o -type f -newer "$bin/$assembly.dll" -print -quit)" ] || return 1
  done
  [ -z "$(find "$repo" -maxdepth 1 -name 'Directory.*.props' -newer "$bin/nsg.dll" -print -quit)" ] && \
  [ -z "$(find "$repo/docs/benchmark/suite.json" -newer "$bin/nsg.dll" -print -quit)" ]
}
phase=$(date +%s)
if up_to_date; then say "nsg is up to date (built by the test run)"
else
  say "building nsg"
  dotnet build "$repo/src/NeuralSparseGrids.Cli" -c Release -v quiet -nologo >/dev/null
  say "built in $(( $(date +%s) - phase )) s"
fi
export OMP_WAIT_POLICY=passive

# munge: a fresh key and a private socket, so no system munged is needed (or disturbed).
# The key folder is private; the socket's folder must be searchable by every user (munged checks both).
mkdir -p "$work/munge" "$work/munge-run"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$work/munge" "$work/munge-run"
chmod 700 "$work/munge"
chmod 755 "$work/munge-run"
chmod 400 "$work/munge/munge.key"
socket="$work/munge-run/munge.socket"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
for _ in $(seq 1 40); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "munged did not start" >&2; exit 1; }

# A one-node cluster on this host; ports picked at random so a system Slurm is left alone.
host="$(hostname -s)"
node="$(slurmd -C | head -n 1)"
cpus="$(echo "$node" | grep -o 'CPUs=[0-9]*' | cut -d= -f2)"
memory="$(echo "$node" | grep -o 'RealMemory=[0-9]*' | cut -d= -f2)"
[ "$memory" -gt 8000 ] && memory=8000
node="$(echo "$node" | sed -E "s/RealMemory=[0-9]+/RealMemory=$memory/") NodeAddr=127.0.0.1 State=UNKNOWN"
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=nsgtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
MinJobAge=4
MailProg=/bin/true
ReturnToService=2
$node
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
phase=$(date +%s)
say "starting slurmctld and slurmd ($cpus CPUs, port $port)"
slurmctld -c -f "$SLURM_CONF"
slurmd -c -f "$SLURM_CONF"
for _ in $(seq 1 60); do [ "$(sinfo -h -o %t 2>/dev/null)" = "idle" ] && break; sleep 0.25; done
state="$(sinfo -h -o %t 2>/dev/null || true)"
[ "$state" = "idle" ] || { echo "the node is '$state', not idle" >&2; sinfo -R >&2 || true; exit 1; }
say "the node is idle after $(( $(date +%s) - phase )) s"

cells=$("$nsg" sweep emit "$spec" --scheduler slurm --out "$work/slurm" --parallel "$cpus" --cpus 1 --mem 1G --time 00:10:00 --json | tail -n 1 | grep -o '"cells":[0-9]*' | cut -d: -f2)
say "submitting $cells array tasks"
submitted=$(date +%s)
if ! sbatch --wait --quiet "$work/slurm/sweep.slurm"; then
  echo "sbatch --wait reported a failed array task" >&2
  for f in "$work"/slurm/logs/*.out; do echo "--- $f" >&2; tail -n 5 "$f" >&2; done
  exit 1
fi
say "array done in $(( $(date +%s) - submitted )) s"
"$nsg" sweep collect "$work/slurm" >/dev/null

say "the same spec locally (2 workers, 1 thread each like the Slurm tasks)"
phase=$(date +%s)
"$nsg" sweep run "$spec" --workers 2 --threads 1 --out "$work/local" >/dev/null 2>"$work/local.err" || { cat "$work/local.err" >&2; exit 1; }
say "local run done in $(( $(date +%s) - phase )) s"

rows=$(($(wc -l < "$work/slurm/results.csv") - 1))
[ "$rows" -eq "$cells" ] || { echo "results.csv has $rows rows for $cells cells" >&2; exit 1; }
if grep -qE ',(failed|missing),' "$work/slurm/results.csv"; then echo "a Slurm cell failed:" >&2; cat "$work/slurm/results.csv" >&2; exit 1; fi
if ! diff -u "$work/local/results.csv" "$work/slurm/results.csv" >&2; then
  echo "MISMATCH: the Slurm sweep's results differ from the local run's" >&2
  exit 1
fi
hosts=$(grep -ho '"host": *"[^"]*"' "$work"/slurm/cells/*/result.json | sort -u | wc -l)
say "OK: $cells cells through Slurm equal the local run (results.csv identical); $(( $(date +%s) - start_time )) s without the install"
