"""One customer, one dialogue, in the real window: the demo's María García wrote on Telegram and
texted the SMS line from the number in her details, so Parley suggests merging the two. The agent
reviews the suggestion, merges, sees both channels in the pane, undoes and merges again, reads the
whole dialogue with each message labelled by its channel, answers on the channel she last used,
writes a note, and finds it all after a restart."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import (
    ROW_NAMED,
    by_testid,
    screenshot,
    start_app,
    texts,
    wait_for,
    wait_seeded,
)

QUIET = {"PARLEY_DEMO_PACE": "off"}
MARIA = "María García"
SMS_NUMBER = "+14155550101"


def open_maria(driver):
    # The demo's workflow moves rows as it resolves and snoozes; a click aims at a still list.
    wait_seeded(driver)
    row = wait_for(driver, "María's conversation", lambda d: d.execute_script(ROW_NAMED, MARIA), timeout=60)
    row.click()
    wait_for(driver, "her pane", lambda d: MARIA in texts(d, "contact-name"))


def identities(driver):
    return texts(driver, "contact-identity")


def test_a_suggested_merge_joins_two_channels_and_survives_a_restart(workspace):
    app = start_app(workspace, QUIET)
    try:
        open_maria(app)
        # Her Telegram profile photo, fetched by Rust and served through parley-media.
        wait_for(app, "her profile picture in the pane", lambda d: d.execute_script(
            "const i = document.querySelector('[data-testid=\"contact-pane\"] [data-testid=\"avatar\"] img');"
            "return i !== null && i.complete && i.naturalWidth === 128"))
        # The demo gives her the phone that texted the SMS line: Parley suggests, never merges.
        suggestion = wait_for(app, "the suggested merge", lambda d: [
            s for s in by_testid(d, "merge-suggestion") if SMS_NUMBER in s.text], timeout=90)[0]
        assert len(identities(app)) == 1
        assert "same phone" in suggestion.text
        suggestion.find_element("css selector", '[data-testid="merge-suggestion-review"]').click()
        dialog = wait_for(app, "the merge dialog", lambda d: by_testid(d, "merge-dialog"))[0]
        assert SMS_NUMBER in dialog.text and MARIA in dialog.text
        assert "same phone" in texts(app, "merge-reason")[0]
        by_testid(app, "merge-confirm")[0].click()

        wait_for(app, "both identities in the pane", lambda d: len(identities(d)) == 2)
        shown = " ".join(identities(app))
        assert "Telegram" in shown and "SMS" in shown, shown
        assert len(by_testid(app, "contact-conversation")) == 2
        assert texts(app, "contact-name") == [MARIA], "her name was kept"
        assert not by_testid(app, "merge-suggestion")
        screenshot(app, "customer-merged")

        # Undo separates them again; the suggestion comes back; merge again from it.
        wait_for(app, "the undo toast", lambda d: by_testid(d, "undo-button"))[0].click()
        wait_for(app, "one identity again", lambda d: len(identities(d)) == 1)
        wait_for(app, "the suggestion again", lambda d: by_testid(d, "merge-suggestion"))
        by_testid(app, "merge-suggestion-review")[0].click()
        wait_for(app, "the merge dialog", lambda d: by_testid(d, "merge-confirm"))[0].click()
        wait_for(app, "merged again", lambda d: len(identities(d)) == 2)

        # The whole dialogue: both channels, labelled; the reply goes where she last wrote (SMS).
        by_testid(app, "open-whole-dialogue")[0].click()
        wait_for(app, "the whole dialogue", lambda d: by_testid(d, "whole-dialogue"))
        wait_for(app, "messages of both channels", lambda d: {
            m.get_attribute("data-channel") for m in by_testid(d, "dialogue-message")} == {"telegram", "sms"})
        assert any("#4821" in t and "linen tote" in t for t in texts(app, "dialogue-message"))
        chosen = app.execute_script(
            "const s = document.querySelector('[data-testid=\"dialogue-channel-select\"]');"
            "return s.options[s.selectedIndex].text")
        assert chosen.startswith("SMS"), chosen
        reply = "Hi María, order #4821 ships today."
        composer = wait_for(app, "the dialogue's composer", lambda d: by_testid(d, "composer"))[0]
        composer.click()
        composer.send_keys(reply)
        composer.send_keys(Keys.CONTROL, Keys.ENTER)
        wait_for(app, "the reply in the dialogue, on SMS", lambda d: any(
            reply in m.text and m.get_attribute("data-channel") == "sms"
            for m in by_testid(d, "dialogue-message")), timeout=30)
        screenshot(app, "whole-dialogue")
        by_testid(app, "dialogue-back")[0].click()

        note = "Same person as the SMS number — prefers texts after 6 pm."
        by_testid(app, "note-input")[0].send_keys(note)
        by_testid(app, "note-save")[0].click()
        wait_for(app, "the note", lambda d: any(note in t for t in texts(d, "contact-note")))
    finally:
        app.quit()

    again = start_app(workspace, QUIET)
    try:
        open_maria(again)
        wait_for(again, "still one customer on two channels", lambda d: len(identities(d)) == 2)
        wait_for(again, "the note after restart", lambda d: any(note in t for t in texts(d, "contact-note")))
        assert not by_testid(again, "merge-suggestion")
    finally:
        again.quit()


def pane_shown(driver):
    return driver.execute_script(
        "const p = document.querySelector('[data-testid=\"contact-pane\"]');"
        "return p !== null && getComputedStyle(p).display !== 'none';")


def test_a_narrow_window_shows_the_customer_as_a_drawer_with_her_local_time_and_tags(workspace):
    app = start_app(workspace, QUIET)
    try:
        app.set_window_size(900, 760)
        wait_for(app, "a window under 980 px", lambda d: d.execute_script("return innerWidth") < 980)
        open_maria(app)
        assert not pane_shown(app), "hidden beside the conversation when narrow"
        by_testid(app, "toggle-customer-details")[0].click()
        wait_for(app, "the drawer", pane_shown)
        # Her phone (+1 415…, from the demo's details) gives San Francisco's time.
        local = wait_for(app, "her local time", lambda d: [
            t for t in texts(d, "customer-local-time") if "there" in t], timeout=30)[0]
        assert "from +1 phone number" in local, local
        assert "America/Los Angeles" in local, local
        clock = texts(app, "customer-clock")[0]
        assert len(clock) == 5 and clock[2] == ":", clock
        # A tag: a chip in the pane, and the Contacts search finds her by it.
        field = by_testid(app, "tag-input")[0]
        field.send_keys("<b>allergic</b> to nuts")
        by_testid(app, "tag-save")[0].click()
        wait_for(app, "the chip", lambda d: any("<b>allergic</b> to nuts" in t for t in texts(d, "contact-tag")))
        assert not app.find_elements("css selector", '[data-testid="contact-tag"] b'), "tags are text"
        screenshot(app, "customer-drawer")
        # Escape closes the drawer, even from the tag field.
        by_testid(app, "tag-input")[0].send_keys(Keys.ESCAPE)
        wait_for(app, "the drawer closed", lambda d: not pane_shown(d))
        # "i" opens it again.
        app.execute_script("document.activeElement && document.activeElement.blur()")
        ActionChains(app).send_keys("i").perform()
        wait_for(app, "the drawer again", pane_shown)
    finally:
        app.quit()
