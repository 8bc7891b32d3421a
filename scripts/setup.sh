#!/usr/bin/env bash
# Installs what Parley needs on Debian/Ubuntu, skipping whatever is already there.
#   scripts/setup.sh          what running the app needs
#   scripts/setup.sh --test   plus what the test suite needs (tauri-driver, Python packages)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  # build-essential's g++ also compiles libFuzzer for the fuzz targets (scripts/fuzz.sh).
  build-essential pkg-config libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  gnome-keyring
  # Customers write in every script: emoji, CJK, Arabic, Hebrew, Devanagari, Cyrillic, Thai…
  # (the .deb declares the same fonts, src-tauri/tauri.conf.json). The PDF export draws with
  # them too, found at run time (crates/parley-store/src/export/pdf/fonts.rs), and its tests
  # fail naming the package when one is missing.
  fonts-noto-color-emoji fonts-noto-core fonts-noto-cjk
)
if [ "$want_tests" = 1 ]; then
  packages+=(xvfb webkit2gtk-driver dbus dbus-x11 dunst libnotify-bin imagemagick python3-venv)
  # Real mail servers for the email channel tests (crates/parley-channels/tests/it/email*.rs).
  packages+=(dovecot-imapd python3-aiosmtpd openssl)
  # The benchmarks' P2 peer, also asked by their smoke (bench/all.sh --smoke): notmuch and its
  # library's Python binding.
  packages+=(notmuch python3-notmuch2)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 92 ]; then
  echo "Parley needs Rust 1.92 or newer (found $(rustc --version)). Run: rustup update stable" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Parley's UI needs Node.js 20 or newer with npm. Install it (e.g. from your distribution or nodejs.org), then run this again." >&2
  exit 1
fi

if [ ! -d "$root/ui/node_modules" ] || [ "$root/ui/package-lock.json" -nt "$root/ui/node_modules/.package-lock.json" ]; then
  say "Installing the UI's npm packages"
  (cd "$root/ui" && npm ci --no-audit --no-fund)
fi

if [ "$want_tests" = 1 ]; then
  if ! command -v tauri-driver >/dev/null 2>&1; then
    say "Installing tauri-driver from crates.io"
    cargo install tauri-driver --version 2.1.0 --locked
  fi
  venv="${PARLEY_VENV:-$root/.venv}"
  if [ ! -x "$venv/bin/python" ]; then
    say "Creating the Python environment for the end-to-end tests in $venv"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c 'import selenium, pytest, pypdf' 2>/dev/null; then
    "$venv/bin/pip" install -q -r "$root/tests/e2e/requirements.txt"
  fi
fi
