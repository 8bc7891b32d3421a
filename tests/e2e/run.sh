#!/usr/bin/env bash
# Runs the end-to-end tests inside a private D-Bus session and a virtual display:
#   tests/e2e/run.sh [pytest args]
# Each test starts its own tauri-driver (see conftest.py).
# Needs: the app built (cargo build -p parley-app --features custom-protocol), tauri-driver,
# WebKitWebDriver, xvfb-run, dbus-run-session, dunst, and the Python packages in requirements.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${PARLEY_E2E_INSIDE:-}" ]; then
  export PARLEY_E2E_INSIDE=1
  exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

artifacts="${PARLEY_E2E_ARTIFACTS:-$here/artifacts}"
mkdir -p "$artifacts"
export PARLEY_E2E_ARTIFACTS="$artifacts"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${keyring_home:-}" ] && rm -rf "$keyring_home"
}
trap cleanup EXIT

# A keyring of our own: a throw-away home with an unlocked login keyring, so adding an account
# exercises the real Secret Service path without touching the user's keychain.
keyring_home="$(mktemp -d)"
export HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/.local/share" XDG_CONFIG_HOME="$keyring_home/.config"
eval "$(printf 'parley-e2e' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyring_pid="$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)"
[ -n "$keyring_pid" ] && pids+=("$keyring_pid")
# dunst's context menu (a notification's other actions) answers through a script, not a dmenu.
mkdir -p "$XDG_CONFIG_HOME/dunst"
printf '[global]\n    dmenu = %s\n' "$here/dunst_menu.sh" >"$XDG_CONFIG_HOME/dunst/dunstrc"
rm -f "$artifacts/menu-pick"
dunst >"$artifacts/dunst.log" 2>&1 & pids+=($!)
dbus-monitor --session "interface='org.freedesktop.Notifications'" >"$artifacts/notifications.log" 2>&1 & pids+=($!)
python="${PARLEY_E2E_PYTHON:-python3}"
cd "$here"
"$python" -m pytest -v -p no:cacheprovider "$@"
