"""Drives the real Parley window: the built binary, under Xvfb and a private D-Bus session,
through tauri-driver and WebKitWebDriver. Started by tests/e2e/run.sh, which provides the
display, the bus, a notification daemon, a bus monitor and tauri-driver on 127.0.0.1:4444."""

import base64
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Seconds any one WebDriver call may take (opening the session included) before it fails.
SESSION_TIMEOUT = 90
ARTIFACTS = pathlib.Path(os.environ.get("PARLEY_E2E_ARTIFACTS", ROOT / "tests/e2e/artifacts"))
# What run.sh's dbus-monitor saw of the notification daemon's interface, for the whole run.
LOG = ARTIFACTS / "notifications.log"


def app_binary() -> str:
    path = os.environ.get("PARLEY_APP_BIN")
    if not path:
        target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
        path = os.path.join(target, "debug", "parley")
    path = os.path.abspath(path)
    if not os.path.exists(path):
        pytest.exit(f"the app is not built: {path} (run cargo build -p parley-app --features custom-protocol)")
    return path


# Secrets the tests hand to Parley: the demo's own credentials (crates/parley-sim/src/demo.rs,
# crates/parley-core/src/demo.rs, the Twilio fake's test token), the mail password, and every
# token a test adds (`remember_secret`). Parley keeps them in the keychain only: after each test
# its whole workspace — data (SQLite, WAL and journals included), config and logs, written at
# debug level — and at the end of the run the artifacts (the apps' output among them) are
# searched for each, raw, URL-encoded and base64-encoded. `data/demo/` is the simulated
# providers' own state (the servers' side, which must know its tokens) and is not Parley's.
SECRETS = {
    "DEMO-parley-not-a-secret",
    "EAAParleyDemoPageToken0000000000000000ZDZD",
    "9b1f0e7d6c5a4b3e2d1c0f9e8d7c6b5a",
    "correct horse battery staple",
}


def remember_secret(value: str) -> str:
    SECRETS.add(value)
    return value


def secret_forms(secret: str) -> list:
    raw = secret.encode()
    return sorted({raw, urllib.parse.quote(secret, safe="").encode(),
                   urllib.parse.quote_plus(secret).encode(), base64.b64encode(raw)})


def leaked_secrets(root: pathlib.Path, skip=()) -> list:
    """(file, secret) for every secret found in a file under `root` (but not under `skip`)."""
    found = []
    forms = {s: secret_forms(s) for s in SECRETS}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(path.is_relative_to(k) for k in skip):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for secret, variants in forms.items():
            if any(v in data for v in variants):
                found.append((str(path), secret))
    return found


class Workspace:
    """A private data folder for one run of the app (kept across restarts within a test)."""

    def __init__(self):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="parley-e2e-"))

    @property
    def env(self):
        return {
            "PARLEY_DATA_DIR": str(self.root / "data"),
            "PARLEY_CONFIG_DIR": str(self.root / "config"),
            "PARLEY_LOG_DIR": str(self.root / "logs"),
            "PARLEY_KEYRING_SERVICE": "parley-e2e",
            # Replies to customers whose zone is known (phone, email) would wait for their
            # morning at night: tests start with quiet hours off (test_quiet_hours.py turns
            # them on in Settings).
            "PARLEY_QUIET_HOURS": "off",
            # The most the log may say, for the secrets sweep (see `leaked_secrets`).
            "PARLEY_LOG": "debug",
        }

    def demo_url(self, service: str, timeout=20.0) -> str:
        """The base URL of one of the demo's fakes ("telegram", "graph", "twilio"), as the app
        wrote it to data/demo/endpoint.json."""
        path = self.root / "data/demo/endpoint.json"
        deadline = time.time() + timeout
        while time.time() < deadline:
            if path.exists():
                try:
                    endpoint = json.loads(path.read_text())
                    url = endpoint.get(service)
                    if url:
                        CONTROL_SECRETS[url.rstrip("/")] = endpoint.get("control_secret")
                        return url
                except ValueError:
                    pass
            time.sleep(0.1)
        raise AssertionError(f"the demo wrote no {service} fake to {path}")

    def fake_url(self, timeout=20.0) -> str:
        return self.demo_url("telegram", timeout)


# The demo fakes' control API answers only to the app's per-run secret, which the app writes
# beside their addresses in data/demo/endpoint.json: base URL -> secret, as read from there.
CONTROL_SECRETS = {}


class ControlApi:
    """A fake's HTTP /control/ API (JSON in, JSON out), with the run's secret when it has one."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def _request(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        secret = CONTROL_SECRETS.get(self.base)
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.read()

    def _call(self, method, path, body=None):
        return json.loads(self._request(method, path, body) or b"null")

    def get_bytes(self, path):
        return self._request("GET", path)


class Fake(ControlApi):
    """The demo's fake Telegram server, through its control API."""

    def customer(self, first_name, last_name=None):
        return self._call("POST", "/control/customers", {"first_name": first_name, "last_name": last_name})["id"]

    def inject(self, chat_id, text):
        return self._call("POST", "/control/inject", {"chat_id": chat_id, "text": text})

    def sent(self):
        return self._call("GET", "/control/sent")

    def fault(self, method, fault, times=1):
        """The next `times` calls of `method` ("*" for any) get `fault` ({"type": ...})."""
        return self._call("POST", "/control/fault", {"method": method, "fault": fault, "times": times})

    def clear_faults(self):
        return self._call("POST", "/control/clear_faults", {})


