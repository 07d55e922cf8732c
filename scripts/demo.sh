#!/usr/bin/env bash
# The main job: the reference story of DOMAIN.md, an escorted delivery of rough diamonds, told in
# signed acts and assessed, then told again with a seal replaced without permission on the way.
# Exits non-zero if any outcome differs from the story.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "error: cargo not found; install Rust from rustup.rs" >&2; exit 2; }
exec cargo run --quiet --package tamga-core --example escorted_delivery -- "$@"
