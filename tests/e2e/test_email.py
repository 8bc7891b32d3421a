"""An email account in the real window: a real Dovecot and SMTP sink (tests/mail/servers.py),
the mailbox added through the Accounts screen, a mail APPENDed to INBOX shown within seconds
(IMAP IDLE), answered, and the answer received by the sink with the threading headers."""

import email
import imaplib
import time

from selenium.webdriver.common.keys import Keys

from conftest import ROW_NAMED, by_testid, screenshot, start_app, texts, wait_for

from mailrig import fill, fill_email_form, mailservers, open_email_form, servers  # noqa: F401


def mail(subject, message_id, body, extra=""):
    return (
        f"From: Grace Hopper <grace@customer.test>\r\nTo: {servers.USER}\r\nSubject: {subject}\r\n"
        f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{message_id}>\r\n{extra}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n"
    ).encode()


def test_an_email_account_added_in_the_window_receives_through_idle_and_replies(workspace, mailservers):
    app = start_app(workspace)
    try:
        wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
        open_email_form(app)
        fill_email_form(app, "Shop Support", mailservers.imap_port, mailservers.smtp_port)

        # A wrong password first: a clear refusal, nothing added.
        fill(app, "email-password", "wrong")
        by_testid(app, "add-email")[0].click()
        err = wait_for(app, "the refusal", lambda d: texts(d, "add-email-error"))
        assert "password" in err[0].lower(), err
        fill(app, "email-password", servers.PASSWORD)
        by_testid(app, "add-email")[0].click()
        wait_for(app, "the mailbox in the list", lambda d: any(
            servers.USER in t or "Shop Support" in t for t in texts(d, "accounts-screen")), timeout=30)
        screenshot(app, "email-accounts")
        done = [b for b in app.find_elements("css selector", "[data-testid='accounts-screen'] header button")
                if b.text == "Done"]
        done[0].click()
        time.sleep(2)  # the first sync of an empty mailbox, then IDLE

        imap = mailservers.imap()
        appended_at = time.time()
        imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()),
                    mail("Order 77", "order77@customer.test",
                         "Hello, where is order 77?\n\nOn Monday you wrote:\n> old quoted text"))
        row = wait_for(app, "the email thread", lambda d: d.execute_script(ROW_NAMED, "Grace Hopper"), timeout=20)
        latency = time.time() - appended_at
        print(f"\nemail: appended -> visible in the window in {latency:.2f} s")
        assert latency < 3, f"too slow for IDLE: {latency:.1f} s"

        row.click()
        wait_for(app, "the message", lambda d: any("where is order 77" in t for t in texts(d, "message-text")))
        assert "Order 77" in texts(app, "message-subject")
        assert not any("old quoted text" in t for t in texts(app, "message-text"))
        by_testid(app, "quoted-toggle")[0].click()
        wait_for(app, "the quoted text", lambda d: any("old quoted text" in t for t in texts(d, "quoted-text")))

        composer = by_testid(app, "composer")[0]
        composer.click()
        composer.send_keys("It ships tomorrow.")
        composer.send_keys(Keys.CONTROL, Keys.ENTER)
        wait_for(app, "the sink received the reply", lambda d: len(mailservers.sink_messages()) == 1, timeout=20)
        envelope, raw = mailservers.sink_messages()[0]
        msg = email.message_from_bytes(raw)
        assert envelope["to"] == ["grace@customer.test"]
        assert msg["In-Reply-To"] == "<order77@customer.test>", msg["In-Reply-To"]
        assert "<order77@customer.test>" in msg["References"]
        assert msg["Subject"] == "Re: Order 77"
        assert msg["Message-ID"].startswith("<parley.")
        # The copy is APPENDed to Sent right after SMTP accepted the mail, so it may land a
        # moment after the sink saw the message.
        def in_sent(_d):
            imap.select("Sent")
            typ, found = imap.search(None, "HEADER", "Message-ID", msg["Message-ID"])
            return found[0].split()
        wait_for(app, "a copy in Sent", in_sent)
        wait_for(app, "the reply shown as sent", lambda d: any(
            m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "sent"
            for m in by_testid(d, "message")))
        time.sleep(2)  # the copy in Sent is synced too; it must not show twice
        assert texts(app, "message-text").count("It ships tomorrow.") == 1
        assert not by_testid(app, "deleted-on-server")

        # Another client deletes the customer's mail on the server (QRESYNC VANISHED while Parley
        # waits in IDLE): the conversation keeps it, marked, and nothing else is marked.
        imap.select("INBOX")
        typ, found = imap.search(None, "HEADER", "Message-ID", "<order77@customer.test>")
        assert found[0].split(), found
        for num in found[0].split():
            imap.store(num, "+FLAGS", "\\Deleted")
        imap.expunge()
        wait_for(app, "the mail marked deleted from the mailbox",
                 lambda d: len(by_testid(d, "deleted-on-server")) == 1, timeout=20)
        assert app.execute_script(
            "return document.querySelector('[data-testid=deleted-on-server]')"
            ".closest('[data-testid=message]').dataset.direction") == "inbound"
        assert any("where is order 77" in t for t in texts(app, "message-text"))
        assert "Deleted from the mailbox" in by_testid(app, "deleted-on-server")[0].text
        screenshot(app, "email")
    finally:
        app.quit()