def free_ports(n: int) -> list:
    """n distinct free ports: all sockets are held open together so none is handed out twice."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_port(port, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"tauri-driver did not listen on {port}")


def workspace_processes(workspace) -> list:
    """The pids of every process started for this workspace (tauri-driver, WebKitWebDriver, the
    app), found by the data folder in their environment."""
    needle = f"PARLEY_DATA_DIR={workspace.root / 'data'}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = pathlib.Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = pathlib.Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environ and state != "Z":
            pids.append(int(entry))
    return pids


def alive(pid) -> bool:
    """The process exists and has not finished exiting (a zombie has released everything)."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def reap(workspace, when, spare=frozenset()):
    """Makes sure nothing started for `workspace` outlives it. Ending the session does not always
    end the app: now and then (about 1 quit in 10 here) WebKitWebDriver is gone before it stopped
    the app it launched, and the app runs on, window open, event loop idle (seen with gdb). Left
    alone it goes on syncing its demo and raising notifications on the shared bus while later
    tests count theirs (a CI failure: a demo customer's photo notified during the do-not-disturb
    test). What had to be stopped is listed in artifacts/reaped.log, with its logs beside it.
    `spare`: processes that were running before this app started (another app on the same
    workspace, which the test still uses)."""

    # A process is ours from the moment it is seen until it has really ended: one that is
    # exiting may no longer show its environment while it still holds the workspace's lock.
    seen = set()

    def ours():
        seen.update(p for p in workspace_processes(workspace) if p not in spare)
        seen.intersection_update(p for p in seen if alive(p))
        return sorted(seen)

    deadline = time.time() + 2
    while ours() and time.time() < deadline:
        time.sleep(0.1)
    left = ours()
    if not left:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / "reaped.log", "a") as log:
        for pid in left:
            try:
                cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                cmd = "?"
            test = os.environ.get("PYTEST_CURRENT_TEST", "?")
            log.write(f"{time.strftime('%H:%M:%S')} {test} {when}: still running 2 s after: {pid} {cmd}\n")
    # Its logs say what it was doing; the workspace is about to be deleted.
    if (workspace.root / "logs").is_dir():
        shutil.copytree(workspace.root / "logs", ARTIFACTS / f"reaped-{workspace.root.name}", dirs_exist_ok=True)
    # A killed process can take a while to go on a loaded machine (one seen in CI still held the
    # workspace 12 s on, stuck in the kernel under heavy disk load): the next app on this
    # workspace must not start before it is gone, so wait for that, however long it takes.
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 120)):
        for pid in ours():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + grace
        while ours() and time.time() < deadline:
            time.sleep(0.1)
    left = ours()
    assert not left, f"processes of {workspace.root} outlived SIGKILL by 120 s: {left}"


class App(webdriver.Remote):
    """A WebDriver session on the app, owning the tauri-driver that runs it."""

    driver_process: subprocess.Popen
    workspace: "Workspace"
    # The workspace's processes from before this app started: not this app's to stop.
    spare: frozenset

    def quit(self):
        try:
            super().quit()
        finally:
            self.driver_process.terminate()
            try:
                self.driver_process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver_process.kill()
            reap(self.workspace, "after quit", self.spare)


