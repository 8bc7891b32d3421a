# Shared by the window benchmarks (startup_memory.sh, window_switch.sh): the release builds and
# BUDGETS' workspace. Sourced; expects `root` (the checkout) and `messages` to be set.
#
# Builds (release; Parley in /var/tmp/parley-release or $PARLEY_RELEASE_TARGET, the empty Tauri
# peer in /var/tmp/parley-empty-tauri or $PARLEY_EMPTY_TARGET, the generator in
# /var/tmp/parley-gen-workspace) unless PARLEY_BENCH_NO_BUILD=1, and generates the workspace once
# (/var/tmp/parley-bench-ws-<MESSAGES>, see bench/gen-workspace).
# bench/all.sh --smoke points them elsewhere: PARLEY_BENCH_APP_BIN (the app), PARLEY_BENCH_EMPTY_BIN
# (the peer; a missing file means no peer: its figures are left out), PARLEY_BENCH_WORKSPACE (an
# existing data dir) and PARLEY_BENCH_GEN (the generator's command line, given the dir and count).
release_dir="${PARLEY_RELEASE_TARGET:-/var/tmp/parley-release}"
empty_dir="${PARLEY_EMPTY_TARGET:-/var/tmp/parley-empty-tauri}"
gen_dir=/var/tmp/parley-gen-workspace
parley_bin="${PARLEY_BENCH_APP_BIN:-$release_dir/release/parley}"
empty_bin="${PARLEY_BENCH_EMPTY_BIN:-$empty_dir/release/empty-tauri}"
workspace="${PARLEY_BENCH_WORKSPACE:-/var/tmp/parley-bench-ws-$messages}"

# bench_build [with-peer]: Parley's window and the generator; the empty Tauri app too when asked.
bench_build() {
  [ "${PARLEY_BENCH_NO_BUILD:-}" = 1 ] && return 0
  (cd "$root/ui" && npm run build --silent >/dev/null)
  (cd "$root" && CARGO_TARGET_DIR="$release_dir" cargo build --release --locked -q \
    -p parley-app --features custom-protocol)
  if [ "${1:-}" = with-peer ]; then bench_build_peer; fi
  (cd "$root/bench/gen-workspace" && CARGO_TARGET_DIR="$gen_dir" cargo build --release -q)
}

# bench_build_peer: the empty Tauri app alone.
bench_build_peer() {
  [ "${PARLEY_BENCH_NO_BUILD:-}" = 1 ] && return 0
  (cd "$root/bench/empty-tauri" && CARGO_TARGET_DIR="$empty_dir" cargo build --release -q \
    --features custom-protocol)
}

bench_workspace() {
  if [ ! -f "$workspace/parley.sqlite3" ]; then
    mkdir -p "$workspace"
    ${PARLEY_BENCH_GEN:-"$gen_dir/release/gen-workspace"} "$workspace" "$messages"
  fi
}
