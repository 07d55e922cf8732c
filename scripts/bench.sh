#!/usr/bin/env bash
# The benchmark suite, from one command. Every benchmark measures its figure against a baseline
# in the same run and prints the ratio; BENCHMARKS.md records the results and the machine.
#
#   bash scripts/bench.sh            every figure at full size (about 40 minutes on 2 cores)
#   bash scripts/bench.sh --quick    every benchmark at a small size (CI: keeps them from rotting)
#   bash scripts/bench.sh NAME...    only the named benchmarks (names as listed below)
#
# Each benchmark's output goes to $TAMGA_BENCH_OUT (default target/bench/<date>) as NAME.txt;
# the machine's description to machine.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
only=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -*) echo "usage: bash scripts/bench.sh [--quick] [NAME...]" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tamga/target}"
export CARGO_TERM_COLOR=never
mkdir -p "$CARGO_TARGET_DIR"
out="${TAMGA_BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

release="$CARGO_TARGET_DIR/release"
# name | full-size command | quick command (paths relative to the release directory)
benches=(
  "open|examples/open_bench 10000|examples/open_bench 300"
  "record|examples/record_bench 2000|examples/record_bench 200"
  "verify|examples/verify_bench 20000|examples/verify_bench 1000"
  "sync|examples/sync_bench 10000|examples/sync_bench 300"
  "samod|sync_vs_samod --n 2000|sync_vs_samod --quick"
  "slow-link|slow_link|slow_link --quick"
  "ingest|ingest_bench|ingest_bench --quick"
  "reconcile|reconcile_bench|reconcile_bench --quick"
  "footprint|footprint|footprint --quick"
  "list|list_bench|list_bench --quick"
  "archive|archive_bench|archive_bench --quick"
  "backup|backup_bench|backup_bench --quick"
  "log|log_bench|log_bench --quick"
  "road|road_bench|road_bench --quick"
  "postgres|postgres_bench|postgres_bench --quick"
)

wanted() {
  [ ${#only[@]} -eq 0 ] && return 0
  local n
  for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}
for n in "${only[@]}"; do
  known=0
  for b in "${benches[@]}"; do [ "${b%%|*}" = "$n" ] && known=1; done
  [ "$known" = 1 ] || { echo "no benchmark named $n" >&2; exit 2; }
done

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  grep -m1 MemTotal /proc/meminfo || true
  echo "kernel: $(uname -sr)"
  rustc --version
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

echo "== building (release)"
cargo build --release --locked -p tamga-store --examples 2>&1 | tail -n 1
cargo build --release --locked -p tamga-sync --examples 2>&1 | tail -n 1
cargo build --release --locked -p tamga-bench -p tamga-edge -p tamga-central 2>&1 | tail -n 1

failed=()
started=$SECONDS
for b in "${benches[@]}"; do
  IFS='|' read -r name full short <<<"$b"
  wanted "$name" || continue
  cmd="$full"
  [ "$quick" = 1 ] && cmd="$short"
  echo
  echo "== $name: $cmd"
  t=$SECONDS
  # shellcheck disable=SC2086
  if (cd "$release" && ./$cmd) >"$out/$name.txt" 2>&1; then
    cat "$out/$name.txt"
    echo "-- $name: $((SECONDS - t)) s"
  else
    cat "$out/$name.txt"
    echo "-- $name FAILED after $((SECONDS - t)) s" >&2
    failed+=("$name")
  fi
done

echo
echo "results in $out ($((SECONDS - started)) s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
