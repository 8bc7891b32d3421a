"""Quiet hours in the real window (issue 18): turned on in Settings, a reply to an SMS customer
for whom it is 23:00 is held with the quiet-hours note ("Held: It is 23:… for … (zone)") and the
"Send now" override, and nothing reaches the fake Twilio; "Send now" then sends it. The
customer's zone is set in their pane to a zone where it is 23:00 now, so the test does not
depend on the hour it runs at."""

import datetime
import time
import zoneinfo

from selenium.webdriver.common.keys import Keys

from conftest import ROW_NAMED, by_testid, ipc, screenshot, texts, wait_for
from test_sms import DEMO_SMS_NUMBER, FakeTwilioControl, twilio_url

CUSTOMER = "+14155550190"
# One zone for each whole-hour offset, none with daylight saving: at any moment it is 23:xx
# in one of them.
NO_DST_ZONES = [
    "Pacific/Pago_Pago", "Pacific/Honolulu", "Pacific/Gambier", "Pacific/Pitcairn",
    "America/Phoenix", "America/Guatemala", "America/Bogota", "America/La_Paz",
    "America/Argentina/Buenos_Aires", "America/Noronha", "Atlantic/Cape_Verde", "Africa/Abidjan",
    "Africa/Lagos", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Tashkent",
    "Asia/Dhaka", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Australia/Brisbane",
    "Pacific/Guadalcanal", "Pacific/Tarawa",
]


def zone_at_eleven_pm(choices):
    now = datetime.datetime.now(datetime.timezone.utc)
    for name in NO_DST_ZONES:
        if name in choices and now.astimezone(zoneinfo.ZoneInfo(name)).hour == 23:
            return name
    raise AssertionError(f"no zone among the choices where it is 23:00 at {now.isoformat()}")


def test_a_reply_at_eleven_pm_for_the_customer_is_held_with_the_quiet_hours_note(app, workspace):
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    twilio = FakeTwilioControl(twilio_url(workspace))

    # Settings: quiet hours on (the e2e workspace starts with them off), 21:00 to 08:00.
    by_testid(app, "sync-indicator")[0].click()
    box = wait_for(app, "the quiet hours setting", lambda d: by_testid(d, "quiet-enabled"))[0]
    assert not box.is_selected()
    box.click()
    by_testid(app, "outbound-save")[0].click()
    wait_for(app, "saved", lambda d: ipc(d, "outbound_settings")["quietHoursEnabled"] is True)
    assert ipc(app, "outbound_settings")["quietStartMinute"] == 21 * 60
    by_testid(app, "accounts-done")[0].click()

    # A customer who texted two hours ago (no live conversation).
    twilio._call("POST", "/control/inbound", {
        "from": CUSTOMER, "to": DEMO_SMS_NUMBER, "body": "Can I change my delivery address?",
        "date_sent": int(time.time()) - 2 * 3600})
    row = wait_for(app, "the SMS thread", lambda d: d.execute_script(ROW_NAMED, CUSTOMER), timeout=30)
    summary = next(t for t in ipc(app, "list_threads", {"cursor": None, "limit": 200})["threads"]
                   if t["contactName"] == CUSTOMER)
    zone = zone_at_eleven_pm(ipc(app, "time_zone_choices"))
    ipc(app, "set_contact_time_zone", {"contactId": summary["contactId"], "zone": zone})

    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == [CUSTOMER])
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("Yes, send me the new one.")
    composer.send_keys(Keys.CONTROL, Keys.ENTER)

    def held_note(d):
        for m in by_testid(d, "message"):
            if m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "held":
                return " ".join(t.text for t in m.find_elements("css selector", '[data-testid="delivery-state"]'))
        return None

    note = wait_for(app, "the reply held for quiet hours", held_note, timeout=30)
    print(f"\nquiet hours note: {note}")
    assert f"for {CUSTOMER} ({zone})" in note and "Held: It is 23:" in note and "08:00" in note, note
    send_now = wait_for(app, "the override", lambda d: [
        b for b in by_testid(d, "reply-send-anyway") if b.text == "Send now"])
    assert not any(m["to"] == CUSTOMER and "new one" in m["body"] for m in twilio.messages())
    screenshot(app, "quiet-hours-held")

    # The agent decides it cannot wait: it goes now, once.
    send_now[0].click()
    wait_for(app, "the fake received it", lambda d: any(
        m["to"] == CUSTOMER and m["body"] == "Yes, send me the new one." for m in twilio.messages()),
        timeout=30)
    assert [m["body"] for m in twilio.messages() if m["to"] == CUSTOMER].count("Yes, send me the new one.") == 1


def test_the_demo_customer_who_texted_stop_is_opted_out_and_no_reply_can_go(app, workspace):
    """The demo seeds an SMS customer who texted STOP: the pane says so, with the word and when,
    and a reply to them is held without "Send anyway" (Rust refuses it too)."""
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    twilio = FakeTwilioControl(twilio_url(workspace))
    stopped = "+14155550106"
    # Three days old, below the fold of Open: the SMS channel's view lists it.
    wait_for(app, "the SMS view", lambda d: [
        v for v in by_testid(d, "view-item") if "sms" in (v.get_attribute("data-view") or "").lower()])[0].click()
    row = wait_for(app, "the STOP customer", lambda d: d.execute_script(ROW_NAMED, stopped), timeout=40)
    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == [stopped])
    record = wait_for(app, "the opt-out record", lambda d: [
        t for t in texts(d, "identity-opt-record") if "Opted out by message “STOP”" in t], timeout=30)
    print(f"\nopt-out record: {record[0]}")
    assert texts(app, "identity-opted-out")
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("We now ship to Canada!")
    composer.send_keys(Keys.CONTROL, Keys.ENTER)
    wait_for(app, "the reply held for the opt-out", lambda d: any(
        m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "held"
        for m in by_testid(d, "message")), timeout=30)
    wait_for(app, "discard offered", lambda d: by_testid(d, "reply-discard"))
    assert not by_testid(app, "reply-send-anyway"), "no Send anyway on an opt-out"
    held = next(m for m in ipc(app, "open_thread", {"threadId": next(
        t["id"] for t in ipc(app, "list_threads", {"cursor": None, "limit": 200})["threads"]
        if t["contactName"] == stopped)})["messages"]["messages"] if m["delivery"] == "held")
    out = app.execute_async_script(
        """const done = arguments[arguments.length - 1];
           window.__TAURI_INTERNALS__.invoke('send_anyway', { messageId: arguments[0] })
             .then(() => done('sent'), (e) => done(String((e && e.message) || e)));""",
        held["id"])
    assert "not even with Send anyway" in out, out
    assert not any(m["to"] == stopped and "Canada" in m["body"] for m in twilio.messages() if m["direction"] != "inbound")
    screenshot(app, "opted-out")
