"""Native notifications in the real window: one Notify call per new customer message on the bus
(recorded by run.sh's dbus-monitor), a burst in one thread updates that one notification, a
click through the daemon opens the thread, and do not disturb silences it.

Clicking: dunst 1.9's `dunstctl action 0` invokes the "default" action of the notification at
the top of the stack (oldest first), so each test clears what is on screen (the initial sync's
summary) before it injects. The other actions ("Reply", "Mark as read") go through dunst's
context menu, which run.sh points at tests/e2e/dunst_menu.sh. The demo's simulated customers are kept quiet so that the only
messages are the ones injected here.

A thread muted from the conversation header stays silent until unmuted, and with message text
hidden a notification says only "New message".

One dbus-monitor records the whole run, so each test reads only what came after it started.

Every test runs twice: with the demo's accounts going live together, and one by one in the
reverse of their usual order (`PARLEY_DEMO_STAGGER_MS`), as on a slower machine or one where
another account happens to be first. Either way the first start shows one summary."""

import re
import subprocess
import time

import pytest

from conftest import ARTIFACTS, Fake, by_testid, log_mark, notify_calls, sent_notify_calls, start_app, wait_for

@pytest.fixture(params=["together", "staggered"])
def quiet(request):
    """The app's environment: the demo's customers silent, its accounts starting at the pace
    the parameter names."""
    stagger = {"together": "0", "staggered": "1500"}[request.param]
    return {"PARLEY_DEMO_PACE": "off", "PARLEY_DEMO_STAGGER_MS": stagger}


def calls_for(name, since):
    return [c for c in notify_calls(since) if c[2].startswith(name)]


def shown_ids(workspace, key):
    """The notification ids the app logged for `key` ("notification shown id=… key=…")."""
    ids = []
    for log in (workspace.root / "logs").glob("parley*"):
        for line in log.read_text(errors="replace").splitlines():
            if "notification shown" in line and re.search(rf'key="?{key}\b', line):
                m = re.search(r"\bid=(\d+)", line)
                if m:
                    ids.append(int(m.group(1)))
    return ids


def displayed():
    out = subprocess.run(["dunstctl", "count", "displayed"], capture_output=True, text=True, timeout=10)
    return int(out.stdout.strip() or "0")


def synced_summaries(since):
    return [(who, c) for who, c in sent_notify_calls(since) if c[2] == "Parley" and "synced" in c[3]]


def clear_screen(app, since):
    """Waits until every account is live and the first start's summary was shown, checks that
    it was the only one, then closes every notification on screen, so that `dunstctl action 0`
    can only reach the test's own."""
    wait_for(app, "every account live",
             lambda d: by_testid(d, "sync-indicator")[0].get_attribute("data-tone") == "ok", timeout=40)
    first = wait_for(app, "the first start's summary", lambda d: synced_summaries(since))
    time.sleep(1.0)  # another account's summary would come within this time
    own = [c for who, c in synced_summaries(since) if who == first[0][0]]
    assert len(own) == 1, f"the first start showed {len(own)} summaries: {own}"
    assert re.fullmatch(r"\d+ conversations synced from Telegram, Messenger, Instagram, SMS and WhatsApp",
                        own[0][3]), own
    subprocess.run(["dunstctl", "close-all"], check=True, timeout=10)
    wait_for(app, "an empty screen", lambda d: displayed() == 0)


