"""The customer's mood and spike mode in the real window (issue 15): the demo's upset customer
(Derek Holt) is flagged in his row and the pane and comes first in "Upset first"; the sidebar
shows the queue; spike mode, offered once the queue passes its threshold and turned on, lists
"Upset first", hides Resolved and Snoozed, and acknowledges a new customer at the fake Telegram
server with the expected wait.

The demo's customers are kept quiet (only this file's customers write)."""

import pytest
from selenium.webdriver.common.by import By

from conftest import (
    ROW_NAMED,
    Fake,
    by_testid,
    ipc,
    screenshot,
    start_app,
    texts,
    wait_for,
)

QUIET = {"PARLEY_DEMO_PACE": "off"}
UPSET = "Derek Holt"


@pytest.fixture
def quiet(workspace):
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        yield app, Fake(workspace.fake_url())
    finally:
        app.quit()


def row_named(driver, name):
    return driver.execute_script(ROW_NAMED, name)


def view_item(driver, key):
    found = driver.find_elements(By.CSS_SELECTOR, f'[data-testid="view-item"][data-view="{key}"]')
    return found[0] if found else None


def current_view(driver):
    return driver.execute_script(
        """const a = document.querySelector('[data-testid="view-item"][aria-current="page"]');
           return a ? a.dataset.view : null;""")


def test_the_upset_demo_customer_is_flagged_in_the_row_and_the_pane_and_comes_first(quiet):
    app, _ = quiet
    wait_for(app, f"{UPSET}'s row flagged", lambda d: (row_named(d, UPSET) or None) and
             row_named(d, UPSET).get_attribute("data-mood") == "angry", timeout=60)
    flag = row_named(app, UPSET).find_element(By.CSS_SELECTOR, '[data-testid="mood-flag"]')
    assert flag.text.strip().endswith("Upset")
    # Angry and pressing at once: raised to urgent.
    assert row_named(app, UPSET).get_attribute("data-priority") == "4"

    row_named(app, UPSET).click()
    wait_for(app, "his conversation", lambda d: texts(d, "conversation-title") == [UPSET])
    pane = wait_for(app, "the pane's flag", lambda d: d.find_elements(
        By.CSS_SELECTOR, '[data-testid="conversation"] [data-testid="mood-flag"]'))
    assert "upset" in pane[0].text.lower()

    view_item(app, "mood").click()
    wait_for(app, "Upset first lists him first", lambda d: current_view(d) == "mood" and
             texts(d, "thread-name")[:1] == [UPSET])
    screenshot(app, "spike-upset-first")


def test_spike_mode_turned_on_shows_the_queue_and_sends_an_acknowledgement(quiet):
    app, fake = quiet
    status = wait_for(app, "the queue in the sidebar", lambda d: by_testid(d, "spike-queue") and
                      ipc(d, "spike_status"))
    wait_for(app, "the shown queue matches the core's", lambda d: texts(d, "spike-queue") ==
             [str(ipc(d, "spike_status")["queue"])])
    assert status["on"] is False

    # Lower the queue threshold below the demo's queue: Parley offers spike mode.
    settings = dict(status["settings"], queueThreshold=1, arrivalsThreshold=1)
    ipc(app, "set_spike_settings", {"settings": settings})
    offer = wait_for(app, "the offer", lambda d: by_testid(d, "spike-offer"))
    assert "spike mode" in offer[0].text.lower()
    by_testid(app, "spike-offer-accept")[0].click()

    wait_for(app, "spike mode on", lambda d: by_testid(d, "spike-panel")[0].get_attribute("data-on") == "true")
    wait_for(app, "the list shows Upset first", lambda d: current_view(d) == "mood")
    assert view_item(app, "resolved") is None and view_item(app, "snoozed") is None
    assert view_item(app, "open") is not None
    screenshot(app, "spike-on")

    chat = fake.customer("Nadia", "Petrova")
    fake.inject(chat, "Hello, a question about my order please")
    acks = wait_for(app, "the acknowledgement at the fake", lambda d: [
        s for s in fake.sent() if s["chat_id"] == chat and "busier than usual" in s["text"]], timeout=30)
    assert len(acks) == 1
    # She still waits (an acknowledgement is no answer), and the sidebar's queue is the core's.
    wait_for(app, "she waits in the queue", lambda d: any(
        t["contactName"] == "Nadia Petrova" and t["waitingSince"] is not None
        for t in ipc(d, "list_view", {"view": {"kind": "waiting"}, "cursor": None, "limit": 200})["threads"]),
        timeout=30)
    wait_for(app, "the sidebar's queue is the core's", lambda d: texts(d, "spike-queue") ==
             [str(ipc(d, "spike_status")["queue"])], timeout=30)
    assert by_testid(app, "spike-longest")

    # Off by hand: Resolved and Snoozed come back.
    by_testid(app, "spike-toggle")[0].click()
    wait_for(app, "spike mode off", lambda d: by_testid(d, "spike-panel")[0].get_attribute("data-on") == "false")
    wait_for(app, "Resolved is back", lambda d: view_item(d, "resolved") is not None)
