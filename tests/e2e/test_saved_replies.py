"""Saved replies in the real window: in the demo, `/` in a conversation's composer opens the
picker, the preview shows the reply filled for that customer (her first name, her order from the
demo's customer details), Enter puts it in the composer for editing, and sending it delivers that
text to the customer and shows it in the thread. Esc after `/` leaves a plain slash."""

import pytest
from selenium.webdriver.common.keys import Keys

from conftest import (
    ROW_NAMED,
    Fake,
    by_testid,
    screenshot,
    start_app,
    texts,
    wait_for,
    wait_seeded,
)

QUIET = {"PARLEY_DEMO_PACE": "off"}


@pytest.fixture
def seeded(workspace):
    """The quiet demo once its workflow (and so María's order) is seeded, and its fake Telegram."""
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_seeded(app)
        yield app, Fake(workspace.fake_url())
    finally:
        app.quit()


def composer_value(driver):
    return driver.execute_script(
        "return document.querySelector('[data-testid=\"composer\"]').value")


def test_a_saved_reply_goes_in_with_slash_filled_for_the_customer_and_is_sent(seeded):
    app, fake = seeded
    wait_for(app, "María's conversation", lambda d: d.execute_script(ROW_NAMED, "María García")).click()
    composer = wait_for(app, "composer", lambda d: by_testid(d, "composer"))[0]
    composer.click()

    # Esc right after `/`: a plain slash, no picker.
    composer.send_keys("/")
    wait_for(app, "the picker", lambda d: by_testid(d, "saved-reply-picker"))
    by_testid(app, "saved-reply-filter")[0].send_keys(Keys.ESCAPE)
    wait_for(app, "the picker closed", lambda d: not by_testid(d, "saved-reply-picker"))
    assert composer_value(app) == "/"
    composer.send_keys(Keys.BACKSPACE)
    wait_for(app, "the composer empty", lambda d: composer_value(d) == "")

    composer.send_keys("/")
    query = wait_for(app, "the picker's filter", lambda d: by_testid(d, "saved-reply-filter"))[0]
    # The demo's replies, in two folders.
    wait_for(app, "the demo's saved replies", lambda d: {"Where is my order", "Shipping times", "Opening hours"}
             <= {o.get_attribute("data-title") for o in by_testid(d, "saved-reply-option")})
    query.send_keys("where order")
    wait_for(app, "the order reply first", lambda d: by_testid(d, "saved-reply-option")[0].get_attribute("data-title")
             == "Where is my order")
    preview = wait_for(app, "the preview", lambda d: texts(d, "saved-reply-preview"))[0]
    assert "Hi María, thanks for waiting! I checked on #4821 — linen tote bag: it is on its way" in preview
    screenshot(app, "saved-reply-picker")
    query.send_keys(Keys.ENTER)

    wait_for(app, "the picker closed", lambda d: not by_testid(d, "saved-reply-picker"))
    filled = wait_for(app, "the filled text in the composer",
                      lambda d: composer_value(d) if composer_value(d).startswith("Hi María,") else None)
    assert "#4821 — linen tote bag" in filled
    assert "{{" not in filled
    # The caret is after the inserted text: the agent edits, then sends.
    composer = by_testid(app, "composer")[0]
    composer.send_keys(" See you soon!")
    wait_for(app, "the edit", lambda d: composer_value(d) == filled + " See you soon!")
    composer.send_keys(Keys.CONTROL, Keys.ENTER)

    sent_text = filled + " See you soon!"
    wait_for(app, "the reply in the thread", lambda d: sent_text in texts(d, "message-text"))
    wait_for(app, "the reply at the customer's Telegram",
             lambda d: any(s["text"] == sent_text for s in fake.sent()), timeout=30)
    screenshot(app, "saved-reply-sent")