def thread_id_of(driver, name):
    return driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
             const n = row.querySelector('[data-testid="thread-name"]');
             if (n && n.textContent === arguments[0]) return row.getAttribute('data-thread-id');
           } return null;""",
        name,
    )


def conversation_title(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=conversation-title]')].map(e => e.textContent)"
    )


def test_a_new_message_notifies_once_and_a_click_opens_its_thread(workspace, quiet):
    mark = log_mark()
    app = start_app(workspace, quiet)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        clear_screen(app, mark)
        fake = Fake(workspace.fake_url())
        chat = fake.customer("Katherine", "Johnson")

        fake.inject(chat, "My parcel never arrived\nOrder 5521, sent last week")
        wait_for(app, "the Notify call", lambda d: calls_for("Katherine Johnson", mark), timeout=10)
        time.sleep(1.0)  # a second call would come within this time if the policy misbehaved
        first = calls_for("Katherine Johnson", mark)
        assert first == [("Parley", 0, "Katherine Johnson · Telegram", "My parcel never arrived")], first
        thread = wait_for(app, "the thread row", lambda d: thread_id_of(d, "Katherine Johnson"))
        ids = wait_for(app, "the notification id in the log", lambda d: shown_ids(workspace, f"thread-{thread}"))

        # A second message in the same thread updates that notification in place.
        fake.inject(chat, "Any news?")
        wait_for(app, "the second Notify call", lambda d: len(calls_for("Katherine Johnson", mark)) == 2, timeout=10)
        time.sleep(1.0)
        both = calls_for("Katherine Johnson", mark)
        assert both[1:] == [("Parley", ids[0], "Katherine Johnson · Telegram (2 new)", "Any news?")], both
        assert displayed() == 1

        assert not conversation_title(app), "no thread should be open before the click"
        # The daemon invokes the notification's default action, as a click on it would.
        subprocess.run(["dunstctl", "action", "0"], check=True, timeout=10)
        wait_for(app, "the thread opened by the click",
                 lambda d: conversation_title(d) == ["Katherine Johnson"], timeout=10)
        assert len(calls_for("Katherine Johnson", mark)) == 2, notify_calls(mark)
    finally:
        app.quit()


def pick_action(key):
    """Invokes the action `key` of the notification on screen through dunst's context menu
    (run.sh makes tests/e2e/dunst_menu.sh its menu)."""
    (ARTIFACTS / "menu-pick").write_text(key)
    try:
        subprocess.run(["dunstctl", "context"], check=True, timeout=10)
    finally:
        time.sleep(0.3)  # dunst reads the menu's answer on a thread of its own
        (ARTIFACTS / "menu-pick").unlink(missing_ok=True)


def unread_of(driver, name):
    return driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
             const n = row.querySelector('[data-testid="thread-name"]');
             if (n && n.textContent === arguments[0]) return row.getAttribute('data-unread');
           } return null;""",
        name,
    )


def test_mark_as_read_and_reply_from_the_notification(workspace, quiet):
    mark = log_mark()
    app = start_app(workspace, quiet)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        clear_screen(app, mark)
        fake = Fake(workspace.fake_url())
        chat = fake.customer("Mary", "Jackson")

        fake.inject(chat, "Can I change my delivery address?")
        wait_for(app, "the Notify call", lambda d: calls_for("Mary Jackson", mark), timeout=10)
        wait_for(app, "one unread message", lambda d: unread_of(d, "Mary Jackson") == "1")
        pick_action("mark-read")
        wait_for(app, "the thread marked read", lambda d: unread_of(d, "Mary Jackson") == "0", timeout=10)
        assert not conversation_title(app), "mark as read must not open the thread"
        wait_for(app, "the notification gone", lambda d: displayed() == 0)

        # Seen, so the count starts again: a fresh notification, not "(2 new)".
        fake.inject(chat, "It is for order 7731")
        wait_for(app, "the second Notify call", lambda d: len(calls_for("Mary Jackson", mark)) == 2, timeout=10)
        assert calls_for("Mary Jackson", mark)[1][2:] == ("Mary Jackson · Telegram", "It is for order 7731")
        pick_action("reply")
        wait_for(app, "the thread opened by Reply", lambda d: conversation_title(d) == ["Mary Jackson"], timeout=10)
        wait_for(app, "the composer focused", lambda d: d.execute_script(
            "return document.activeElement && document.activeElement.dataset.testid === 'composer'"))
    finally:
        app.quit()


def test_do_not_disturb_silences_new_messages(workspace, quiet):
    mark = log_mark()
    app = start_app(workspace, quiet)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        clear_screen(app, mark)
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "notification settings", lambda d: by_testid(d, "notify-pause-hour"))[0].click()
        wait_for(app, "paused", lambda d: by_testid(d, "notify-paused"))
        # What the bus saw before the pause (a demo customer's message arriving with the first
        # sync, say) is not this test's business: judge only what comes while paused.
        mark = log_mark()
        fake = Fake(workspace.fake_url())
        chat = fake.customer("Dorothy", "Vaughan")
        fake.inject(chat, "Are you open on Sunday?")
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "the thread arrives", lambda d: thread_id_of(d, "Dorothy Vaughan"))
        time.sleep(2.0)
        assert not calls_for("Dorothy Vaughan", mark), notify_calls(mark)
        assert not [c for c in notify_calls(mark) if "synced" not in c[3]], notify_calls(mark)

        # Off again: what waited is summarised once, not replayed message by message.
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "the resume button", lambda d: by_testid(d, "notify-resume"))[0].click()
        wait_for(app, "notifications on", lambda d: by_testid(d, "notify-pause-hour"))
        summary = ("Parley", 0, "Parley", "1 new message in 1 conversation while notifications were paused")
        wait_for(app, "the summary of what waited", lambda d: summary in notify_calls(mark), timeout=10)
        time.sleep(1.0)
        # Judged on this app's own bus connection (the one that sent the summary), so that nothing
        # another process on the shared bus shows can pass for, or spoil, what this app did.
        app_sender = next(who for who, call in sent_notify_calls(mark) if call == summary)
        after = [c for c in notify_calls(mark, sender=app_sender) if "synced" not in c[3]]
        assert after == [summary], sent_notify_calls(mark)
    finally:
        app.quit()


