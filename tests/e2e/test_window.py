"""The real window: demo workspace, reading, replying, hostile content, restart."""

import os
import subprocess
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import (
    ROW_NAMED,
    Fake,
    app_binary,
    by_testid,
    screenshot,
    start_app,
    texts,
    wait_for,
    wait_seeded,
    workspace_processes,
)

# Words of the demo's greeting (demo_workflow.rs seeds it; parley-domain DEFAULT_GREETING).
GREETING = "thanks for getting in touch"


def rows(driver):
    return by_testid(driver, "thread-row")


def row_named(driver, name):
    return driver.execute_script(ROW_NAMED, name)


def test_demo_threads_appear_and_a_reply_reaches_the_provider(app, workspace):
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
    fake = Fake(workspace.fake_url())

    chat = fake.customer("Grace", "Hopper")
    fake.inject(chat, "Hello, is my order 1234 on its way?")
    row = wait_for(app, "the new thread", lambda d: row_named(d, "Grace Hopper"))
    top = [r.get_attribute("data-thread-id") for r in rows(app)[:3]]
    assert row.get_attribute("data-thread-id") in top, "the newest conversation did not move to the top"
    assert int(row.get_attribute("data-unread")) == 1

    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == ["Grace Hopper"])
    wait_for(app, "the message", lambda d: any("order 1234" in t for t in texts(d, "message-text")))
    wait_for(app, "read", lambda d: row_named(d, "Grace Hopper").get_attribute("data-unread") == "0")
    wait_for(app, "customer pane", lambda d: texts(d, "contact-name") == ["Grace Hopper"])

    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("Yes, it ships today.")
    composer.send_keys(Keys.CONTROL, Keys.ENTER)
    wait_for(app, "the fake received the reply",
             lambda d: any(s["chat_id"] == chat and s["text"] == "Yes, it ships today." for s in fake.sent()))
    wait_for(app, "the reply shown as sent", lambda d: any(
        m.get_attribute("data-direction") == "outbound" and m.get_attribute("data-delivery") == "sent"
        for m in by_testid(d, "message")))
    # The demo greets a new customer (test_automation.py): the agent's reply is what counts here.
    assert [s["text"] for s in fake.sent() if s["chat_id"] == chat and GREETING not in s["text"]] == [
        "Yes, it ships today."], "the reply was sent more than once"
    screenshot(app, "demo-workspace")


def test_hostile_text_is_shown_as_text_and_runs_nothing(app, workspace):
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 1)
    fake = Fake(workspace.fake_url())
    payloads = [
        '<img src=x onerror="window.__pwned=1">',
        '<script>window.__pwned=2</script>',
        '<a href="javascript:window.__pwned=3">click</a> <b onmouseover="window.__pwned=4">bold</b>',
    ]
    chat = fake.customer('<img src=x onerror="window.__pwned=5">', None)
    for p in payloads:
        fake.inject(chat, p)
    row = wait_for(app, "the hostile thread", lambda d: row_named(d, '<img src=x onerror="window.__pwned=5">'))
    row.click()
    shown = wait_for(app, "all three messages", lambda d: (
        t := texts(d, "message-text")) and all(p in t for p in payloads) and t)
    for p in payloads:
        assert p in shown
    assert app.execute_script(
        "return document.querySelectorAll(\"img[src='x'], [data-testid='conversation'] script, a[href^='javascript']\").length"
    ) == 0
    assert texts(app, "conversation-title")[0].startswith("<img")
    time.sleep(0.5)
    assert app.execute_script("return window.__pwned === undefined"), "customer text ran as code"
    screenshot(app, "hostile-content")


def test_everything_is_still_there_after_a_restart(app, workspace):
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
    fake = Fake(workspace.fake_url())
    chat = fake.customer("Ada", "Lovelace")
    fake.inject(chat, "Do you ship to London?")
    wait_for(app, "the thread", lambda d: row_named(d, "Ada Lovelace")).click()
    wait_for(app, "read", lambda d: row_named(d, "Ada Lovelace").get_attribute("data-unread") == "0")
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("We do!")
    by_testid(app, "send-button")[0].click()
    wait_for(app, "sent", lambda d: any(s["chat_id"] == chat and s["text"] == "We do!" for s in fake.sent()))
    app.quit()

    again = start_app(workspace)
    try:
        row = wait_for(again, "the thread after restart", lambda d: row_named(d, "Ada Lovelace"))
        assert row.get_attribute("data-unread") == "0", "read state was lost"
        row.click()
        # Beside the demo's greeting (marked automated), which is not the agent's.
        wait_for(again, "both messages after restart", lambda d: d.execute_script(
            "return [...document.querySelectorAll('[data-testid=message]:not([data-automated]) "
            "[data-testid=message-text]')].map(e => e.textContent)")[-2:] == ["Do you ship to London?", "We do!"])
        # The demo goes on: its fake server was restarted with its saved state.
        fake = Fake(workspace.fake_url())
        fake.inject(chat, "Great, thanks!")
        wait_for(again, "a new message after restart", lambda d: "Great, thanks!" in texts(d, "message-text"))
    finally:
        again.quit()


