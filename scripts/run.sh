#!/usr/bin/env bash
# Installs what is missing, builds Parley and opens it. With no account set up, Parley opens on
# its demo workspace. Extra arguments: --release for an optimised build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
profile=debug
cargo_args=()
if [ "${1:-}" = "--release" ]; then profile=release; cargo_args+=(--release); fi
echo "==> Building the UI"
(cd "$root/ui" && npm run build --silent)
echo "==> Building Parley ($profile)"
cargo build -p parley-app --features custom-protocol "${cargo_args[@]}" --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
echo "==> Starting Parley"
exec "$target/$profile/parley"
