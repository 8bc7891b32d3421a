#!/usr/bin/env bash
# Issue 19: BUDGETS' speed and size table in one command. Runs every benchmark against its floor
# or peer and prints one table — figure, Parley, peer, ratio, budget, pass/fail — with the date,
# the machine (cores, memory) and its load, and writes it to a file.
#
#   bench/all.sh [-m MESSAGES] [-c CORPUS] [--soak MINUTES] [--soak-alongside] [--only STEPS]
#                [-o FILE]                                                         # the full run
#   bench/all.sh --smoke [-o FILE]                                              # CI's smoke
#
# The full run (1M messages, a soak of 60 minutes by default; the 8 h soak is `--soak 480`; -c sets
# P1/P2's corpus apart from the workspace, by default the same size):
#   P1, P2  crates/parley-store/benches/ingest_search.rs (release, `cargo bench`): ingest against a
#           bare rusqlite insert of the same rows with FTS; the first page of Store::search. It also
#           writes the corpus as a maildir (/var/tmp/parley-bench-maildir-<MESSAGES>, once), which
#           bench/notmuch_search.py indexes (`notmuch new`, once) and asks the same queries through
#           notmuch's library: P2's peer (Debian's notmuch and python3-notmuch2).
#   P3, P5  bench/startup_memory.sh: start-up to the inbox painted (cold and warm) and the process
#           tree's PSS, against the empty Tauri app.
#   P4      bench/window_switch.sh: a click on a conversation of 5k-8k messages until the frame
#           with its newest message is painted, by the page's clock (also issue 13's view switch).
#   P6      bench/package_size.sh: the .deb.
#   P5b     bench/startup_memory.sh --soak: the tree's PSS growth with the demo's live traffic.
#           Last, since it is long; --soak-alongside starts it as soon as Parley and the workspace
#           are built and lets it run beside the other steps (less quiet figures, for when time is
#           short: the table says so).
# Each step's output is kept (the log directory is printed); each script prints `RESULT id=..`
# lines, which this collects. The table goes to FILE, by default bench/results/<date>.md.
# --only runs some of the steps (comma-separated: ingest, notmuch, startup, window, package, soak);
# the table marks the others' rows "not run".
# PARLEY_BENCH_START_ROUNDS (P3/P5, default 5) and PARLEY_BENCH_SWITCH_ROUNDS (P4, default 20) set
# the window benches' rounds.
#
# --smoke (CI, scripts/test.sh): the same steps with tiny data (300 messages in the workspace, 2,000
# in P1/P2's corpus), one round each, on the test-profile builds CI already has — the bench
# targets through `cargo test --bench`, the debug app $CARGO_TARGET_DIR/debug/parley — and no
# release build: no peer app (P3/P5 without the empty Tauri app) and no package (P6 not run); no
# cold start either (it would drop the shared machine's page cache).
# It checks that every step runs and reports its figures; it never fails on a budget. The table
# goes to FILE or the log directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
smoke="" messages=1000000 corpus="" soak=60 every=10 alongside="" out=""
only="ingest,notmuch,startup,window,package,soak"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    -m) messages="$2"; shift 2 ;;
    -c) corpus="$2"; shift 2 ;;
    --soak) soak="$2"; shift 2 ;;
    --every) every="$2"; shift 2 ;;
    --soak-alongside) alongside=1; shift ;;
    --only) only="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    *) sed -n '2,39p' "$0"; exit 2 ;;
  esac
done
notmuch_python="${PARLEY_NOTMUCH_PYTHON:-/usr/bin/python3}"
logs="$(mktemp -d /var/tmp/parley-all.XXXXXX)"
results="$logs/results"
: >"$results"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s)
failed=""
wants() { [[ ",$only," == *",$1,"* ]]; }

step() { printf '\n\033[1m==> %s\033[0m [%s s]\n' "$1" "$(($(date +%s) - started))"; }
# collect NAME COMMAND...: runs it, its output to the terminal and NAME.log, its RESULT lines kept.
collect() {
  local name="$1" status=0
  shift
  "$@" >"$logs/$name.log" 2>&1 || status=$?
  grep -v '^RESULT ' "$logs/$name.log" | tail -40 || true
  grep '^RESULT ' "$logs/$name.log" >>"$results" || true
  if [ "$status" != 0 ]; then
    echo "!! $name failed (exit $status); its log: $logs/$name.log"
    failed="$failed $name"
  fi
}

