#!/usr/bin/env bash
# R1 soak for the outbox: the crash test of crates/parley-sync/tests/it/crash.rs with many more
# kill -9 cycles than CI runs; then the same number of kills while a plain workspace is encrypted
# (crates/parley-sync/tests/it/crash_encrypt.rs, issue 18).
#   bench/crash_soak.sh [cycles, default 300] [seed]
# A seed replays a run's random choices (PARLEY_CRASH_SEED); without one the test picks and
# prints it. Prints the seed, the cycle count and the final outbox states; any lost draft, lost
# reply, double send or failed integrity_check fails the run and prints the failing reply's
# history (each state it was seen in, by cycle) with the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-300}"
[ -n "${2:-}" ] && export PARLEY_CRASH_SEED="$2"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if PARLEY_CRASH_CYCLES="$cycles" RUST_BACKTRACE=0 cargo test -q -p parley-sync --test it -- \
  --nocapture crash::kill_nine >"$log" 2>&1; then
  grep -E "crash test:|test result" "$log"
else
  # The whole failure: the check, the reply's history, the seed to replay.
  sed -n '/crash test:/,$p' "$log" | grep -v "^note: run with"
  exit 1
fi
if PARLEY_CRASH_CYCLES="$cycles" RUST_BACKTRACE=0 cargo test -q -p parley-sync --test it -- \
  --nocapture crash_encrypt::kill_nine >"$log" 2>&1; then
  grep -E "encryption crash test:|test result" "$log"
else
  sed -n '/encryption crash test:/,$p' "$log" | grep -v "^note: run with\|ERROR CORE"
  exit 1
fi
