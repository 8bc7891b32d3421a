"""Injects messages into the demo's fake Telegram server one at a time and times each until
the app's Notify call for it appears in dbus-monitor's log. Started by notify_latency.sh, which
provides the bus, the display, the daemon, the monitor and the app."""

import argparse
import json
import pathlib
import re
import statistics
import sys
import time
import urllib.request

CALL = re.compile(r"^method call time=(\d+\.\d+) .*member=Notify\b")
STRING = re.compile(r'^\s*string "(.*)"$')


def post(endpoint, path, body):
    """POSTs to the demo Telegram fake's control API with the run's secret."""
    base, secret = endpoint
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def wait_endpoint(path, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            endpoint = json.loads(path.read_text())
            return endpoint["telegram"].rstrip("/"), endpoint["control_secret"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    sys.exit(f"the app's demo never wrote {path}")


def notify_calls(log):
    """(dbus-monitor time, summary, body) of every Notify call so far."""
    lines = log.read_text(errors="replace").splitlines()
    calls = []
    for i, line in enumerate(lines):
        m = CALL.match(line)
        if not m:
            continue
        strings = [s.group(1) for s in map(STRING.match, lines[i + 1:i + 8]) if s]
        if len(strings) >= 4:  # app_name, app_icon, summary, body
            calls.append((float(m.group(1)), strings[2], strings[3]))
    return calls


def wait_call(log, body, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for at, _, b in notify_calls(log):
            if b == body:
                return at
        time.sleep(0.005)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", type=pathlib.Path, required=True)
    ap.add_argument("--bus-log", type=pathlib.Path, required=True)
    ap.add_argument("--messages", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()

    fake = wait_endpoint(args.endpoint)
    # Let the first sync finish (its summary is on the bus) so the account is live.
    if wait_call_summary(args.bus_log, 60.0) is None:
        print("warning: no initial-sync summary seen; measuring anyway", file=sys.stderr)
    time.sleep(1.0)

    latencies, missing = [], 0
    run = int(time.time())
    for i in range(args.messages):
        # A customer per message: each is a fresh notification, not an update of the last.
        chat = post(fake, "/control/customers", {"first_name": "Bench", "last_name": f"Customer {i}"})["id"]
        body = f"bench {run} message {i}"
        sent = time.time()
        post(fake, "/control/inject", {"chat_id": chat, "text": body})
        at = wait_call(args.bus_log, body, args.timeout)
        if at is None:
            missing += 1
            print(f"{i:3d}  no Notify within {args.timeout:.0f} s", file=sys.stderr)
            continue
        latencies.append((at - sent) * 1000.0)
        time.sleep(0.2)  # apart, so each measures one message rather than a queue

    if not latencies:
        sys.exit("no notification arrived")
    latencies.sort()
    print(f"inject -> Notify on the bus: n={len(latencies)} (missing {missing})")
    print(f"  median {statistics.median(latencies):.1f} ms")
    print(f"  p90    {latencies[int(0.9 * (len(latencies) - 1))]:.1f} ms")
    print(f"  worst  {latencies[-1]:.1f} ms   best {latencies[0]:.1f} ms")
    print(f"  target under 500 ms: {'met' if latencies[-1] < 500 else 'NOT met'}")
    if missing:
        sys.exit(1)


def wait_call_summary(log, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(s == "Parley" and "synced" in b for _, s, b in notify_calls(log)):
            return True
        time.sleep(0.1)
    return None


if __name__ == "__main__":
    main()
