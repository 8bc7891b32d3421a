"""The Contacts screen in the real window: find a demo customer, mark them VIP, and see the mark
on their conversation in the inbox; the demo's own VIP (Chloé Dubois) shows it from the start."""

import pytest
from selenium.webdriver.common.by import By

from conftest import by_testid, ipc, screenshot, start_app, texts, wait_for, wait_seeded

QUIET = {"PARLEY_DEMO_PACE": "off"}


@pytest.fixture
def seeded(workspace):
    """The app on the quiet demo, once the demo's own workflow (its VIP among it) is seeded."""
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_seeded(app)
        yield app
    finally:
        app.quit()


def vip_in_row(driver, name):
    """Whether the customer's thread row shows the VIP star (None: no such row)."""
    return driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]'))
              if (row.querySelector('[data-testid="thread-name"]').textContent === arguments[0])
                return row.querySelector('[data-testid="thread-vip"]') !== null;
            return null;""", name)


def test_find_a_customer_mark_them_vip_and_see_it_in_their_thread_row(seeded):
    app = seeded
    wait_for(app, "the demo's VIP starred", lambda d: vip_in_row(d, "Chloé Dubois") is True)
    wait_for(app, "María's row", lambda d: vip_in_row(d, "María García") is False)

    by_testid(app, "contacts-button")[0].click()
    wait_for(app, "the Contacts screen", lambda d: by_testid(d, "contacts-view"))
    search = by_testid(app, "contacts-search")[0]
    search.send_keys("garcía")
    wait_for(app, "only María found", lambda d: texts(d, "contact-row-name") == ["María García"])
    by_testid(app, "contact-row")[0].click()
    wait_for(app, "her detail", lambda d: texts(d, "contact-detail-name") == ["María García"])
    assert by_testid(app, "contact-detail-conversation"), "her conversations are listed"

    toggle = app.find_element(By.CSS_SELECTOR, '[data-testid="contact-detail"] [data-testid="contact-vip-toggle"]')
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    wait_for(app, "the VIP mark in her row", lambda d: by_testid(d, "contact-row-vip"))
    assert app.find_element(
        By.CSS_SELECTOR, '[data-testid="contact-detail"] [data-testid="contact-vip-toggle"]'
    ).get_attribute("aria-pressed") == "true"
    screenshot(app, "contacts-vip")

    # Back in the inbox, her conversation's row carries the star; the store agrees.
    by_testid(app, "contacts-button")[0].click()
    wait_for(app, "the star in her thread row", lambda d: vip_in_row(d, "María García") is True)
    threads = ipc(app, "list_threads", {"cursor": None, "limit": 200})["threads"]
    assert [t["vip"] for t in threads if t["contactName"] == "María García"] == [True]
    screenshot(app, "thread-row-vip")


def test_erase_a_customer_from_the_pane_and_nothing_of_them_is_left(seeded):
    app = seeded
    name = "Olusegun Adebayo"
    threads = ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]
    theirs = [t for t in threads if t["contactName"] == name]
    assert theirs, [t["contactName"] for t in threads]
    word = max(theirs[0]["snippet"].split(), key=len).strip(".,!?")
    hits = ipc(app, "search", {"query": word, "limit": 50})
    assert any(h["threadId"] == theirs[0]["id"] for h in hits), (word, hits)

    app.execute_script(
        "document.querySelector(`[data-testid='thread-row'][data-thread-id='${arguments[0]}']`).click()",
        theirs[0]["id"])
    wait_for(app, "their pane", lambda d: name in texts(d, "contact-name"))
    by_testid(app, "contact-erase")[0].click()
    confirm = wait_for(app, "the erase dialog", lambda d: by_testid(d, "erase-confirm-button"))[0]
    assert not confirm.is_enabled(), "erasing needs the word typed first"
    by_testid(app, "erase-confirm-input")[0].send_keys("erase")
    wait_for(app, "the button enabled", lambda d: by_testid(d, "erase-confirm-button")[0].is_enabled())
    by_testid(app, "erase-confirm-button")[0].click()

    wait_for(app, "their row gone", lambda d: not any(
        t == name for t in texts(d, "thread-name")), timeout=30)
    left = ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]
    assert not [t for t in left if t["contactName"] == name]
    gone = {t["id"] for t in theirs}
    assert not [h for h in ipc(app, "search", {"query": word, "limit": 50}) if h["threadId"] in gone]
    screenshot(app, "customer-erased")
