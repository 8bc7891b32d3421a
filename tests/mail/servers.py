"""Dovecot + the SMTP sink for the end-to-end tests and the benchmark, in Python.

The same set-up as the Rust harness (crates/parley-channels/tests/it/email_harness.rs): one
temporary directory, tests/mail/dovecot.conf.in filled in, a throw-away CA made with openssl,
free ports on 127.0.0.1, mail stored as a non-root user (`parleymail`, created if missing) when
run as root. `MailServers().start()`; `.stop()` removes everything.
"""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
USER = "agent@shop.test"
PASSWORD = "correct horse battery staple"


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _id(flag, user=None):
    out = subprocess.run(["id", flag] + ([user] if user else []), capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


class MailServers:
    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="parley-mail-"))
        self.imap_port, self.imaps_port, self.smtp_port, self.smtps_port = _free_ports(4)
        self.dovecot = None
        self.sink = None
        self.root = os.geteuid() == 0

    def mail_user(self):
        if not self.root:
            return _id("-un"), _id("-u"), _id("-g")
        if _id("-u", "parleymail") is None:
            subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", "parleymail"], check=False)
        for user in ("parleymail", "mail"):
            uid, gid = _id("-u", user), _id("-g", user)
            if uid and gid and uid != "0":
                return user, uid, gid
        raise RuntimeError("no non-root mail user")

    def start(self, sink=True):
        d = self.dir
        os.chmod(d, 0o755)
        for sub in ("run", "state", "mail", "sink"):
            (d / sub).mkdir(exist_ok=True)
        user, uid, gid = self.mail_user()
        if self.root:
            os.chown(d / "mail", int(uid), int(gid))
        self._certs()
        (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if self.root:
            internal, group, login, chroot = "dovecot", "dovecot", "dovenull", ""
        else:
            internal, group, login, chroot = user, _id("-gn"), user, "chroot ="
        conf = (HERE / "dovecot.conf.in").read_text()
        for k, v in {
            "@DIR@": str(d), "@PORT@": str(self.imap_port), "@TLS_PORT@": str(self.imaps_port),
            "@INTERNAL_USER@": internal, "@INTERNAL_GROUP@": group, "@LOGIN_USER@": login,
            "@MAIL_UID@": str(uid), "@MAIL_GID@": str(gid), "@CHROOT@": chroot,
        }.items():
            conf = conf.replace(k, v)
        (d / "dovecot.conf").write_text(conf)
        self.start_dovecot()
        if sink:
            self.sink = subprocess.Popen(
                ["/usr/bin/python3", str(HERE / "smtp_sink.py"), "--port", str(self.smtp_port),
                 "--tls-port", str(self.smtps_port), "--dir", str(d / "sink"), "--user", USER,
                 "--password", PASSWORD, "--cert", str(d / "server.crt"), "--key", str(d / "server.key")],
                stdout=subprocess.PIPE, stderr=open(d / "sink.stderr", "wb"), stdin=subprocess.DEVNULL)
            line = self.sink.stdout.readline().decode().strip()
            assert line == "READY", f"the SMTP sink did not start: {line!r}"
        return self

    def start_dovecot(self):
        self.dovecot = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
            stdin=subprocess.DEVNULL, stdout=open(self.dir / "dovecot.stderr", "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=2) as s:
                    if s.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("Dovecot did not start: " + (self.dir / "dovecot.stderr").read_text())

    def stop_dovecot(self):
        if self.dovecot:
            self.dovecot.terminate()
            try:
                self.dovecot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.dovecot.kill()
            self.dovecot = None

    def _certs(self):
        def ossl(*args):
            subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True)
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.crt", "-days", "3", "-subj", "/CN=Parley Test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
        (self.dir / "server.ext").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
        ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "3", "-extfile", "server.ext")
        os.chmod(self.dir / "server.key", 0o644)

    def sink_messages(self):
        """(envelope, raw bytes) of every message the sink accepted, in order."""
        out = []
        sink = self.dir / "sink"
        for name in sorted(p.stem for p in sink.glob("*.eml")):
            out.append((json.loads((sink / f"{name}.json").read_text()), (sink / f"{name}.eml").read_bytes()))
        return out

    def imap(self):
        import imaplib
        c = imaplib.IMAP4("127.0.0.1", self.imap_port)
        c.login(USER, PASSWORD)
        return c

    def stop(self):
        if self.sink:
            self.sink.kill()
            self.sink.wait()
            self.sink = None
        self.stop_dovecot()
        shutil.rmtree(self.dir, ignore_errors=True)
