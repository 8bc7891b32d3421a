#!/usr/bin/python3
"""SMTP sink for Parley's email tests (Debian python3-aiosmtpd).

Listens on 127.0.0.1: --port speaks plain SMTP with optional STARTTLS, --tls-port (optional)
speaks TLS from the first byte. AUTH PLAIN/LOGIN is required, with the one --user/--password,
and allowed without TLS (the tests' `Security::None`, 127.0.0.1 only). Every accepted message is
written to --dir as NNNN.eml plus NNNN.json (envelope), atomically.

Fault injection by recipient: tempfail...@ -> 451 at RCPT; reject...@ -> 550 at RCPT;
drop...@ -> the message is stored, then the connection is closed without an answer to DATA.
Prints READY once listening; stops on SIGTERM.
"""
import argparse
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.lock = threading.Lock()
        self.n = len([f for f in os.listdir(directory) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            name = os.path.join(self.dir, "%04d" % self.n)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        for ext, data in ((".json", json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos}).encode()),
                          (".eml", content)):
            with open(name + ext + ".tmp", "wb") as f:
                f.write(data)
            os.replace(name + ext + ".tmp", name + ext)
        if any(r.split("@")[0].lower().startswith("drop") for r in envelope.rcpt_tos):
            server.transport.abort()
            return "250 never seen"
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-port", type=int)
    p.add_argument("--dir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == a.user
              and auth_data.password.decode() == a.password)
        return AuthResult(success=ok)

    tls = None
    if a.cert and a.key:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)

    handler = Sink(a.dir)
    common = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False,
                  hostname="127.0.0.1", server_hostname="sink.localhost")
    controllers = [Controller(handler, port=a.port, tls_context=tls, require_starttls=False, **common)]
    if a.tls_port and tls:
        controllers.append(Controller(handler, port=a.tls_port, ssl_context=tls, **common))
    for c in controllers:
        c.start()
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for c in controllers:
        c.stop(no_assert=True)


if __name__ == "__main__":
    main()