def test_keyboard_moves_opens_and_replies(app, workspace):
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 3)
    body = app.find_element(By.TAG_NAME, "body")
    body.send_keys("j")
    body.send_keys("j")
    body.send_keys(Keys.ENTER)
    wait_for(app, "a thread opened by keyboard", lambda d: by_testid(d, "conversation-title"))
    selected = app.execute_script(
        "return document.querySelector('[data-testid=\"thread-row\"][aria-current=\"true\"] [data-testid=\"thread-name\"]').textContent")
    assert texts(app, "conversation-title") == [selected]
    body.send_keys("r")
    wait_for(app, "composer focused", lambda d: d.switch_to.active_element.get_attribute("data-testid") == "composer")
    app.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(app, "composer left", lambda d: d.switch_to.active_element.get_attribute("data-testid") != "composer")
    body.send_keys("/")
    search = wait_for(app, "search focused", lambda d: d.switch_to.active_element.get_attribute("data-testid") == "search-input" and d.switch_to.active_element)
    search.send_keys("invoice")
    wait_for(app, "search results", lambda d: len(by_testid(d, "search-result")) >= 1)


def app_processes(workspace):
    found = []
    for pid in workspace_processes(workspace):
        try:
            if os.readlink(f"/proc/{pid}/exe").endswith("/parley"):
                found.append(pid)
        except OSError:  # gone meanwhile
            pass
    return found


def app_log(workspace):
    return "".join(p.read_text(errors="replace") for p in (workspace.root / "logs").glob("parley*"))


