#!/usr/bin/env bash
# BUDGETS P3 (cold start to the inbox painted, 1M messages, <= 1.1x an empty Tauri 2 app) and
# P5 (PSS of the whole process tree, idle, <= 1.2x the empty app; growth over a soak <= 10%).
#
#   bench/startup_memory.sh [-n RUNS] [-m MESSAGES] [-s SETTLE_S] [-e]  # P3 + P5 (idle)
#   bench/startup_memory.sh -m MESSAGES --soak MINUTES [--every MINUTES] # P5 growth (8 h: 480)
#
# The peer is bench/empty-tauri: the same tauri version, features and release profile, a static
# page, outside Parley's workspace. Both windows report "painted" the same way: the page calls
# the `startup_probe` command after the frame that shows its content (Parley: once the first
# page of threads, accounts and outbox are loaded, ui/src/lib/ipc/backend.ts `reportPainted`) with that
# frame's wall-clock time (µs, the page's clock: the call can wait behind the window's other
# first calls), and Rust writes it to the file named by PARLEY_STARTUP_PROBE. Start-up is that
# time minus the time taken just before `exec` of the binary, so it includes loading it.
#
# Builds and generates the workspace as bench/lib.sh says (BUDGETS' data set through
# `Store::apply_batch`, see bench/gen-workspace), then runs everything in one private X server
# and D-Bus session (xvfb-run, dbus-run-session) with a throw-away HOME. A first start of each app is not counted
# (it activates the session's services). Each round runs the empty app and Parley alternately,
# each once cold (page cache dropped: `sync; echo 3 > /proc/sys/vm/drop_caches`, needs root;
# otherwise only warm runs are quoted) and once warm, and samples the PSS of the process tree
# (the app and every descendant: WebKitWebProcess, WebKitNetworkProcess, ...;
# /proc/<pid>/smaps_rollup) SETTLE_S seconds after "painted" on the warm run. Parley runs with
# PARLEY_DEMO=off (no sync: the workspace's account is the demo's, see gen-workspace), so idle
# means idle. -e adds Parley on an empty workspace to each round (what the messages cost, apart
# from the app itself).
# The soak runs Parley alone with the demo's live traffic (PARLEY_DEMO unset, PARLEY_DEMO_PACE as
# set, default pace) on a copy of the workspace and samples the tree's PSS every --every minutes
# (the first sample at "painted").
# Prints medians, min-max and the ratios to the peer. The machine is shared: quote medians.
# And one machine-readable line per figure for bench/all.sh: `RESULT id=P3cold|P3warm|P5 parley=..
# peer=.. unit=ms|KiB n=..`, and for the soak `RESULT id=P5b minutes=.. first_kib=.. last_kib=..
# growth_pct=..`. Without the peer's binary (bench/all.sh --smoke: no release build) its figures
# are left out (peer=NA).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=5 messages=1000000 settle=15 soak="" every=10 bare=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -m) messages="$2"; shift 2 ;;
    -s) settle="$2"; shift 2 ;;
    -e) bare=1; shift ;;
    --soak) soak="$2"; shift 2 ;;
    --every) every="$2"; shift 2 ;;
    --inside) shift; break ;;
    *) sed -n '2,30p' "$0"; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

if [ -z "${PARLEY_BENCH_INSIDE:-}" ]; then
  bench_build with-peer
  bench_workspace
  export PARLEY_BENCH_INSIDE=1
  # The bus inside the X session, so services it activates (portals) see the display.
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
    "$0" -n "$runs" -m "$messages" -s "$settle" ${bare:+-e} ${soak:+--soak "$soak"} --every "$every" --inside
fi

scratch="$(mktemp -d /var/tmp/parley-bench.XXXXXX)"
# shellcheck source=bench/keyring.sh
. "$root/bench/keyring.sh"
trap 'bench_keyring_stop; rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/.local/share" \
  XDG_CONFIG_HOME="$scratch/home/.config" XDG_CACHE_HOME="$scratch/home/.cache"
