#!/usr/bin/env bash
# The power-loss test: the store on the lazyfs layer (reliability/src/lazyfs), a writer killed
# and the power cut at random points, every acknowledged act looked for afterwards.
# Needs root and /dev/fuse (the layer mounts through /dev/fuse itself, no libfuse needed; fuse3
# is installed for fusermount3 when there is apt). RELIABILITY.md, "Power loss", records the
# figures. Exits non-zero if any acknowledged act was lost, a store does not open, comes back
# empty or is not clean after a cut.
#
#   bash scripts/power-loss.sh --quick   12 cuts
#   bash scripts/power-loss.sh           500 cuts (TAMGA_POWER_CUTS overrides)
set -euo pipefail
cd "$(dirname "$0")/.."

cuts="${TAMGA_POWER_CUTS:-500}"
for arg in "$@"; do
  case "$arg" in
    --quick) cuts="${TAMGA_POWER_CUTS:-12}" ;;
    *) echo "usage: bash scripts/power-loss.sh [--quick]" >&2; exit 2 ;;
  esac
done

if [ ! -e /dev/fuse ]; then
  echo "power-loss: /dev/fuse is missing (load the fuse module or run where FUSE is)" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "power-loss: run as root (the layer mounts through /dev/fuse directly)" >&2
  exit 2
fi
if ! command -v fusermount3 >/dev/null && command -v apt-get >/dev/null; then
  (apt-get install -y fuse3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y fuse3 >/dev/null; }) ||
    echo "power-loss: fuse3 not installed; mounting directly" >&2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tamga/target}"
export CARGO_TERM_COLOR=never
echo "power-loss: TAMGA_POWER_CUTS=$cuts cargo test -p tamga-reliability --test power_loss -- --ignored --nocapture"
TAMGA_POWER_CUTS="$cuts" cargo test --locked -p tamga-reliability --test power_loss \
  -- --ignored --nocapture --test-threads=1
