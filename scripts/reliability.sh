#!/usr/bin/env bash
# The reliability and security suite, from one command: network faults between real processes
# (through the fault-injecting proxy), SIGKILL of edge and central under load, forgery and misuse
# on real processes, limits, PIN guessing against a real node, the store's own crash test, power
# cuts on the lazyfs layer (root and /dev/fuse; skipped, saying so, where they are missing), and
# the fuzz targets. Prints the figures each part reports and fails if any part fails.
# RELIABILITY.md records the figures.
#
#   bash scripts/reliability.sh           the full suite (about an hour on 2 cores)
#   bash scripts/reliability.sh --quick   a short run of every part (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: bash scripts/reliability.sh [--quick]" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tamga/target}"
export CARGO_TERM_COLOR=never
mkdir -p "$CARGO_TARGET_DIR"

if [ "$quick" = 1 ]; then
  schedules="${TAMGA_FAULT_SCHEDULES:-6}"
  kills="${TAMGA_KILL_ROUNDS:-9}"
  store_crashes="${TAMGA_CRASH_ITERATIONS:-6}"
  power_args=(--quick)
  fuzz_args=(--quick)
else
  schedules="${TAMGA_FAULT_SCHEDULES:-200}"
  kills="${TAMGA_KILL_ROUNDS:-150}"
  store_crashes="${TAMGA_CRASH_ITERATIONS:-150}"
  power_args=()
  fuzz_args=(150)
fi

log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
# Each real-process test appends its "RELIABILITY ..." figures line here once every check passed.
export TAMGA_RELIABILITY_REPORT="$log/figures.txt"
started=$SECONDS
part() {
  local name="$1"
  shift
  echo "== $name"
  local t=$SECONDS
  if ! "$@" 2>&1 | tee "$log/$name.txt"; then
    echo "FAILED: $name ($((SECONDS - t)) s). Replay with: $*" >&2
    exit 1
  fi
  echo "-- $name passed in $((SECONDS - t)) s"
}

echo "== building tamga-edge and tamga-central (the processes under test)"
cargo build --locked -p tamga-edge -p tamga-central 2>&1 | tail -n 1

part network-faults env TAMGA_FAULT_SCHEDULES="$schedules" \
  cargo test --locked -p tamga-reliability --test network_faults -- --nocapture --test-threads=1
part crashes env TAMGA_KILL_ROUNDS="$kills" \
  cargo test --locked -p tamga-reliability --test crashes -- --nocapture --test-threads=1
part misuse cargo test --locked -p tamga-central --test misuse -- --nocapture
part limits cargo test --locked -p tamga-central -p tamga-edge --test limits -- --nocapture
part pin-throttle cargo test --locked -p tamga-edge --test pin_throttle -- --nocapture
part store-crashes env TAMGA_CRASH_ITERATIONS="$store_crashes" \
  cargo test --locked --release -p tamga-store --test crash -- --nocapture
if [ -e /dev/fuse ] && [ "$(id -u)" = 0 ]; then
  part power-loss bash scripts/power-loss.sh "${power_args[@]}"
else
  echo "== power-loss skipped: it needs root and /dev/fuse (bash scripts/power-loss.sh where they are)"
fi
part fuzz bash scripts/fuzz.sh "${fuzz_args[@]}"

echo
echo "== figures"
cat "$log/figures.txt" 2>/dev/null || true
grep -h -E '^crash test: .* acknowledged' "$log/store-crashes.txt" || true
grep -h -E '^power loss: cuts=' "$log/power-loss.txt" 2>/dev/null || true
grep -h -E '^[a-z_]+: [0-9?]+ executions' "$log/fuzz.txt" || true
echo "reliability suite passed in $((SECONDS - started)) s"
