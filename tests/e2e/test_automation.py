"""Automated messages in the real window (issue 15): the demo has business hours and the greeting
on, so a new customer's first message is greeted through the outbox, the greeting reaches the
provider once and shows in the thread marked "Sent automatically · Greeting"; Settings →
Automation shows the schedule's next opening and the greeting turned on."""

from conftest import Fake, by_testid, ipc, screenshot, texts, wait_for, wait_seeded
from test_window import row_named

GREETING = "thanks for getting in touch"


def automated_marks(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=message][data-automated]')]"
        ".map(e => [e.dataset.automated, e.dataset.delivery,"
        " e.querySelector('[data-testid=automated-mark]')?.textContent.trim() ?? '',"
        " e.querySelector('[data-testid=message-text]')?.textContent ?? ''])"
    )


def test_a_new_demo_customer_is_greeted_and_the_greeting_is_marked_automated(app, workspace):
    wait_seeded(app)
    settings = ipc(app, "automation_settings")
    assert any(a["greeting"]["enabled"] for a in settings["accounts"]), settings

    fake = Fake(workspace.fake_url())
    chat = fake.customer("Hedy", "Lamarr")
    fake.inject(chat, "Hello! Do you sell gift cards?")
    wait_for(app, "the greeting at the provider",
             lambda d: any(s["chat_id"] == chat and GREETING in s["text"] for s in fake.sent()), timeout=40)

    wait_for(app, "the new thread", lambda d: row_named(d, "Hedy Lamarr")).click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == ["Hedy Lamarr"])
    marks = wait_for(app, "the greeting shown sent and marked", lambda d: [
        m for m in automated_marks(d) if m[0] == "greeting" and m[1] == "sent"], timeout=30)
    kind, delivery, mark, text = marks[0]
    assert mark == "Sent automatically · Greeting", marks
    assert text.startswith("Hi Hedy, thanks for getting in touch!"), text
    screenshot(app, "automation-greeting")

    # The customer writes again: no second greeting.
    fake.inject(chat, "Also, do you wrap them?")
    wait_for(app, "the second message", lambda d: any("wrap them" in t for t in texts(d, "message-text")))
    greetings = [s for s in fake.sent() if s["chat_id"] == chat and GREETING in s["text"]]
    assert len(greetings) == 1, greetings

    # Settings → Automation: the schedule's preview and the greeting on.
    by_testid(app, "accounts-button")[0].click()
    wait_for(app, "automation settings", lambda d: by_testid(d, "automation-settings"))
    preview = wait_for(app, "the next opening preview", lambda d: [
        t for t in texts(d, "automation-hours-preview") if t.strip().startswith("We're")])
    assert "open now" in preview[0] or "we'll answer from" in preview[0], preview
    assert any(box.is_selected() for box in by_testid(app, "automation-greeting-enabled"))
    app.execute_script(
        "const card = document.querySelector('[data-testid=automation-settings]');"
        "const pane = card.closest('.body'); pane.scrollTop = card.offsetTop - pane.offsetTop;")
    screenshot(app, "automation-settings")
