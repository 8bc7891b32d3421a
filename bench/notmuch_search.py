"""P2's peer: `notmuch search` on the corpus of crates/parley-store/benches/ingest_search.rs,
written as a maildir by that bench (PARLEY_BENCH_MAILDIR), first page of the same queries.

    /usr/bin/python3 bench/notmuch_search.py MAILDIR ROUNDS PAGE QUERY...

Indexes the maildir once (`notmuch new`, with a config file beside it, MAILDIR.notmuch-config;
under a lock, MAILDIR.lock, so a second run waits for an indexing under way and then uses it),
then times each query ROUNDS times two ways, in turn:
  lib: through notmuch's library (Debian's python3-notmuch2): the database opened once, as
       Parley's Store is, then the query sorted newest first and its first PAGE messages read
       (id, thread, date, From) — the whole query to the first page, as Parley's P2 is measured;
  cli: `notmuch search --output=summary --limit=PAGE` (process start and database open included),
       for reference, at most 5 rounds.
A query is asked as Parley's search box asks it (crates/parley-store/src/text.rs `fts_query`):
its words ANDed, the last one a prefix (`word*`).

Prints one line per query: `RESULT id=P2peer ... lib_p50_ms=.. lib_p95_ms=.. cli_p50_ms=..
cli_p95_ms=.. query=<query>` (the query last: it may hold spaces)."""

import fcntl
import os
import pathlib
import statistics
import subprocess
import sys
import time

import notmuch2


def percentile(values, p):
    ordered = sorted(values)
    return ordered[round((len(ordered) - 1) * p)]


def notmuch_query(query):
    words = query.split()
    return " AND ".join(words[:-1] + [words[-1] + "*"])


def main():
    maildir = pathlib.Path(sys.argv[1]).resolve()
    rounds, page = int(sys.argv[2]), int(sys.argv[3])
    queries = sys.argv[4:]
    config = maildir.parent / (maildir.name + ".notmuch-config")
    config.write_text(f"[database]\npath={maildir}\n[new]\ntags=inbox\n[search]\nexclude_tags=\n"
                      "[user]\nname=Bench\nprimary_email=shop@parley.example\n")
    env = dict(os.environ, NOTMUCH_CONFIG=str(config))
    indexed = maildir / ".notmuch" / "parley-bench-indexed"
    with open(maildir.parent / (maildir.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not indexed.exists():
            started = time.monotonic()
            subprocess.run(["notmuch", "new", "--quiet"], env=env, check=True)
            indexed.write_text("")
            print(f"notmuch new: {maildir} indexed in {time.monotonic() - started:.1f} s", flush=True)
    count = subprocess.run(["notmuch", "count", "*"], env=env, check=True, capture_output=True,
                           text=True).stdout.strip()
    print(f"P2 peer: notmuch {subprocess.run(['notmuch', '--version'], capture_output=True, text=True).stdout.split()[-1]}"
          f", {count} messages, first page of {page}, {rounds} rounds")
    db = notmuch2.Database(path=str(maildir), mode=notmuch2.Database.MODE.READ_ONLY, config=str(config))
    for query in queries:
        q = notmuch_query(query)
        lib, cli = [], []
        hits = 0
        for _ in range(rounds):
            started = time.perf_counter()
            first = []
            for m in db.messages(q, sort=notmuch2.Database.SORT.NEWEST_FIRST,
                                 omit_excluded=notmuch2.Database.EXCLUDE.FALSE):
                first.append((m.messageid, m.threadid, m.date, m.header("from")))
                if len(first) == page:
                    break
            lib.append((time.perf_counter() - started) * 1000)
            hits = len(first)
            if len(cli) == 5:
                continue
            started = time.perf_counter()
            subprocess.run(["notmuch", "search", "--output=summary", f"--limit={page}",
                            "--sort=newest-first", q], env=env, check=True, stdout=subprocess.DEVNULL)
            cli.append((time.perf_counter() - started) * 1000)
        print(f"  {query:<18} lib p50 {statistics.median(lib):7.2f} ms  p95 {percentile(lib, 0.95):7.2f} ms"
              f"   cli p50 {statistics.median(cli):7.2f} ms  ({hits} hits; notmuch query {q!r})")
        print(f"RESULT id=P2peer messages={count} rounds={rounds} hits={hits} lib_p50_ms={statistics.median(lib):.3f} "
              f"lib_p95_ms={percentile(lib, 0.95):.3f} cli_p50_ms={statistics.median(cli):.3f} "
              f"cli_p95_ms={percentile(cli, 0.95):.3f} query={query}", flush=True)


if __name__ == "__main__":
    main()
