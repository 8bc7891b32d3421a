# Sourced by the benches that start Parley's window (bench/startup_memory.sh,
# bench/window_switch.sh): an unlocked, throw-away login keyring (gnome-keyring, secrets only)
# under $HOME inside the current D-Bus session, as tests/e2e/run.sh makes for the end-to-end
# tests. Parley keeps the workspace's database key there (docs/decisions/027-encryption-at-rest.md),
# so without one the window says the keychain cannot be reached and shows no inbox.
# Call bench_keyring after HOME points at the bench's scratch home; bench_keyring_stop at exit.
bench_keyring() {
  eval "$(printf 'parley-bench' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  bench_keyring_pid="$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)"
}

bench_keyring_stop() {
  [ -n "${bench_keyring_pid:-}" ] && kill "$bench_keyring_pid" 2>/dev/null || true
}
