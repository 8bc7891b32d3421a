"""The FAQ bot in the real window: the demo workspace has two FAQ rules on for its accounts
(crates/parley-core/src/demo_bot.rs). A customer who asks "where is my order" on the demo's
Telegram bot gets the bot's questions, answers them (a bad answer first), and the conversation
lands in the agent's view raised in priority, with the answers as the customer's details, the
bot's summary note, its messages marked as sent automatically, and a notification on the bus.
Settings → Bot's test console answers without sending anything.

The demo's own customers are kept quiet, so the only messages are the ones sent here."""

import time

from conftest import Fake, by_testid, ipc, log_mark, notify_calls, screenshot, start_app, texts, wait_for, ROW_NAMED
from test_window import GREETING

Q_ORDER = "I can help with that! What is your order number?"
Q_EMAIL = "Thanks! And the email you ordered with?"
RETRY = "Hmm, that does not look like an order number. It is on your confirmation, like #4821."


def sent_to(fake, chat):
    """What the shop sent this customer, the demo's greeting left out (test_automation.py)."""
    return [s["text"] for s in fake.sent() if s["chat_id"] == chat and GREETING not in s["text"]]


def bot_ready(driver):
    """The demo's rules are seeded and the bot is on for its accounts."""
    rules = ipc(driver, "faq_rules")
    settings = ipc(driver, "bot_settings")
    return len(rules) == 2 and len(settings["accounts"]) >= 1


def test_a_customer_answers_the_bots_questions_and_lands_with_the_agent(workspace):
    mark = log_mark()
    app = start_app(workspace, {"PARLEY_DEMO_PACE": "off"})
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_for(app, "every account live",
                 lambda d: by_testid(d, "sync-indicator")[0].get_attribute("data-tone") == "ok", timeout=60)
        wait_for(app, "the demo's bot", bot_ready, timeout=60)
        fake = Fake(workspace.fake_url())
        chat = fake.customer("Rosa", "Díaz")

        fake.inject(chat, "Hi! Where is my order?")
        wait_for(app, "the bot's first question", lambda d: sent_to(fake, chat) == [Q_ORDER], timeout=30)
        fake.inject(chat, "no idea, sorry")
        wait_for(app, "the bot asks again", lambda d: sent_to(fake, chat) == [Q_ORDER, RETRY], timeout=30)
        fake.inject(chat, "It's #7788")
        wait_for(app, "the second question", lambda d: sent_to(fake, chat) == [Q_ORDER, RETRY, Q_EMAIL], timeout=30)
        fake.inject(chat, "rosa.diaz@example.com")
        answer = wait_for(app, "the bot's answer", lambda d: sent_to(fake, chat)[3:], timeout=30)
        assert "7788" in answer[0] and "rosa.diaz@example.com" in answer[0], answer

        # The agent is told: the hand off notifies through the notification policy.
        handoff = "Bot handed off · Order: 7788 · Email: rosa.diaz@example.com"
        wait_for(app, "the hand-off notification",
                 lambda d: [c for c in notify_calls(mark) if c[2].startswith("Rosa Díaz") and c[3] == handoff],
                 timeout=20)

        # The conversation is in the agent's view, raised to high priority.
        row = wait_for(app, "Rosa's row raised", lambda d: (
            (r := d.execute_script(ROW_NAMED, "Rosa Díaz")) is not None and r.get_attribute("data-priority") == "3" and r))
        row.click()
        wait_for(app, "the conversation open", lambda d: texts(d, "conversation-title") == ["Rosa Díaz"])
        marks = wait_for(app, "the bot's messages marked", lambda d: len([
            t for t in texts(d, "automated-mark") if "Where is my order" in t]) == 4 and texts(d, "automated-mark"))
        assert len([t for t in marks if "Where is my order" in t]) == 4, marks
        notes = wait_for(app, "the bot's note", lambda d: [n for n in texts(d, "contact-note") if "Bot handed off" in n])
        assert "Order: 7788" in notes[0] and "Email: rosa.diaz@example.com" in notes[0], notes
        assert "Asked: Hi! Where is my order?" in notes[0], notes
        details = wait_for(app, "the gathered details", lambda d: texts(d, "contact-attribute"))
        assert any("7788" in t for t in details) and any("rosa.diaz@example.com" in t for t in details), details
        screenshot(app, "bot-handoff")

        # The agent has the conversation open: the bot stays out of it.
        fake.inject(chat, "where is my order?")
        wait_for(app, "the customer's message", lambda d: "where is my order?" in texts(d, "message-text"), timeout=20)
        time.sleep(1.0)  # a bot answer would be queued within this time
        assert len(sent_to(fake, chat)) == 4, sent_to(fake, chat)
    finally:
        app.quit()


def test_the_settings_console_tries_a_message_without_sending_anything(workspace):
    app = start_app(workspace, {"PARLEY_DEMO_PACE": "off"})
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_for(app, "the demo's bot", bot_ready, timeout=60)
        fake = Fake(workspace.fake_url())
        before = len(fake.sent())
        by_testid(app, "accounts-button")[0].click()
        rows = wait_for(app, "the bot's rules", lambda d: len(by_testid(d, "bot-rule-row")) == 2 and by_testid(d, "bot-rule-row"))
        assert [r.get_attribute("data-name") for r in rows] == ["Where is my order", "Opening hours"]
        field = by_testid(app, "bot-console-input")[0]
        app.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", field)
        field.send_keys("Hola, ¿DÓNDE está mi pedido?")
        by_testid(app, "bot-console-try")[0].click()
        wait_for(app, "the matched rule", lambda d: texts(d, "bot-console-rule") == ["Where is my order"])
        assert texts(app, "bot-console-message") == [Q_ORDER]
        field.clear()
        field.send_keys("can I talk to a person")
        by_testid(app, "bot-console-try")[0].click()
        wait_for(app, "would hand off", lambda d: by_testid(d, "bot-console-result")[0].get_attribute("data-outcome") == "handOff")
        screenshot(app, "bot-console")
        assert len(fake.sent()) == before
    finally:
        app.quit()


def test_the_demos_customer_meets_the_bot_and_comes_to_the_agent(workspace):
    """What a new user sees: soon after the first start (at once with the fast pace) Lucía asks
    where her order is, answers the bot's questions, and her conversation comes to the agent."""
    app = start_app(workspace, {"PARLEY_DEMO_PACE": "fast"})
    try:
        def lucia(d):
            for t in ipc(d, "list_threads", {"cursor": None, "limit": 200})["threads"]:
                if t["contactName"] == "Lucía Fernández":
                    return t
            return None

        thread = wait_for(app, "Lucía handed to the agent", lambda d: (t := lucia(d)) and t["priority"] >= 3 and t,
                          timeout=90)
        ctx = wait_for(app, "the bot's note", lambda d: (c := ipc(d, "contact_context", {"threadId": thread["id"]}))
                       and any("Bot handed off" in n["body"] for n in c["notes"]) and c)
        details = {a["key"]: a["value"] for a in ctx["attributes"]}
        assert details == {"Order": "5120", "Email": "lucia@example.com"}, details
    finally:
        app.quit()
