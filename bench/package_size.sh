#!/usr/bin/env bash
# BUDGETS P6: the Linux package (.deb) <= 8 MB.
#
#   bench/package_size.sh                       # the release profile of Cargo.toml
#   bench/package_size.sh OPT_LEVEL=s LTO=fat   # a variant: CARGO_PROFILE_RELEASE_<KEY>=<value>
#
# Builds the UI, then the release package with the Tauri CLI in ui/node_modules
# (`npx tauri build --bundles deb --ci`; the CLI looks for tauri.conf.json under the current
# folder only, so TAURI_APP_PATH names src-tauri) into CARGO_TARGET_DIR=/var/tmp/parley-release
# (a variant into /var/tmp/parley-release-<variant>, so it never disturbs the others or the
# debug/test build), and prints the .deb's size, its Installed-Size and the installed binary's
# size, and `RESULT id=P6 deb_bytes=.. installed_kib=.. binary_bytes=..` for bench/all.sh.
# There is no peer: the target is absolute.
# The AppImage is not built: the bundler downloads linuxdeploy and its plugins at build time,
# which the house rules forbid.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
variant=""
for kv in "$@"; do
  key="${kv%%=*}" value="${kv#*=}"
  export "CARGO_PROFILE_RELEASE_${key^^}=$value"
  variant="$variant-${key,,}-$value"
done
export CARGO_TARGET_DIR="${PARLEY_RELEASE_TARGET:-/var/tmp/parley-release$variant}"
log="$CARGO_TARGET_DIR.package.log"
profile="$(grep -A12 '^\[profile.release\]' "$root/Cargo.toml" | grep -E '^(\[|[a-z-]+ *=)' | tr '\n' ' ')"
mkdir -p "$CARGO_TARGET_DIR"
cd "$root/ui"
npm run build --silent >/dev/null
started=$(date +%s)
status=0
TAURI_APP_PATH=../src-tauri TAURI_FRONTEND_PATH=. npx tauri build --bundles deb --ci \
  >"$log" 2>&1 || status=$?
# The CLI rewrites this line to the same meaning (`{ version = "2", features = [] }`); put it back.
sed -i 's/^tauri-build = { version = "2", features = \[\] }$/tauri-build = "2"/' \
  "$root/src-tauri/Cargo.toml"
if [ "$status" != 0 ]; then
  tail -20 "$log"
  exit 1
fi
built=$(($(date +%s) - started))
deb="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)"
bin="$CARGO_TARGET_DIR/release/parley"
size=$(stat -c %s "$deb")
installed_kib=$(dpkg-deb -f "$deb" Installed-Size)
in_deb=$(dpkg-deb -c "$deb" | awk '$6 ~ /usr\/bin\/parley$/ {print $3}' | head -1)
mb() { echo "scale=2; $1 / 1000000" | bc; }
echo "P6 package, release profile: $profile${variant:++ overrides: $*} (built in ${built}s)"
echo "  .deb            : $size bytes = $(mb "$size") MB  ($(basename "$deb"))"
echo "  installed size  : $installed_kib KiB (dpkg Installed-Size)"
echo "  binary          : ${in_deb:-?} bytes = $(mb "${in_deb:-0}") MB in the .deb (/usr/bin/parley); $(stat -c %s "$bin") bytes built"
echo "  target          : .deb <= 8 MB: $([ "$size" -le 8000000 ] && echo met || echo MISSED)"
echo "  AppImage        : not built (needs linuxdeploy downloaded at build time)"
echo "RESULT id=P6 deb_bytes=$size installed_kib=$installed_kib binary_bytes=${in_deb:-NA}"
