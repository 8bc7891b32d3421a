#!/usr/bin/env bash
# In the real window, on BUDGETS' workspace (1M messages / 100k conversations by default):
#   issue 13's view switch — a click on a sidebar view until its first page is painted (<= 50 ms);
#   P4, the thread switch — a click on a conversation of 5k-8k messages until it is painted
#   (<= 16 ms p95).
#
#   bench/window_switch.sh [-n ROUNDS] [-m MESSAGES]
#
# Release build and workspace as bench/lib.sh says; the workspace is copied first (the bench
# labels its longest conversations through the window, so it can click them). Parley runs with
# PARLEY_DEMO=off under xvfb-run and dbus-run-session, driven by tauri-driver + WebKitWebDriver
# (Python: the e2e tests' packages, tests/e2e/requirements.txt; PARLEY_E2E_PYTHON picks the
# interpreter). Each figure is measured by the page's own clock (bench/window_switch.py says
# how). The machine may be shared: quote medians and p95 with the load (`uptime`) beside them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=20 messages=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    -n) rounds="$2"; shift 2 ;;
    -m) messages="$2"; shift 2 ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_build
bench_workspace

scratch="$(mktemp -d /var/tmp/parley-switch.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$workspace" "$scratch/data"
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/.local/share" \
  XDG_CONFIG_HOME="$scratch/home/.config" XDG_CACHE_HOME="$scratch/home/.cache"
mkdir -p "$HOME"
export PARLEY_APP_BIN="$parley_bin" PARLEY_BENCH_DATA="$scratch/data" PARLEY_DEMO=off \
  PARLEY_E2E_ARTIFACTS="$scratch/artifacts" PARLEY_BENCH_ROUNDS="$rounds"
echo "load before: $(uptime)"
# The keyring inside the bench's D-Bus session (bench/keyring.sh); the script reads the copy's
# SQLite before Parley first opens (and encrypts) it.
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c \
  '. "$1"; bench_keyring; trap bench_keyring_stop EXIT; "$2" "$3"' _ \
  "$root/bench/keyring.sh" "${PARLEY_E2E_PYTHON:-python3}" "$root/bench/window_switch.py"
echo "load after: $(uptime)"