mkdir -p "$HOME"
bench_keyring
# A copy: Parley encrypts a plain workspace at its first start (with a key in this run's
# keyring, gone with it), and the generated one must stay plain for the next bench.
cp -r "$workspace" "$scratch/workspace-run"
export PARLEY_DATA_DIR="$scratch/workspace-run" PARLEY_CONFIG_DIR="$scratch/config" \
  PARLEY_LOG_DIR="$scratch/logs" PARLEY_KEYRING_SERVICE=parley-bench PARLEY_LOG=warn

# The pid and every descendant of it.
tree() {
  local all=("$1") i=0
  while [ $i -lt ${#all[@]} ]; do
    local kids
    kids="$(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null || true)"
    for k in $kids; do all+=("$k"); done
    i=$((i + 1))
  done
  echo "${all[@]}"
}

# PSS of the tree in KiB, and the process names.
tree_pss() {
  local total=0 names=""
  for p in $(tree "$1"); do
    local kb
    kb="$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)"
    total=$((total + ${kb:-0}))
    names="$names $(cat /proc/"$p"/comm 2>/dev/null)"
  done
  echo "$total$names"
}

stop() {
  local pids
  pids="$(tree "$1")"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# PARLEY_BENCH_WARM_ONLY=1 (bench/all.sh --smoke) leaves the machine's page cache alone.
can_drop=0
if [ "${PARLEY_BENCH_WARM_ONLY:-}" != 1 ] && sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
  can_drop=1
fi

# run <name> <binary> <cold|warm> <settle seconds or 0>: prints "ms pss_kib names".
run() {
  local name="$1" bin="$2" mode="$3" wait_s="$4" probe="$scratch/probe" t0 pid
  rm -f "$probe" "$scratch/t0"
  if [ "$mode" = cold ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
  local data="$PARLEY_DATA_DIR"
  if [ "$name" = parley-new ]; then data="$scratch/new-workspace"; rm -rf "$data"; fi
  PARLEY_DATA_DIR="$data" PARLEY_STARTUP_PROBE="$probe" \
    bash -c 'date +%s%6N >"$1"; exec "$0"' "$bin" "$scratch/t0" \
    >>"$scratch/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1200); do
    [ -s "$probe" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.025
  done
  if [ ! -s "$probe" ]; then
    stop "$pid"
    echo "$name ($mode) did not report painted; log:" >&2
    tail -5 "$scratch/$name.log" >&2
    echo "NA NA"
    return
  fi
  local ms=$((($(cat "$probe") - $(cat "$scratch/t0")) / 1000)) pss=NA
  if [ "$wait_s" != 0 ]; then
    sleep "$wait_s"
    pss="$(tree_pss "$pid")"
  fi
  stop "$pid"
  echo "$ms $pss"
}

stats() { # values on stdin: median min max count
  python3 -c '
import statistics, sys
v = [float(x) for x in sys.stdin.read().split() if x != "NA"]
print(f"{statistics.median(v):.0f} {min(v):.0f} {max(v):.0f} {len(v)}" if v else "NA NA NA 0")'
}

if [ -n "$soak" ]; then
  soak_dir="$scratch/workspace"
  cp -r "$workspace" "$soak_dir"
  export PARLEY_DATA_DIR="$soak_dir"
  unset PARLEY_DEMO
  probe="$scratch/probe"
  PARLEY_STARTUP_PROBE="$probe" "$parley_bin" >>"$scratch/soak.log" 2>&1 &
  pid=$!
  for _ in $(seq 2400); do [ -s "$probe" ] && break; sleep 0.025; done
  echo "P5 soak: Parley, $messages messages, demo traffic (PARLEY_DEMO_PACE=${PARLEY_DEMO_PACE:-default}), every $every min for $soak min"
  first=""
  start=$(date +%s)
  while :; do
    elapsed=$((($(date +%s) - start) / 60))
    read -r kb names <<<"$(tree_pss "$pid")"
    [ -z "$first" ] && first="$kb"
    samples="${samples:-} $kb"
    msgs="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from messages").fetchone()[0])' "$soak_dir/parley.sqlite3" 2>/dev/null || echo ?)"
    printf '  t=%4d min  PSS %7.1f MiB  (%+.1f%%)  messages %s  [%s]\n' "$elapsed" \
      "$(echo "$kb / 1024" | bc -l)" "$(echo "($kb - $first) * 100 / $first" | bc -l)" "$msgs" "$names"
    [ "$elapsed" -ge "$soak" ] && break
    sleep $((every * 60))
  done
  stop "$pid"
  python3 -c '
import sys
k = [int(x) for x in sys.argv[1].split()]
v = [x / 1024 for x in k]
growth = (v[-1] - v[0]) * 100 / v[0]
print(f"  growth, last vs first sample: {growth:+.1f}% ({v[0]:.0f} -> {v[-1]:.0f} MiB); "
      f"range {min(v):.0f}-{max(v):.0f} MiB over {len(v)} samples (target <= 10% over 8 h)")
print(f"RESULT id=P5b minutes={sys.argv[2]} samples={len(k)} first_kib={k[0]} last_kib={k[-1]} "
      f"max_kib={max(k)} growth_pct={growth:.2f}")' "$samples" "$elapsed"
  exit 0
fi

export PARLEY_DEMO=off
peer=empty
[ -x "$empty_bin" ] || peer=""
echo "P3/P5: $runs rounds; Parley ($parley_bin, $(du -h "$workspace/parley.sqlite3" | cut -f1) workspace, $messages messages) vs empty Tauri (${peer:+$empty_bin}${peer:-none: $empty_bin is not built}); cold runs: $([ $can_drop = 1 ] && echo "page cache dropped" || echo "NOT possible (no root), skipped")"
: >"$scratch/results"
# A first start of each, not counted: it activates the session's services (a11y bus, portals).
[ -n "$peer" ] && run empty "$empty_bin" warm 0 >/dev/null
run parley "$parley_bin" warm 0 >/dev/null
for i in $(seq "$runs"); do
  for app in $peer parley ${bare:+parley-new}; do
    bin="$parley_bin"; [ $app = empty ] && bin="$empty_bin"
    if [ $can_drop = 1 ]; then
      read -r ms _ <<<"$(run $app "$bin" cold 0)"
      echo "$app cold $ms" >>"$scratch/results"
    fi
    read -r ms pss names <<<"$(run $app "$bin" warm "$settle")"
    echo "$app warm $ms" >>"$scratch/results"
    echo "$app pss $pss" >>"$scratch/results"
    echo "  round $i $app: $(grep "^$app cold" "$scratch/results" | tail -1 | cut -d' ' -f3) ms cold, $ms ms warm, PSS $((${pss:-0} / 1024)) MiB [$names]"
  done
done

ratio() { python3 -c 'import sys; a, b = sys.argv[1:]; print("NA" if "NA" in (a, b) else f"{float(a) / float(b):.2f}")' "$1" "$2"; }
for kind in cold warm pss; do
  read -r pm pmin pmax pn <<<"$(awk -v k=$kind '$1 == "parley" && $2 == k {print $3}' "$scratch/results" | stats)"
  read -r nm nmin nmax nn <<<"$(awk -v k=$kind '$1 == "parley-new" && $2 == k {print $3}' "$scratch/results" | stats)"
  read -r em emin emax en <<<"$(awk -v k=$kind '$1 == "empty" && $2 == k {print $3}' "$scratch/results" | stats)"
  case $kind in cold) id=P3cold ;; warm) id=P3warm ;; pss) id=P5 ;; esac
  if [ "$pn" = 0 ]; then
    echo "RESULT id=$id messages=$messages parley=NA peer=$em n=0 note=not-measured"
    continue
  fi
  case $kind in
    pss) unit=KiB; label="P5 PSS, idle ${settle}s after painted"; target="<= 1.2" ;;
    *) unit=ms; label="P3 start-up to painted, $kind"; target="<= 1.1" ;;
  esac
  echo "$label (median, min-max, n; $unit):"
  echo "  empty Tauri: $em ($emin-$emax, n=$en)  <- the peer"
  echo "  Parley     : $pm ($pmin-$pmax, n=$pn)"
  echo "  ratio      : $(ratio "$pm" "$em") (target $target)"
  if [ "$nn" != 0 ]; then
    echo "  Parley, empty workspace: $nm ($nmin-$nmax, n=$nn), ratio to the peer $(ratio "$nm" "$em")"
  fi
  echo "RESULT id=$id messages=$messages unit=$unit parley=$pm peer=$em n=$pn parley_min=$pmin parley_max=$pmax"
done
