#!/usr/bin/env bash
# R1 soak for the outbox: the crash test of crates/parley-sync/tests/crash.rs with many more
# kill -9 cycles than CI runs. Usage: bench/crash_soak.sh [cycles, default 300]
# Prints the cycle count and the final outbox states; any lost draft, lost reply, double send
# or failed integrity_check fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-300}"
PARLEY_CRASH_CYCLES="$cycles" cargo test -p parley-sync --test crash -- \
  --nocapture kill_nine 2>&1 | grep -E "crash test:|panicked|test result"