def start_app(workspace: Workspace, extra_env=None) -> App:
    # tauri-driver hands its environment to the app, so each app gets a tauri-driver of its own
    # whose environment points the app at this test's private folders.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    last_error = None
    spare = frozenset(workspace_processes(workspace))
    for _attempt in range(3):
        port, native = free_ports(2)
        log = open(ARTIFACTS / "tauri-driver.log", "ab")
        process = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native)],
            env={**os.environ, **workspace.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_port(port)
            # tauri-driver forwards the new session to WebKitWebDriver, which it starts itself;
            # asking before that one listens gets "connection refused" from tauri-driver.
            wait_port(native)
            options = ArgOptions()
            options.set_capability("browserName", "wry")
            options.set_capability("tauri:options", {"application": app_binary()})
            # A bound on every WebDriver call: an app that dies while the session is being
            # created must fail this attempt, not hang the suite.
            url = f"http://127.0.0.1:{port}"
            driver = App(command_executor=url, options=options,
                         client_config=ClientConfig(url, timeout=SESSION_TIMEOUT))
        except Exception as e:  # the driver stack failed to start, not the app under test
            last_error = e
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            # The session may have failed after the app was launched: it must not live on.
            reap(workspace, "after a failed session", spare)
            continue
        driver.driver_process = process
        driver.workspace = workspace
        driver.spare = spare
        driver.implicitly_wait(0)
        return driver
    raise AssertionError(f"tauri-driver could not open a session three times: {last_error!r}")


def wait_for(driver, what, check, timeout=20.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check(driver)
            if last:
                return last
        except Exception as e:  # the DOM moves under us while Svelte re-renders
            last = e
        time.sleep(0.1)
    screenshot(driver, "timeout-" + what.replace(" ", "-"))
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def screenshot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def ipc(driver, command, args=None):
    """Calls a command of the app through its real IPC, from the page, as the window does."""
    out = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
           window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
             .then((ok) => done({ ok: ok === undefined ? null : ok }),
                   (err) => done({ err: String((err && err.message) || err) }));""",
        command,
        args or {},
    )
    if "err" in out:
        raise AssertionError(f"{command} failed: {out['err']}")
    return out["ok"]


def wait_seeded(app):
    """Every demo account live and the demo's own workflow applied (crates/parley-core/src/
    demo_workflow.rs: it resolves, snoozes and labels some of its conversations as they arrive,
    which moves the Open view; its last step is Priya's priority). A test that watches the
    Open view's order or counts waits for this first."""
    wait_for(app, "every account live",
             lambda d: by_testid(d, "sync-indicator")[0].get_attribute("data-tone") == "ok", timeout=60)
    wait_for(app, "the demo's workflow seeded", lambda d: any(
        t["contactName"] == "Priya Natarajan" and t["priority"] == 2
        for t in ipc(d, "list_threads", {"cursor": None, "limit": 200})["threads"]), timeout=100)


# A thread row by the customer's name shown in it (a script for `execute_script`).
ROW_NAMED = """
for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
  const name = row.querySelector('[data-testid="thread-name"]');
  if (name && name.textContent === arguments[0]) return row;
}
return null;
"""


def texts(driver, testid):
    """The text of every element with this data-testid, in document order."""
    return driver.execute_script(
        "return [...document.querySelectorAll(`[data-testid='${arguments[0]}']`)].map(e => e.textContent)",
        testid,
    )


def by_testid(driver, testid):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def target_binary(name: str) -> str:
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return os.path.join(target, "debug", name)


@pytest.fixture
def fake_telegram():
    """A stand-alone fake Bot API (the `fake-telegram` binary) for adding a real-looking bot."""
    binary = target_binary("fake-telegram")
    if not os.path.exists(binary):
        pytest.exit(f"{binary} is not built (cargo build -p parley-sim --bin fake-telegram)")
    process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    info = json.loads(process.stdout.readline())
    remember_secret(info["token"].split(":", 1)[-1])
    yield info["url"], info["token"], Fake(info["url"])
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def workspace():
    ws = Workspace()
    yield ws
    reap(ws, "at the end of the test")
    leaks = leaked_secrets(ws.root, skip=[ws.root / "data" / "demo"])
    if leaks:
        kept = ARTIFACTS / f"leaked-{ws.root.name}"
        shutil.copytree(ws.root, kept, dirs_exist_ok=True)
    shutil.rmtree(ws.root, ignore_errors=True)
    assert not leaks, f"secrets found in the workspace (kept in {ARTIFACTS}): {leaks}"


@pytest.fixture(scope="session", autouse=True)
def secrets_sweep():
    """After the whole run: no secret in anything the apps wrote beside their workspaces (their
    output through tauri-driver, the notification logs)."""
    yield
    if ARTIFACTS.is_dir():
        leaks = [leak for leak in leaked_secrets(ARTIFACTS) if "/leaked-" not in leak[0]
                 and not leak[0].endswith(".png")]
        assert not leaks, f"secrets found in the run's output: {leaks}"


@pytest.fixture
def app(workspace):
    driver = start_app(workspace)
    yield driver
    try:
        driver.quit()
    except Exception:
        pass


# ---- native notifications, as the bus saw them ----

def log_mark():
    """Where the bus log ends now: calls before it belong to earlier tests."""
    return len(LOG.read_text(errors="replace").splitlines()) if LOG.exists() else 0


def notify_calls(since=0, sender=None):
    """Every Notify method call in the bus log after line `since` (from one bus connection when
    `sender` is given), as (app_name, replaces_id, summary, body)."""
    return [call for who, call in sent_notify_calls(since) if sender is None or who == sender]


def sent_notify_calls(since=0):
    """Every Notify method call after line `since` as (sender, call): the sender is the unique bus
    name (":1.42") of the connection that made it, that is of one app process."""
    if not LOG.exists():
        return []
    calls = []
    lines = LOG.read_text(errors="replace").splitlines()[since:]
    for i, line in enumerate(lines):
        if "member=Notify" in line and "method call" in line:
            sender = re.search(r"\bsender=(\S+)", line)
            # Notify(app_name s, replaces_id u, app_icon s, summary s, body s, actions as, ...)
            args = []
            for nxt in lines[i + 1:i + 8]:
                m = re.match(r'\s*(string|uint32) (?:"(.*)"|(\d+))$', nxt)
                if m:
                    args.append(m.group(2) if m.group(1) == "string" else int(m.group(3)))
                if len(args) == 5:
                    break
            if len(args) == 5:
                calls.append((sender and sender.group(1), (args[0], args[1], args[3], args[4])))
    return calls