if [ -n "$smoke" ]; then
  messages=300 corpus=2000 rounds=1 start_rounds=1 switch_rounds=1 settle=1 soak=0 every=1
  target="${CARGO_TARGET_DIR:-$root/target}"
  export PARLEY_BENCH_NO_BUILD=1 PARLEY_BENCH_WARM_ONLY=1 PARLEY_BENCH_APP_BIN="$target/debug/parley" \
    PARLEY_BENCH_EMPTY_BIN="$logs/no-peer-in-smoke" PARLEY_BENCH_WORKSPACE="$logs/workspace"
  [ -x "$PARLEY_BENCH_APP_BIN" ] || { echo "no app at $PARLEY_BENCH_APP_BIN (build it first)"; exit 1; }
  maildir="$logs/maildir"
  mkdir -p "$PARLEY_BENCH_WORKSPACE"
  # Only the logs are kept.
  trap 'rm -rf "$PARLEY_BENCH_WORKSPACE" "$maildir" "$maildir.notmuch-config" "$maildir.lock"' EXIT
  step "Smoke: the workspace ($messages messages, test profile)"
  collect workspace bash -c 'cd "$0" && cargo test --locked -q -p parley-store --bench gen_workspace -- "$1" "$2"' \
    "$root" "$PARLEY_BENCH_WORKSPACE" "$messages"
  bench_cmd=(cargo test --locked -q -p parley-store --bench ingest_search)
else
  corpus="${corpus:-$messages}" rounds=40 settle=15
  start_rounds="${PARLEY_BENCH_START_ROUNDS:-5}" switch_rounds="${PARLEY_BENCH_SWITCH_ROUNDS:-20}"
  export PARLEY_BENCH_NO_BUILD=1
  maildir="/var/tmp/parley-bench-maildir-$corpus"
  step "Release builds (Parley, the generator) and the workspace ($messages messages)"
  # shellcheck source=bench/lib.sh
  if wants startup || wants window || wants soak; then
    (. "$root/bench/lib.sh" && PARLEY_BENCH_NO_BUILD="" bench_build && bench_workspace)
  fi
  bench_cmd=(env CARGO_TARGET_DIR="${PARLEY_RELEASE_TARGET:-/var/tmp/parley-release}" cargo bench --locked -q
    -p parley-store --bench ingest_search)
fi

soak_pid=""
soak_cmd=("$root/bench/startup_memory.sh" -m "$messages" --soak "$soak" --every "$every")
if [ -n "$alongside" ] && [ -z "$smoke" ] && wants soak; then
  step "P5b soak, $soak min, started now and running beside the other steps"
  ("${soak_cmd[@]}" >"$logs/soak.log" 2>&1; echo $? >"$logs/soak.status") &
  soak_pid=$!
fi
if [ -z "$smoke" ] && wants startup; then
  step "Release build of the peer, the empty Tauri app"
  (. "$root/bench/lib.sh" && PARLEY_BENCH_NO_BUILD="" bench_build_peer)
fi

if wants ingest; then
step "P1 ingest and P2 search ($corpus messages)"
collect ingest_search bash -c 'cd "$0" && PARLEY_BENCH_MESSAGES="$1" PARLEY_BENCH_ROUNDS="$2" PARLEY_BENCH_MAILDIR="$3" "${@:4}"' \
  "$root" "$corpus" "$rounds" "$maildir" "${bench_cmd[@]}"
fi

if wants startup; then
  step "P3 start-up and P5 memory ($start_rounds rounds)"
  collect startup "$root/bench/startup_memory.sh" -n "$start_rounds" -m "$messages" -s "$settle"
fi

if wants window; then
  step "P4 thread switch in the window ($switch_rounds rounds)"
  collect window "$root/bench/window_switch.sh" -n "$switch_rounds" -m "$messages"
fi

if [ -z "$smoke" ] && wants package; then
  step "P6 the .deb"
  collect package "$root/bench/package_size.sh"
fi

step "P2's peer: notmuch on the same corpus as a maildir"
mapfile -t queries < <(sed -n 's/^RESULT id=P2 .* query=//p' "$results")
if ! wants notmuch; then
  echo "not run (--only)"