def mute_state(driver):
    """The header toggle's state ("true" when muted), or None without an open conversation."""
    buttons = by_testid(driver, "mute-thread")
    return buttons[0].get_attribute("aria-pressed") if buttons else None


def row_muted(driver, name):
    return driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
             const n = row.querySelector('[data-testid="thread-name"]');
             if (n && n.textContent === arguments[0])
               return row.querySelector('[data-testid="thread-muted"]') !== null;
           } return null;""",
        name,
    )


def open_row(driver, name):
    driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
             const n = row.querySelector('[data-testid="thread-name"]');
             if (n && n.textContent === arguments[0]) { row.click(); return; }
           }""",
        name,
    )
    wait_for(driver, f"{name}'s conversation open", lambda d: conversation_title(d) == [name])


def test_a_muted_thread_stays_silent_until_unmuted(workspace, quiet):
    mark = log_mark()
    app = start_app(workspace, quiet)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        clear_screen(app, mark)
        fake = Fake(workspace.fake_url())
        hedy = fake.customer("Hedy", "Lamarr")
        control = fake.customer("Annie", "Easley")
        fake.inject(hedy, "Is the radio kit in stock?")
        wait_for(app, "Hedy's first Notify", lambda d: calls_for("Hedy Lamarr", mark), timeout=10)

        # Mute it from the conversation header; the row shows the muted icon.
        wait_for(app, "Hedy's row", lambda d: thread_id_of(d, "Hedy Lamarr"))
        open_row(app, "Hedy Lamarr")
        wait_for(app, "the mute toggle", lambda d: mute_state(d) == "false")
        by_testid(app, "mute-thread")[0].click()
        wait_for(app, "muted", lambda d: mute_state(d) == "true")
        wait_for(app, "the row's muted icon", lambda d: row_muted(d, "Hedy Lamarr") is True)

        # Away from the conversation (so it is not on screen), Hedy writes, then someone else.
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "notification settings", lambda d: by_testid(d, "notification-settings"))
        fake.inject(hedy, "My card is 4111 1111 1111 1111")
        fake.inject(control, "Hello from Annie")
        wait_for(app, "the other thread still notifies", lambda d: calls_for("Annie Easley", mark), timeout=10)
        time.sleep(1.5)
        assert len(calls_for("Hedy Lamarr", mark)) == 1, notify_calls(mark)
        assert not [c for c in notify_calls(mark) if "4111" in c[3]], notify_calls(mark)

        # Unmute from the header: the next message notifies again.
        by_testid(app, "accounts-button")[0].click()
        open_row(app, "Hedy Lamarr")
        wait_for(app, "still muted after a round trip", lambda d: mute_state(d) == "true")
        by_testid(app, "mute-thread")[0].click()
        wait_for(app, "unmuted", lambda d: mute_state(d) == "false")
        wait_for(app, "the row's icon gone", lambda d: row_muted(d, "Hedy Lamarr") is False)
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "notification settings", lambda d: by_testid(d, "notification-settings"))
        fake.inject(hedy, "Hello again")
        wait_for(app, "Hedy's Notify after unmuting",
                 lambda d: len(calls_for("Hedy Lamarr", mark)) == 2, timeout=10)
        assert calls_for("Hedy Lamarr", mark)[1][2:] == ("Hedy Lamarr · Telegram", "Hello again")

        # Message text hidden: the text on screen is replaced at once, and a new message says
        # only that it arrived.
        by_testid(app, "notify-show-text")[0].click()
        wait_for(app, "text hidden", lambda d: not by_testid(d, "notify-show-text")[0].is_selected())
        wait_for(app, "Annie's notification without its text", lambda d: (
            "Annie Easley · Telegram", "New message") in [c[2:] for c in calls_for("Annie Easley", mark)])
        fake.inject(control, "My address is 12 Elm Street")
        wait_for(app, "Annie's second Notify", lambda d: (
            "Annie Easley · Telegram (2 new)", "New message") in [c[2:] for c in calls_for("Annie Easley", mark)],
            timeout=10)
        assert not [c for c in notify_calls(mark) if "Elm Street" in c[3]], notify_calls(mark)
    finally:
        app.quit()
