"""SMS in the real window: the demo's simulated SMS number (the fake Twilio API in-process), a text
injected, shown, answered; the reply reaches the fake and its delivery status follows to delivered."""

import time

from selenium.webdriver.common.keys import Keys

from conftest import ControlApi, ROW_NAMED, by_testid, screenshot, texts, wait_for

DEMO_SMS_NUMBER = "+15005550006"
CUSTOMER = "+14155550177"


class FakeTwilioControl(ControlApi):
    """The demo's fake Twilio API, through its /control/ API."""

    def inbound(self, sender, to, body):
        return self._call("POST", "/control/inbound", {"from": sender, "to": to, "body": body})

    def messages(self):
        return self._call("GET", "/control/messages")


def twilio_url(workspace, timeout=20.0):
    return workspace.demo_url("twilio", timeout)


def test_an_sms_appears_and_a_reply_is_delivered(app, workspace):
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    twilio = FakeTwilioControl(twilio_url(workspace))

    injected_at = time.time()
    twilio.inbound(CUSTOMER, DEMO_SMS_NUMBER, "Hi, do you deliver on Sundays?")
    row = wait_for(app, "the SMS thread", lambda d: d.execute_script(ROW_NAMED, CUSTOMER), timeout=30)
    latency = time.time() - injected_at
    print(f"\nsms: injected -> visible in the window in {latency:.2f} s")
    assert latency < 15, f"too slow: {latency:.1f} s"

    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == [CUSTOMER])
    wait_for(app, "the message", lambda d: any("Sundays" in t for t in texts(d, "message-text")))
    assert not texts(app, "reply-window"), "SMS has no reply window"

    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("Yes, Sundays 10 to 4.")
    composer.send_keys(Keys.CONTROL, Keys.ENTER)
    wait_for(app, "the fake received the reply", lambda d: any(
        m["to"] == CUSTOMER and m["body"] == "Yes, Sundays 10 to 4." for m in twilio.messages()), timeout=30)
    wait_for(app, "the reply shown as delivered", lambda d: any(
        m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "delivered"
        for m in by_testid(d, "message")), timeout=40)
    assert texts(app, "message-text").count("Yes, Sundays 10 to 4.") == 1
    screenshot(app, "sms")


def test_a_media_link_goes_out_with_an_sms(app, workspace):
    """Twilio fetches media from public links: the composer takes a link, refuses one Twilio
    could never reach with the reason, and the reply reaches the fake with its MediaUrl."""
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    twilio = FakeTwilioControl(twilio_url(workspace))
    customer = "+14155550178"
    twilio.inbound(customer, DEMO_SMS_NUMBER, "Can you send the menu?")
    row = wait_for(app, "the SMS thread", lambda d: d.execute_script(ROW_NAMED, customer), timeout=30)
    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == [customer])
    # No files from this computer on Twilio; a media link instead.
    assert by_testid(app, "attach-button")[0].get_attribute("disabled") is not None

    by_testid(app, "media-link-button")[0].click()
    field = wait_for(app, "the link field", lambda d: by_testid(d, "media-link-input"))[0]
    field.send_keys("ftp://files.example.com/menu.pdf")
    field.send_keys(Keys.ENTER)
    wait_for(app, "the refusal", lambda d: any("https://" in t for t in texts(d, "attach-error")))
    field.clear()
    field.send_keys("https://cdn.example.com/menu.jpg")
    by_testid(app, "media-link-add")[0].click()
    wait_for(app, "the staged link", lambda d: texts(d, "staged-media-link"))
    # Kept with the draft: listed in Drafts, and back in the composer when the thread reopens.
    by_testid(app, "drafts-button")[0].click()
    row = wait_for(app, "the link-only draft", lambda d: [
        r for r in by_testid(d, "draft-row") if customer in r.text and "1 media link" in r.text])[0]
    row.click()
    wait_for(app, "the link back in the composer", lambda d: [
        t for t in texts(d, "staged-media-link") if "https://cdn.example.com/menu.jpg" in t])
    assert len(texts(app, "staged-media-link")) == 1
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("Here is our menu")
    by_testid(app, "send-button")[0].click()
    sent = wait_for(app, "the fake received the reply with its media", lambda d: [
        m for m in twilio.messages()
        if m["to"] == customer and m["body"] == "Here is our menu" and m["num_media"] == "1"], timeout=30)
    assert len(sent) == 1
    assert not texts(app, "staged-media-link"), "the link went with the reply"
    wait_for(app, "the reply shown as delivered", lambda d: any(
        m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "delivered"
        for m in by_testid(d, "message")), timeout=40)
    screenshot(app, "sms-media-link")