class HoldingProxy:
    """A TCP relay in front of Dovecot that lets the first page's mail through and holds the next
    page's (a `UID FETCH` of whole bodies, `BODY.PEEK[]`; the sizes a page asks first pass) until
    `release()`: the first sync then rests, deterministically, after its first page."""

    def __init__(self, upstream_port):
        import socket
        import threading

        self.upstream_port = upstream_port
        self.released = threading.Event()
        self.fetches = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def release(self):
        self.released.set()

    def _accept(self):
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()
            threading.Thread(target=self._commands, args=(client, server), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            dst.close()

    def _commands(self, src, dst):
        buf = b""
        try:
            while data := src.recv(65536):
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    upper = line.upper()
                    if b" UID FETCH " in upper and b"BODY.PEEK[]" in upper:
                        with self.lock:
                            self.fetches += 1
                            hold = self.fetches >= 2
                        if hold:
                            self.released.wait(120)
                    dst.sendall(line + b"\n")
        except OSError:
            pass
        finally:
            dst.close()

    def close(self):
        self.released.set()
        self.listener.close()


ACCOUNT_STATE = """
for (const row of document.querySelectorAll('[data-testid="account-row"]')) {
  if (row.textContent.includes(arguments[0])) {
    const state = row.querySelector('[data-testid="account-state"]');
    return state ? state.textContent.trim() : null;
  }
}
return null;
"""


def test_an_email_accounts_first_sync_shows_its_progress_then_clears(workspace, mailservers):
    total = 600  # more than two pages of 250
    imap = mailservers.imap()
    for i in range(total):
        imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()),
                    mail(f"Question {i}", f"q{i}@customer.test", f"Question number {i}"))
    imap.logout()
    proxy = HoldingProxy(mailservers.imap_port)
    app = start_app(workspace)
    try:
        wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
        open_email_form(app)
        fill_email_form(app, "Big Mailbox", proxy.port, mailservers.smtp_port)
        by_testid(app, "add-email")[0].click()

        # The first page (the newest 250) is stored and the second is held at the proxy, so the
        # account rests at exactly this point until released.
        expected = f"Syncing INBOX — 250 of {total}"
        wait_for(app, "the first sync's progress in the account row",
                 lambda d: d.execute_script(ACCOUNT_STATE, "Big Mailbox") == expected, timeout=30)
        # The indicator (the inbox's header, hidden behind the Accounts screen) says the same.
        assert any(expected in t for t in texts(app, "sync-indicator")), texts(app, "sync-indicator")
        screenshot(app, "email-first-sync-progress")

        proxy.release()
        wait_for(app, "the account caught up",
                 lambda d: d.execute_script(ACCOUNT_STATE, "Big Mailbox") == "Live", timeout=60)
        wait_for(app, "the indicator cleared",
                 lambda d: not any("Syncing" in t for t in texts(d, "sync-indicator")))
        assert proxy.fetches >= 3, proxy.fetches
    finally:
        app.quit()
        proxy.close()
