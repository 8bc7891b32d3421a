#!/usr/bin/env bash
# Coverage-guided fuzzing of the code that reads hostile input (docs/fuzzing.md).
#   scripts/fuzz.sh build                 builds every target (release, SanitizerCoverage)
#   scripts/fuzz.sh smoke [SECONDS]       builds, then runs each target SECONDS (30) on a copy of
#                                         its seed corpus; fails on any crash, naming the input
#   scripts/fuzz.sh long TARGET [RUNS]    one target to RUNS executions (10,000,000), corpus
#                                         kept between runs; prints executions, exec/s, coverage
#   scripts/fuzz.sh list                  the targets
# libFuzzer comes from the libfuzzer-sys crate (built with the machine's C++ compiler), driven
# on stable Rust with the SanitizerCoverage flags cargo-fuzz passes for `--sanitizer none`.
# Builds go to $PARLEY_FUZZ_TARGET_DIR (default ${CARGO_TARGET_DIR:-target}/fuzz): instrumented
# code must not share a target dir with normal builds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

targets=(mime html_sanitize telegram_json graph_json twilio_json search_query csv_import)
target_dir="${PARLEY_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/fuzz}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$target_dir/$triple/release"
# Where a crashing input is kept (CI shows this folder's path).
artifacts="${PARLEY_FUZZ_ARTIFACTS:-$target_dir/artifacts}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

build() {
  say "Building the fuzz targets (release, SanitizerCoverage) into $target_dir"
  # --target keeps these flags off build scripts and proc macros (they run on the host). Debug
  # assertions and overflow checks are on through fuzz/Cargo.toml's release profile.
  RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing" \
  CARGO_TARGET_DIR="$target_dir" \
    cargo build --manifest-path fuzz/Cargo.toml --release --locked --target "$triple" --bins
}

# Runs TARGET with libFuzzer's ARGS on CORPUS; output to LOG. Returns libFuzzer's status.
run() {
  local target=$1 corpus=$2 log=$3; shift 3
  mkdir -p "$artifacts/$target"
  "$bin_dir/$target" "$corpus" \
    -artifact_prefix="$artifacts/$target/" \
    -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    "$@" >"$log" 2>&1
}

# The figures of a finished run, from its log.
figures() {
  local log=$1
  local execs rate status
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#[0-9]+ +[A-Z]+ +//; s/ exec\/s.*//')
  echo "executions ${execs:-?}, ${rate:-?} exec/s, ${status:-no status line}"
}

# Names the input that crashed TARGET, with the panic.
report_crash() {
  local target=$1 log=$2
  echo "FAILED: $target crashed. The panic:" >&2
  grep -E "panicked at|^thread '|unsafe sanitised HTML|SUMMARY" -A3 "$log" | head -40 >&2 || true
  local input
  input=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -1)
  if [ -n "$input" ]; then
    echo "The input: $input (replay: $bin_dir/$target $input)" >&2
    echo "As base64: $(base64 -w0 "$input" | head -c 4000)" >&2
  fi
  echo "Full log: $log" >&2
}

smoke() {
  local seconds=${1:-30}
  # Optimised less than the long runs (opt-level 1, not 3): a 30-second smoke needs coverage,
  # not speed, and the build is most of CI's fuzzing time on 2 cores. Its own folder, so the
  # long runs' opt-level 3 build is not thrown away by a smoke (nor the other way round).
  local target_dir="$target_dir/smoke"
  local bin_dir="$target_dir/$triple/release"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 build
  local work failed=()
  work="$(mktemp -d)"
  for t in "${targets[@]}"; do
    # A copy: libFuzzer adds what it finds to the corpus it is given.
    mkdir -p "$work/$t"
    cp -R "fuzz/corpus/$t/." "$work/$t/"
    say "Fuzzing $t for $seconds s"
    if run "$t" "$work/$t" "$work/$t.log" -max_total_time="$seconds"; then
      echo "$t: 0 crashes; $(figures "$work/$t.log")"
    else
      report_crash "$t" "$work/$t.log"
      failed+=("$t")
    fi
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "Fuzzing found crashes in: ${failed[*]} (inputs under $artifacts)" >&2
    exit 1
  fi
  rm -rf "$work"
  say "Fuzzing smoke: every target ran $seconds s without a crash"
}

long() {
  local t=${1:?"which target? one of: ${targets[*]}"} runs=${2:-10000000}
  [ -x "$bin_dir/$t" ] || build
  local corpus="$target_dir/corpus/$t" log="$target_dir/long-$t.log"
  mkdir -p "$corpus"
  cp -Rn "fuzz/corpus/$t/." "$corpus/"
  say "Fuzzing $t to $runs executions (corpus $corpus, log $log)"
  local started=$SECONDS
  if run "$t" "$corpus" "$log" -runs="$runs"; then
    echo "$t: 0 crashes; $(figures "$log"); corpus $(find "$corpus" -type f | wc -l) files; $((SECONDS - started)) s"
  else
    report_crash "$t" "$log"
    exit 1
  fi
}

case "${1:-}" in
  build) build ;;
  smoke) smoke "${2:-30}" ;;
  long) long "${2:-}" "${3:-10000000}" ;;
  list) printf '%s\n' "${targets[@]}" ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