elif [ ${#queries[@]} = 0 ]; then
  echo "!! no P2 queries to ask notmuch"
  failed="$failed notmuch"
else
  collect notmuch "$notmuch_python" "$root/bench/notmuch_search.py" "$maildir" "$rounds" 50 "${queries[@]}"
fi

if [ -n "$soak_pid" ]; then
  step "P5b: waiting for the soak started first"
  wait "$soak_pid" || true
  grep -v '^RESULT ' "$logs/soak.log" | tail -20 || true
  grep '^RESULT ' "$logs/soak.log" >>"$results" || true
  [ "$(cat "$logs/soak.status" 2>/dev/null)" = 0 ] || failed="$failed soak"
elif wants soak; then
  step "P5b soak, $soak min"
  collect soak "${soak_cmd[@]}"
fi

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "$out" ]; then
  if [ -n "$smoke" ]; then out="$logs/table.md"; else out="$root/bench/results/$(date -u +%F).md"; fi
fi
mkdir -p "$(dirname "$out")"
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . 2>/dev/null || echo +changes)"
status=0
python3 - "$results" "$out" "${smoke:+smoke}" "$messages" "$corpus" "$soak" "${alongside:+alongside}" \
  "$load_before" "$load_after" "$commit" "$(($(date +%s) - started))" "$failed" "$only" <<'EOF' || status=$?
import os, platform, statistics, sys, time

(results, out, smoke, messages, corpus, soak, alongside, load_before, load_after, commit, took,
 failed, only) = sys.argv[1:]
ran = set(only.split(","))
if smoke:
    ran.discard("package")
STEP = {"P1": "ingest", "P2": "ingest", "P2peer": "notmuch", "P3cold": "startup", "P3warm": "startup",
        "P5": "startup", "P4": "window", "P5b": "soak", "P6": "package"}
NAME = {"P1": "P1 ingest with FTS", "P2": "P2 search, first page", "P3cold": "P3 start-up, cold",
        "P3warm": "P3 start-up, warm", "P5": "P5 PSS, idle", "P4": "P4 thread switch in the window",
        "P5b": "P5b PSS growth over a soak", "P6": "P6 the .deb"}
rows = {}
for line in open(results, encoding="utf-8"):
    head, _, query = line.rstrip("\n").partition(" query=")
    fields = dict(kv.split("=", 1) for kv in head.split()[1:] if "=" in kv)
    if query:
        fields["query"] = query
    rows.setdefault(fields["id"], []).append(fields)


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(v, unit="", digits=1):
    return "NA" if v is None else f"{v:,.{digits}f}{unit}"


def verdict(ok):
    # The smoke's tiny data says nothing about the budgets.
    return "—" if ok is None or smoke else ("pass" if ok else "**FAIL**")


table = []  # figure, parley, peer, ratio, budget, verdict
missing = []


def not_run(rid):
    why = "no release build in the smoke" if smoke and rid == "P6" else "not run (--only)"
    table.append((NAME[rid], why, "—", "—", "—", "—"))


def one(rid):
    got = rows.get(rid)
    if not got:
        if STEP[rid] in ran:
            missing.append(rid)
        else:
            not_run(rid)
        return None
    return got[-1]


r = one("P1")
if r:
    p, q = num(r.get("parley_msg_s")), num(r.get("peer_msg_s"))
    ratio = p / q if p and q else None
    table.append((f"P1 ingest with FTS, {int(r['messages']):,} messages (msg/s)", fmt(p, "", 0),
                  fmt(q, "", 0) + " bare rusqlite + FTS", fmt(ratio, "×", 2), "≥ 0.8×",
                  verdict(None if ratio is None else ratio >= 0.8)))

peers = {x["query"]: x for x in rows.get("P2peer", [])}
if not rows.get("P2"):
    one("P2")
for r in rows.get("P2", []):
    q = r["query"]
    p50, p95 = num(r.get("p50_ms")), num(r.get("p95_ms"))
    n = peers.get(q)
    if n is None and "notmuch" in ran:
        missing.append(f"P2peer {q}")
    n50, n95 = (num(n.get("lib_p50_ms")), num(n.get("lib_p95_ms"))) if n else (None, None)
    ratio = p50 / n50 if p50 is not None and n50 else None
    ok = None if p95 is None else (p95 <= 10 and (ratio is None or ratio <= 0.5))
    if ratio is None and p95 is not None and p95 > 10:
        ok = False
    table.append((f"P2 search `{q}`, first page, {int(r['messages']):,} messages ({r['hits']} / "
                  f"{n['hits'] if n else '?'} hits)",
                  f"{fmt(p50, ' ms', 2)} (p95 {fmt(p95, ' ms', 2)})",
                  f"{fmt(n50, ' ms', 2)} (p95 {fmt(n95, ' ms', 2)}) notmuch",
                  fmt(ratio, "×", 2), "p95 ≤ 10 ms, ≤ 0.5× notmuch", verdict(ok)))