def test_a_second_launch_brings_the_running_window_forward_and_exits(app, workspace):
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
    fake = Fake(workspace.fake_url())
    # Launched as a user would, from the menu or a terminal: same workspace, no WebDriver.
    second = subprocess.run([app_binary()], env={**os.environ, **workspace.env}, timeout=60,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert second.returncode == 0
    wait_for(app, "the running one told", lambda d: "launched again" in app_log(workspace), timeout=10)
    assert len(app_processes(workspace)) == 1, app_processes(workspace)
    # One sync, one database: the running window goes on as before.
    chat = fake.customer("Alan", "Turing")
    fake.inject(chat, "Still there?")
    wait_for(app, "a message after the second launch", lambda d: row_named(d, "Alan Turing"))
    # The second one stopped at the workspace lock, before opening the database.
    log = app_log(workspace)
    assert log.count("Parley starting") == 2 and "Parley is already open with this workspace" in log, log


def test_a_second_parley_that_cannot_reach_the_first_says_the_workspace_is_in_use(app, workspace):
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
    # Without the session bus the second launch cannot hand over: its window must say why it
    # shows nothing, and it must not have touched the workspace the first one is using.
    second = start_app(workspace, {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    try:
        reason = wait_for(second, "the reason", lambda d: texts(d, "start-error-message"))
        assert "already open with this workspace" in reason[0] and str(workspace.root / "data") in reason[0], reason
        assert not rows(second)
        # Still there later: not a notice that fades.
        time.sleep(7)
        assert texts(second, "start-error-message") == reason
        screenshot(second, "already-running")
    finally:
        second.quit()
    fake = Fake(workspace.fake_url())
    chat = fake.customer("Katherine", "Johnson")
    fake.inject(chat, "Hello?")
    wait_for(app, "the first one still syncing", lambda d: row_named(d, "Katherine Johnson"))


# Two different letters of each script the demo's customers write in (names and messages) or
# that customers commonly do. Without a font for a script, WebKit draws the same empty box for
# both letters; with one, two different glyphs.
SCRIPT_SAMPLES = {
    "Chinese": ("李", "伟"),
    "Japanese": ("こ", "ん"),
    "Arabic": ("ح", "خ"),
    "Hebrew": ("ש", "ל"),
    "Devanagari": ("न", "म"),
    "Cyrillic": ("Д", "Ж"),
    "Thai": ("ก", "ข"),
}


def test_every_script_customers_write_in_has_a_font(app):
    wait_for(app, "李伟's row", lambda d: row_named(d, "李伟"))
    drawn = app.execute_script(
        """const font = getComputedStyle(document.querySelector('[data-testid="thread-name"]')).font;
           const draw = (ch) => {
             const c = document.createElement('canvas');
             c.width = 64; c.height = 64;
             const g = c.getContext('2d');
             g.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
             g.fillText(ch, 8, 48);
             return c.toDataURL();
           };
           const out = {};
           for (const [script, [a, b]] of Object.entries(arguments[0])) out[script] = draw(a) !== draw(b);
           return out;""",
        SCRIPT_SAMPLES,
    )
    missing = [script for script, differs in drawn.items() if not differs]
    assert not missing, f"no font for {missing}: their letters render as empty boxes"


def row_attr_id(driver, name):
    return row_named(driver, name).get_attribute("data-thread-id")


def row_order(driver):
    # Read in one go: a row element can be re-rendered between finding it and reading it.
    return driver.execute_script(
        """return [...document.querySelectorAll('[data-testid="thread-row"]')]
                  .map((r) => r.getAttribute('data-thread-id'));""")


def snippet_of(driver, name):
    return driver.execute_script(
        """for (const row of document.querySelectorAll('[data-testid="thread-row"]')) {
             const n = row.querySelector('[data-testid="thread-name"]');
             if (n && n.textContent === arguments[0])
               return row.querySelector('[data-testid="thread-snippet"]').textContent;
           } return null;""",
        name,
    )


def test_a_row_being_clicked_stays_put_while_messages_arrive(workspace):
    # The demo's customers stay silent: only this test's messages move rows.
    app = start_app(workspace, {"PARLEY_DEMO_PACE": "off"})
    try:
        wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
        wait_seeded(app)
        fake = Fake(workspace.fake_url())
        pearl, quinn = fake.customer("Pearl", "Kendrick"), fake.customer("Quinn", "Abara")
        fake.inject(pearl, "Do you ship to Norway?")
        wait_for(app, "Pearl's row", lambda d: row_named(d, "Pearl Kendrick"))
        fake.inject(quinn, "Is the blue one back in stock?")
        wait_for(app, "Quinn on top, Pearl second",
                 lambda d: [texts(d, "thread-name")[:2]] == [["Quinn Abara", "Pearl Kendrick"]])
        # Telegram dates messages to the second: Pearl's next message must be strictly newer
        # than Quinn's, or the two tie and Pearl's row would not move even without the hold.
        time.sleep(1.1)

        # The agent presses on Quinn's row; before the button comes up, Pearl writes again, which
        # would move Pearl's row to the top and Quinn's down under the pointer. The order is
        # taken once the button is down: until then the demo's own workflow (resolving and
        # snoozing some of its conversations as they arrive) may still take rows out of Open.
        actions = ActionChains(app)
        actions.move_to_element(row_named(app, "Quinn Abara")).click_and_hold().perform()
        before = row_order(app)
        assert before[:2] == [row_attr_id(app, "Quinn Abara"), row_attr_id(app, "Pearl Kendrick")], before
        fake.inject(pearl, "Or to Svalbard?")
        wait_for(app, "Pearl's new message shown in her row, where it stands",
                 lambda d: snippet_of(d, "Pearl Kendrick") == "Or to Svalbard?")
        assert row_order(app) == before, "the list moved under the pressed pointer"
        ActionChains(app).release().perform()
        wait_for(app, "Quinn's conversation open", lambda d: texts(d, "conversation-title") == ["Quinn Abara"])

        # Once the pointer is gone, the list catches up: Pearl's conversation moves to the top.
        ActionChains(app).move_to_element(by_testid(app, "composer")[0]).perform()
        wait_for(app, "Pearl on top", lambda d: texts(d, "thread-name")[:1] == ["Pearl Kendrick"])
    finally:
        app.quit()


def test_the_first_screen_reads_well(app):
    """The first minute of a new user, on the demo: the search field's placeholder whole, a
    customer known only by a phone number gets digits, not a "+", as avatar initials."""
    wait_for(app, "demo threads", lambda d: len(rows(d)) >= 5)
    cut = app.execute_script(
        """const input = document.querySelector('[data-testid="search-input"]');
           const style = getComputedStyle(input);
           const g = document.createElement('canvas').getContext('2d');
           g.font = style.font;
           const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
           return g.measureText(input.placeholder).width > room;""")
    assert not cut, "the search field's placeholder is cut"

    phone = wait_for(app, "an SMS customer known by number",
                     lambda d: d.execute_script(
                         """for (const n of document.querySelectorAll('[data-testid="thread-name"]'))
                              if (/^\\+\\d+$/.test(n.textContent)) return n.textContent;
                            return null;"""))
    row_named(app, phone).click()
    wait_for(app, "the conversation", lambda d: texts(d, "conversation-title") == [phone])
    avatars = wait_for(app, "the avatars", lambda d: texts(d, "avatar"))
    assert avatars and all(a == phone[-2:] for a in avatars), avatars
