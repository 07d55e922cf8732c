#!/usr/bin/env bash
# Fuzzes the parsers of hostile input (acts, offers, sync frames and credentials, bundle files,
# QR texts and forms, navigation seal operators' feeds) with cargo-fuzz, each target for the given time, from the committed seed
# corpus in fuzz/corpus/. Fails if any target crashes; the crashing input is kept under
# fuzz/artifacts/<target>/ and the command to replay it is printed.
#
#   bash scripts/fuzz.sh [seconds per target]   default 60
#   bash scripts/fuzz.sh --quick                 about 20 s per target (CI)
#   bash scripts/fuzz.sh --seed [seconds]        rewrite the seed corpus from the fixtures first
#   bash scripts/fuzz.sh --runs N [--only a,b]   each (named) target for N executions instead
#
# New inputs found during a run go to a temporary directory, not into the committed corpus. Only
# the stable toolchain is needed: cargo-fuzz's nightly flags are enabled with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
seed=0
quick=0
runs=""
only=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --quick) seconds=20; quick=1 ;;
    --seed) seed=1 ;;
    --runs) shift; runs="${1:-}" ;;
    --only) shift; only="${1:-}" ;;
    ''|*[!0-9]*)
      echo "usage: bash scripts/fuzz.sh [--quick] [--seed] [--runs N] [--only target,...] [seconds per target]" >&2
      exit 2
      ;;
    *) seconds="$1" ;;
  esac
  shift
done
case "$runs" in *[!0-9]*) echo "--runs takes a number of executions" >&2; exit 2 ;; esac

export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never
# Sanitizer builds are kept apart from the normal builds' cache.
export CARGO_TARGET_DIR="${TAMGA_FUZZ_TARGET_DIR:-$HOME/.cache/tamga/fuzz-target}"
mkdir -p "$CARGO_TARGET_DIR"

command -v cargo >/dev/null || { echo "cargo is required (rustup.rs)"; exit 1; }
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets=(act_decode sync_frame sync_respond bundle_import qr_text seal_feed)
if [ -n "$only" ]; then
  IFS=, read -r -a targets <<<"$only"
fi
# The longest input tried, per target: above the largest real input of each kind.
declare -A max_len=(
  [act_decode]=16384
  [sync_frame]=65536
  [sync_respond]=65536
  [bundle_import]=65536
  [qr_text]=16640
  [seal_feed]=65536
)

cd fuzz
echo "== building the fuzz targets (address sanitizer, debug assertions)"
build_log="$(mktemp)"
if ! cargo fuzz build >"$build_log" 2>&1; then
  grep -E -A 12 '^error' "$build_log" | head -n 80 || true
  tail -n 20 "$build_log"
  rm -f "$build_log"
  echo "the fuzz targets do not build" >&2
  exit 1
fi
tail -n 3 "$build_log"
rm -f "$build_log"

if [ "$seed" = 1 ]; then
  echo "== writing the seed corpus from the fixtures"
  "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/seed" corpus
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
for t in "${targets[@]}"; do
  if [ -n "$runs" ]; then
    limit=(-runs="$runs"); echo "== fuzzing $t for $runs executions"
  elif [ "$quick" = 1 ] && [ "$t" = sync_respond ]; then
    # About 80 executions a second: the quick run replays its corpus (the inputs that found
    # the bugs fixed in tamga-store's merge among them) and mutates for a few seconds only.
    limit=(-max_total_time=5); echo "== fuzzing $t for 5s"
  else
    limit=(-max_total_time="$seconds"); echo "== fuzzing $t for ${seconds}s"
  fi
  mkdir -p "$work/$t" "$work/tmp" "artifacts/$t"
  log="$work/$t.log"
  status=0
  # The first corpus directory receives new inputs; the committed corpus is only read.
  TMPDIR="$work/tmp" cargo fuzz run "$t" "$work/$t" "corpus/$t" -- \
    "${limit[@]}" -rss_limit_mb=2048 -max_len="${max_len[$t]}" -timeout=20 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+.*(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^(SUMMARY|==[0-9]+==ERROR|thread .* panicked)' "$log" || true
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  if [ "$status" != 0 ]; then
    echo "!! $t failed (exit $status); the end of its log:"
    tail -n 40 "$log"
    ls -1 "artifacts/$t" 2>/dev/null | sed "s|^|   replay: RUSTC_BOOTSTRAP=1 cargo fuzz run $t fuzz/artifacts/$t/|"
    failed+=("$t")
  fi
  took="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)"
  summary+=("$t: ${execs:-?} executions in ${took:-$seconds}s, exit $status")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" != 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}"
  exit 1
fi
echo "no crashes"