for rid, label, budget, unit, scale in (
        ("P3cold", "P3 start-up to the inbox painted, cold", 1.1, " ms", 1),
        ("P3warm", "P3 start-up to the inbox painted, warm", 1.1, " ms", 1),
        ("P5", "P5 PSS of the process tree, idle", 1.2, " MiB", 1024)):
    r = one(rid)
    if not r:
        continue
    p, q = num(r.get("parley")), num(r.get("peer"))
    p = p / scale if p is not None else None
    q = q / scale if q is not None else None
    ratio = p / q if p is not None and q else None
    table.append((f"{label}, {int(r['messages']):,} messages (median of {r.get('n')})",
                  fmt(p, unit, 0), fmt(q, unit, 0) + " empty Tauri" if q else "NA (no peer)",
                  fmt(ratio, "×", 2), f"≤ {budget}×", verdict(None if ratio is None else ratio <= budget)))

r = one("P5b")
if r:
    g = num(r.get("growth_pct"))
    table.append((f"P5b PSS growth over a {r['minutes']} min soak with demo traffic "
                  f"({int(r['first_kib']) // 1024} → {int(r['last_kib']) // 1024} MiB, max "
                  f"{int(r['max_kib']) // 1024}, {r['samples']} samples)", fmt(g, " %", 1), "—", "—", "≤ 10 %",
                  verdict(None if g is None else g <= 10)))

r = one("P4")
if r:
    p50, p95 = num(r.get("p50_ms")), num(r.get("p95_ms"))
    table.append((f"P4 thread switch in the window, {r['sizes']} messages each, {r['n']} switches",
                  f"{fmt(p50, ' ms', 1)} (p95 {fmt(p95, ' ms', 1)})", "—", "—", "p95 ≤ 16 ms",
                  verdict(None if p95 is None else p95 <= 16)))
r = rows.get("V13", [None])[-1]
if r:
    table.append((f"(issue 13) view switch in the window, {r['n']} switches",
                  f"{fmt(num(r['p50_ms']), ' ms', 1)} (p95 {fmt(num(r['p95_ms']), ' ms', 1)})", "—", "—",
                  "≤ 50 ms", verdict(num(r["p95_ms"]) <= 50)))

r = one("P6")
if r:
    b = num(r.get("deb_bytes"))
    table.append(("P6 the .deb", fmt(b / 1e6 if b else None, " MB", 2), "—", "—", "≤ 8 MB",
                  verdict(None if b is None else b <= 8e6)))

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
lines = [
    f"# BUDGETS table{' (smoke: tiny data, one round, debug builds — not figures)' if smoke else ''}",
    "",
    f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit {commit}; `bench/all.sh"
    f"{' --smoke' if smoke else ''}` took {int(took) // 60} min",
    f"- machine: {os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.1f} GiB memory, "
    f"{platform.system()} {platform.release()}",
    f"- load average (1, 5, 15 min): {load_before} before, {load_after} after — the machine is shared",
    f"- data: {int(messages):,} messages in the workspace (P3, P4, P5), {int(corpus):,} in P1/P2's corpus; "
    f"soak {soak} min{' (run alongside the other steps)' if alongside else ''}",
    "",
    "| figure | Parley | peer | ratio | budget | result |",
    "|---|---|---|---|---|---|",
]
lines += ["| " + " | ".join(row) + " |" for row in table]
if failed.strip():
    lines += ["", f"Steps that failed: {failed.strip()} (see their logs)."]
if missing:
    lines += ["", f"Figures missing: {', '.join(missing)}."]
lines += ["", "Medians unless stated; P2's peer is notmuch through its library (the CLI's figures are in the",
          "raw lines). The raw lines:", "", "```"] + [l.rstrip() for l in open(results, encoding="utf-8")] + ["```", ""]
open(out, "w", encoding="utf-8").write("\n".join(lines))
print("\n".join(lines[:len(table) + 10]))
sys.exit(3 if missing else 0)
EOF
echo "The table: $out; the logs: $logs"
if [ -n "$failed" ] || [ "$status" != 0 ]; then
  echo "!! incomplete:${failed:- some figures are missing}"
  exit 1
fi
