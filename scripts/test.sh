#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every Rust test (including the check
# that the TypeScript bindings are current), a 30-second fuzzing smoke per fuzz target, the UI's
# type-check and unit tests, the end-to-end tests of the real window, and the benchmarks' smoke
# (bench/all.sh --smoke: the harness runs and reports every figure; budgets are the full run's).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" --test

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI build (the shell embeds it, so clippy needs it)"
(cd ui && npm run build --silent)

step "cargo clippy --all-targets -D warnings [$(elapsed)]"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (generated bindings checked by parley-domain) [$(elapsed)]"
cargo test --locked

step "Fuzzing smoke: each target 30 s on a copy of its seed corpus (docs/fuzzing.md) [$(elapsed)]"
scripts/fuzz.sh smoke 30

step "UI type-check and unit tests [$(elapsed)]"
(cd ui && npm run check && npm test)

step "Building the app for the end-to-end tests [$(elapsed)]"
cargo build -p parley-app --features custom-protocol --locked
cargo build -p parley-sim --bin fake-telegram --locked

step "End-to-end tests of the real window [$(elapsed)]"
target="${CARGO_TARGET_DIR:-$root/target}"
PARLEY_APP_BIN="$target/debug/parley" \
PARLEY_E2E_PYTHON="${PARLEY_VENV:-$root/.venv}/bin/python" \
  tests/e2e/run.sh

step "Benchmarks' smoke: every figure of BUDGETS' table on tiny data, debug builds [$(elapsed)]"
PARLEY_E2E_PYTHON="${PARLEY_VENV:-$root/.venv}/bin/python" bench/all.sh --smoke

step "All green [$(elapsed)]"
