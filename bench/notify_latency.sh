#!/usr/bin/env bash
# Latency from a message injected into the demo's fake Telegram server to the app's Notify call
# on the session bus (issue 6; target under 500 ms). A benchmark, not a test: it prints figures.
#   bench/notify_latency.sh [messages, default 30]
# Runs the built app (PARLEY_APP_BIN, else target/debug/parley; build it with
# `cargo build -p parley-app --features custom-protocol`, or --release for release figures)
# under the e2e harness: a private D-Bus session, Xvfb, dunst and dbus-monitor, with a throw-away
# data folder. Both timestamps are wall-clock: the injection time is taken just before the
# control request, the Notify time is dbus-monitor's `time=` for the method call.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -z "${PARLEY_BENCH_INSIDE:-}" ]; then
  export PARLEY_BENCH_INSIDE=1
  exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

app="${PARLEY_APP_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/parley}"
[ -x "$app" ] || { echo "the app is not built: $app" >&2; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# As in tests/e2e/run.sh: a throw-away home with an unlocked keyring, so the demo account's
# token never lands in the user's keychain. In the foreground so that $! is this run's daemon
# and no other run's is killed on the way out.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$HOME"
gnome-keyring-daemon --foreground --unlock --components=secrets <<<"parley-bench" \
  >"$work/keyring.env" 2>"$work/keyring.log" & pids+=($!)
for _ in $(seq 50); do grep -q GNOME_KEYRING_CONTROL "$work/keyring.env" && break; sleep 0.1; done
eval "$(grep GNOME_KEYRING_CONTROL "$work/keyring.env" || true)"
export GNOME_KEYRING_CONTROL

dunst >"$work/dunst.log" 2>&1 & pids+=($!)
dbus-monitor --session "interface='org.freedesktop.Notifications'" >"$work/bus.log" 2>&1 & pids+=($!)
# Quiet demo customers, so every Notify on the bus answers an injected message.
PARLEY_DEMO_PACE=off PARLEY_DATA_DIR="$work/data" PARLEY_CONFIG_DIR="$work/config" \
  PARLEY_LOG_DIR="$work/logs" PARLEY_KEYRING_SERVICE=parley-bench \
  "$app" >"$work/app.log" 2>&1 & pids+=($!)

python3 "$here/notify_latency.py" --endpoint "$work/data/demo/endpoint.json" \
  --bus-log "$work/bus.log" --messages "${1:-30}"
