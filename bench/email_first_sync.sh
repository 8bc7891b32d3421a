#!/usr/bin/env bash
# Benchmark (not a test), BUDGETS P8: Parley's first IMAP sync of a large generated mailbox from
# a local Dovecot, next to mbsync (Debian isync) syncing the same mailbox to a local Maildir.
#   bench/email_first_sync.sh [messages]      (default 50000)
# Needs dovecot-imapd, python3-aiosmtpd (scripts/setup.sh --test) and isync (apt-get install isync).
# Both clients run against an already-indexed mailbox (a warm-up SELECT first), plain IMAP on
# 127.0.0.1; Parley's figure includes parsing, threading and storing in SQLite (one transaction
# per page), mbsync's writing one file per message.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-50000}"
command -v mbsync >/dev/null || { echo "mbsync is missing: apt-get install isync" >&2; exit 1; }
cd "$here"
cargo build --release -q -p parley-sync --example email_first_sync
bin="${CARGO_TARGET_DIR:-$here/target}/release/examples/email_first_sync"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PYTHONPATH="$here/tests/mail" N="$n" WORK="$work" BIN="$bin" /usr/bin/python3 - <<'PY'
import os, subprocess, time, imaplib, pathlib, random
import servers

n = int(os.environ["N"]); work = pathlib.Path(os.environ["WORK"]); bin_ = os.environ["BIN"]
s = servers.MailServers()
try:
    s.start(sink=False)
    s.stop_dovecot()
    box = s.dir / "mail" / servers.USER
    cur = box / "cur"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    rnd = random.Random(7)
    words = "order parcel invoice refund delivery address size colour thanks please when where".split()
    base = 1_700_000_000
    for i in range(n):
        cust = f"customer{i % 2000}@example.com"
        thread = i // 3
        body = " ".join(rnd.choice(words) for _ in range(40))
        refs = f"In-Reply-To: <m{i-1}@example.com>\r\nReferences: <m{i-1}@example.com>\r\n" if i % 3 else ""
        msg = (f"From: Customer {i % 2000} <{cust}>\r\nTo: {servers.USER}\r\n"
               f"Subject: {'Re: ' if i % 3 else ''}Question {thread}\r\n"
               f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(base + i * 60))}\r\n"
               f"Message-ID: <m{i}@example.com>\r\n{refs}MIME-Version: 1.0\r\n"
               f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
        (cur / f"{base + i}.M{i}P1.bench:2,S").write_text(msg)
    if os.geteuid() == 0:
        uid = (s.dir / "mail").stat().st_uid; gid = (s.dir / "mail").stat().st_gid
        subprocess.run(["chown", "-R", f"{uid}:{gid}", str(box)], check=True)
    print(f"generated {n} messages in {time.time() - t0:.1f} s")
    s.start_dovecot()
    c = s.imap(); t0 = time.time(); c.select("INBOX"); c.logout()
    print(f"dovecot indexed INBOX in {time.time() - t0:.1f} s (warm-up, not counted)")

    env = {**os.environ, "PARLEY_BENCH_IMAP_PORT": str(s.imap_port), "PARLEY_BENCH_USER": servers.USER,
           "PARLEY_BENCH_PASSWORD": servers.PASSWORD, "PARLEY_BENCH_DB": str(work / "parley.sqlite3")}
    out = subprocess.run([bin_], env=env, capture_output=True, text=True, check=True)
    count, secs = out.stdout.split(); count = int(count); secs = float(secs)
    print(out.stderr.strip().splitlines()[-1])
    print(f"parley: {count} messages in {secs:.2f} s = {count / secs:,.0f} msg/s")
    # Split conversations left behind: threads holding a reply whose parent (In-Reply-To) is
    # stored in another thread of the account (joined by the store's thread merge, migration 12).
    import sqlite3
    db = sqlite3.connect(str(work / "parley.sqlite3"))
    threads = db.execute("SELECT COUNT(*) FROM threads").fetchone()[0]
    split = db.execute(
        "SELECT COUNT(DISTINCT m.thread_id) FROM messages m JOIN messages p"
        " ON p.account_id = m.account_id AND p.remote_id = m.reply_to_remote_id"
        " WHERE p.thread_id <> m.thread_id").fetchone()[0]
    db.close()
    print(f"parley: {threads} threads, {split} split from their parent's thread")

    (work / "mbsyncrc").write_text(f"""IMAPAccount bench
Host 127.0.0.1
Port {s.imap_port}
User {servers.USER}
Pass "{servers.PASSWORD}"
SSLType None
AuthMechs LOGIN PLAIN

IMAPStore remote
Account bench

MaildirStore local
Path {work}/maildir/
Inbox {work}/maildir/INBOX
SubFolders Verbatim

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
""")
    (work / "maildir").mkdir()
    t0 = time.time()
    subprocess.run(["mbsync", "-q", "-c", str(work / "mbsyncrc"), "bench"], check=True)
    m = time.time() - t0
    got = len(list((work / "maildir" / "INBOX" / "cur").iterdir())) + len(list((work / "maildir" / "INBOX" / "new").iterdir()))
    print(f"mbsync: {got} messages in {m:.2f} s = {got / m:,.0f} msg/s")
    print(f"ratio (Parley / mbsync throughput): {(count / secs) / (got / m):.2f}x")
finally:
    s.stop()
PY
