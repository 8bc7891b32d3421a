"""The real mail servers (Dovecot + SMTP sink, tests/mail/servers.py) for end-to-end tests, and
filling the window's "Add an email account" form."""

import pathlib
import sys

import pytest
from selenium.webdriver.support.ui import Select

from conftest import by_testid, wait_for

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "mail"))
import servers  # noqa: E402,F401  (re-exported for the tests)


@pytest.fixture
def mailservers():
    if not pathlib.Path("/usr/sbin/dovecot").exists():
        pytest.skip("dovecot is not installed (scripts/setup.sh --test)")
    s = servers.MailServers().start()
    yield s
    s.stop()


def fill(app, testid, value):
    field = by_testid(app, testid)[0]
    field.clear()
    field.send_keys(value)


def open_email_form(app):
    by_testid(app, "accounts-button")[0].click()
    wait_for(app, "accounts screen", lambda d: by_testid(d, "add-email-form"))


def fill_email_form(app, name, imap_port, smtp_port, password=None):
    """Fills every field for the test mailbox on 127.0.0.1 without TLS; does not submit."""
    fill(app, "email-address", servers.USER)
    fill(app, "email-name", name)
    fill(app, "email-password", password if password is not None else servers.PASSWORD)
    fill(app, "imap-host", "127.0.0.1")
    Select(by_testid(app, "imap-security")[0]).select_by_value("none")
    fill(app, "imap-port", str(imap_port))
    fill(app, "smtp-host", "127.0.0.1")
    Select(by_testid(app, "smtp-security")[0]).select_by_value("none")
    fill(app, "smtp-port", str(smtp_port))
