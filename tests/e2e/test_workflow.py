"""The conversation workflow in the real window: resolving with `e` and moving on, a customer
reopening what was resolved, a snooze that ends with a notification, labels applied with `l` and
their view, priority with `!`, a bulk resolve of three conversations undone, resolving with a
reply still waiting (send it or hold it), the labels manager, and shortcuts that
stay quiet while the agent types.

The demo's customers are kept quiet (only this file's customers write). Tests that count the Open
view first wait for the demo's own workflow to be seeded (its labels, its resolved, pending and
snoozed conversations), so that the counts move only by what the test does."""

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import (
    ROW_NAMED,
    Fake,
    by_testid,
    ipc,
    log_mark,
    notify_calls,
    screenshot,
    start_app,
    texts,
    wait_for,
    wait_seeded,
)

QUIET = {"PARLEY_DEMO_PACE": "off"}


@pytest.fixture
def quiet(workspace):
    """The app on the quiet demo, and the demo's fake Telegram."""
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        yield app, Fake(workspace.fake_url())
    finally:
        app.quit()


@pytest.fixture
def seeded(quiet):
    """As `quiet`, once the demo's own workflow is seeded: for tests that count the Open view.
    (With its customers quiet, one the seeding waits for never writes: it applies the rest after
    its patience, 90 s.)"""
    wait_seeded(quiet[0])
    return quiet


def row_named(driver, name):
    return driver.execute_script(ROW_NAMED, name)


def row_attr(driver, name, attr):
    row = row_named(driver, name)
    return row.get_attribute(attr) if row else None


def open_count(driver):
    """The Open view's count in the sidebar (absent: none)."""
    shown = driver.execute_script(
        """const c = document.querySelector('[data-testid="view-item"][data-view="open"] [data-testid="view-count"]');
           return c ? c.textContent : null;""")
    return int(shown.replace(",", "")) if shown else 0


def settled_open_count(driver):
    """The Open count once the sidebar shows what the core counts (None until then)."""
    counted = ipc(driver, "view_counts")["open"]
    return counted if open_count(driver) == counted else None


def press(driver, keys):
    """Keys to whatever has the focus (a menu, not a field)."""
    ActionChains(driver).send_keys(keys).perform()


def body(driver):
    return driver.find_element(By.TAG_NAME, "body")


def active_testid(driver):
    return driver.execute_script("return document.activeElement && document.activeElement.dataset.testid")


def selected_name(driver):
    return driver.execute_script(
        """const row = document.querySelector('[data-testid="thread-row"].selected [data-testid="thread-name"]');
           return row ? row.textContent : null;""")


def show_view(driver, key):
    driver.find_element(By.CSS_SELECTOR, f'[data-testid="view-item"][data-view="{key}"]').click()
    wait_for(driver, f"the {key} view", lambda d: d.find_element(
        By.CSS_SELECTOR, f'[data-testid="view-item"][data-view="{key}"]').get_attribute("aria-current") == "page")


def open_row(driver, name):
    """Clicks the customer's row and waits for the conversation."""
    row_named(driver, name).click()
    wait_for(driver, f"{name}'s conversation", lambda d: texts(d, "conversation-title") == [name])


def writes(driver, fake, first, last, text):
    """A new customer writes; answers their chat once their row shows."""
    chat = fake.customer(first, last)
    fake.inject(chat, text)
    wait_for(driver, f"{first}'s row", lambda d: row_named(d, f"{first} {last}"))
    return chat


def in_row(driver, name, script):
    """What `script` (a function of the row, as JavaScript) answers for the customer's row."""
    return driver.execute_script(
        f"""for (const row of document.querySelectorAll('[data-testid="thread-row"]'))
              if (row.querySelector('[data-testid="thread-name"]').textContent === arguments[0])
                return ({script})(row);
            return null;""", name)


def events_shown(driver):
    return texts(driver, "thread-event")


def test_e_resolves_and_moves_on_and_a_customer_message_reopens(seeded):
    app, fake = seeded
    writes(app, fake, "Ruth", "Handler", "Where is my order 881?")
    edith = writes(app, fake, "Edith", "Clarke", "Can I pay by invoice?")
    before = wait_for(app, "the Open count", settled_open_count)

    open_row(app, "Edith Clarke")
    wait_for(app, "her status shown", lambda d: texts(d, "conversation-status") == ["Open"])
    names = texts(app, "thread-name")
    following = names[names.index("Edith Clarke") + 1]

    body(app).send_keys("e")
    wait_for(app, "the next conversation open", lambda d: texts(d, "conversation-title") == [following])
    assert selected_name(app) == following
    wait_for(app, "Edith's row gone from Open", lambda d: row_named(d, "Edith Clarke") is None)
    wait_for(app, "the Open count one less", lambda d: open_count(d) == before - 1)
    assert texts(app, "undo-text") == ["Resolved Edith Clarke"]
    threads = ipc(app, "list_view", {"view": {"kind": "resolved"}, "cursor": None, "limit": 200})["threads"]
    assert "Edith Clarke" in [t["contactName"] for t in threads]
    screenshot(app, "workflow-resolved")

    # She writes again: the conversation opens again, and says why.
    fake.inject(edith, "Hello? Still there?")
    wait_for(app, "Edith back in Open", lambda d: row_named(d, "Edith Clarke"))
    wait_for(app, "the Open count back", lambda d: open_count(d) == before)
    open_row(app, "Edith Clarke")
    wait_for(app, "the status history", lambda d: [e.split(" · ")[0] for e in events_shown(d)] == [
        "Resolved by you", "Reopened — the customer wrote while it was resolved"])
    assert texts(app, "conversation-status") == ["Open"]


def test_a_snooze_ends_with_a_notification(quiet):
    app, fake = quiet
    mark = log_mark()
    writes(app, fake, "Grace", "Chisholm", "Please remind me about the refund")
    thread = int(row_attr(app, "Grace Chisholm", "data-thread-id"))
    wait_for(app, "Grace on top", lambda d: texts(d, "thread-name")[:1] == ["Grace Chisholm"])

    # Selected (not opened: the notification policy stays silent for the conversation on
    # screen), snoozed from the keyboard with the menu's first quick choice.
    body(app).send_keys("j")
    wait_for(app, "Grace selected", lambda d: selected_name(d) == "Grace Chisholm")
    body(app).send_keys("s")
    wait_for(app, "the snooze menu", lambda d: by_testid(d, "snooze-menu"))
    choices = wait_for(app, "the quick choices", lambda d: texts(d, "snooze-choice"))
    assert any("In 1 hour" in c for c in choices) and any("Tomorrow" in c for c in choices), choices
    assert by_testid(app, "snooze-at")[0].get_attribute("type") == "datetime-local"
    press(app, "1")
    wait_for(app, "Grace gone from Open", lambda d: row_named(d, "Grace Chisholm") is None)
    # The toast comes with the change's answer, which can land after the row left the list.
    wait_for(app, "the snooze's Undo toast", lambda d: any(
        t.startswith("Snoozed Grace Chisholm until ") for t in texts(d, "undo-text")))

    # The palette finds the Snoozed view, which shows when she wakes.
    ActionChains(app).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    wait_for(app, "the palette", lambda d: active_testid(d) == "palette-input")
    app.switch_to.active_element.send_keys("go snoozed")
    wait_for(app, "the Snoozed view offered first",
             lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="palette-item"][aria-selected="true"]')
             .get_attribute("data-command") == "view-snoozed")
    app.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(app, "Grace in Snoozed", lambda d: row_named(d, "Grace Chisholm"))
    wakes = in_row(app, "Grace Chisholm", "(row) => row.querySelector('[data-testid=thread-wakes]').textContent")
    assert wakes.startswith("wakes "), wakes

    # A snooze of three seconds, through the real IPC: it ends with a notification.
    app.execute_async_script(
        """const done = arguments[arguments.length - 1];
           window.__TAURI_INTERNALS__.invoke('change_threads',
             { threadIds: [arguments[0]], change: { kind: 'snooze', until: Date.now() + 3000 } }).then(done, done);""",
        thread)
    ended = "Snooze ended · Please remind me about the refund"
    wait_for(app, "the notification on the bus", lambda d: [
        c for c in notify_calls(mark) if c[2].startswith("Grace Chisholm") and c[3] == ended], timeout=20)
    wait_for(app, "Grace gone from Snoozed", lambda d: row_named(d, "Grace Chisholm") is None)
    body(app).send_keys("g")
    body(app).send_keys("o")
    wait_for(app, "Grace back in Open", lambda d: row_named(d, "Grace Chisholm"))
    open_row(app, "Grace Chisholm")
    wait_for(app, "the wake-up in her conversation", lambda d: events_shown(d) and
             events_shown(d)[-1].startswith("Woke from snooze"))
    assert events_shown(app)[0].startswith("Snoozed until ")


def test_label_with_l_and_set_priority_then_open_the_labels_view(quiet):
    app, fake = quiet
    writes(app, fake, "Hertha", "Ayrton", "A bulk order of 40 lamps, possible?")
    open_row(app, "Hertha Ayrton")

    # l: a new label from the typed text, then an existing one (made in the labels manager's
    # place, through the IPC) by type-ahead.
    ipc(app, "create_label", {"name": "Trade", "color": "#0891b2"})
    body(app).send_keys("l")
    wait_for(app, "the label picker", lambda d: active_testid(d) == "label-filter")
    app.switch_to.active_element.send_keys("Wholesale")
    wait_for(app, "the offer to create it", lambda d: by_testid(d, "label-create"))
    app.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(app, "the label on the conversation", lambda d: "Wholesale" in texts(d, "label-chip"))
    filt = app.switch_to.active_element
    assert filt.get_attribute("data-testid") == "label-filter"
    filt.send_keys("tra")
    wait_for(app, "Trade offered first", lambda d: [t.strip() for t in texts(d, "label-option")][:1] == ["Trade"])
    filt.send_keys(Keys.ENTER)
    wait_for(app, "both labels in the header", lambda d: sorted(d.execute_script(
        "return [...document.querySelectorAll('[data-testid=conversation-labels] [data-testid=label-chip]')].map(e => e.textContent)"))
        == ["Trade", "Wholesale"])
    filt.send_keys(Keys.ESCAPE)
    wait_for(app, "the picker closed", lambda d: not by_testid(d, "label-picker"))
    wait_for(app, "the chips in her row", lambda d: in_row(
        d, "Hertha Ayrton", "(row) => [...row.querySelectorAll('[data-testid=label-chip]')].map(e => e.textContent).sort()")
        == ["Trade", "Wholesale"])

    # !: the priority menu; 4 is urgent.
    body(app).send_keys("!")
    wait_for(app, "the priority menu", lambda d: by_testid(d, "priority-menu"))
    press(app, "4")
    wait_for(app, "urgent in the row", lambda d: row_attr(d, "Hertha Ayrton", "data-priority") == "4")
    assert app.find_element(By.CSS_SELECTOR, '[data-testid="conversation-priority"]').get_attribute("data-priority") == "4"

    # The label's view lists her, and only her; someone else writing does not enter it.
    label = next(lab["id"] for lab in ipc(app, "list_labels") if lab["name"] == "Wholesale")
    show_view(app, f"label:{label}")
    wait_for(app, "the label's view", lambda d: texts(d, "thread-name") == ["Hertha Ayrton"])
    count = app.find_element(By.CSS_SELECTOR, f'[data-testid="view-item"][data-view="label:{label}"] [data-testid="view-count"]')
    assert count.text == "1"
    other = fake.customer("Lise", "Meitner")
    fake.inject(other, "Do you sell spare bulbs?")
    wait_for(app, "Lise's conversation stored", lambda d: any(
        t["contactName"] == "Lise Meitner" for t in ipc(d, "list_threads", {"cursor": None, "limit": 20})["threads"]))
    wait_for(app, "the Open count to include Lise", settled_open_count)
    assert texts(app, "thread-name") == ["Hertha Ayrton"]
    screenshot(app, "workflow-label-view")

    # Back in Open, the selection is where the agent left it.
    body(app).send_keys("g")
    body(app).send_keys("o")
    wait_for(app, "Open again", lambda d: row_named(d, "Lise Meitner"))
    assert selected_name(app) == "Hertha Ayrton"


def test_bulk_resolve_three_then_undo(seeded):
    app, fake = seeded
    names = ["Mae Jemison", "Sally Ride", "Valentina Tereshkova"]
    for name in names:
        first, last = name.split(" ")
        fake.inject(fake.customer(first, last), f"Question from {first}")
    wait_for(app, "the three on top", lambda d: sorted(texts(d, "thread-name")[:3]) == names)
    before = wait_for(app, "the Open count", settled_open_count)
    resolved = ipc(app, "view_counts")["resolved"]

    # j selects the top row, x checks it, shift+j twice extends the selection over the next two.
    body(app).send_keys("j")
    body(app).send_keys("x")
    ActionChains(app).key_down(Keys.SHIFT).send_keys("j").send_keys("j").key_up(Keys.SHIFT).perform()
    wait_for(app, "3 selected", lambda d: texts(d, "selection-count") == ["3 selected"])
    checked = app.execute_script(
        """return [...document.querySelectorAll('[data-testid="thread-row"][data-checked="true"] [data-testid="thread-name"]')]
             .map(e => e.textContent).sort();""")
    assert checked == names

    body(app).send_keys("e")
    wait_for(app, "the three gone from Open", lambda d: not any(row_named(d, n) for n in names))
    wait_for(app, "the Open count three less", lambda d: open_count(d) == before - 3)
    assert texts(app, "undo-text") == ["Resolved 3 conversations"]
    assert ipc(app, "view_counts")["resolved"] == resolved + 3
    assert not by_testid(app, "selection-bar")
    screenshot(app, "workflow-bulk-resolved")

    by_testid(app, "undo-button")[0].click()
    wait_for(app, "the three back", lambda d: all(row_named(d, n) for n in names))
    wait_for(app, "the Open count back", lambda d: open_count(d) == before)
    assert ipc(app, "view_counts")["resolved"] == resolved
    assert [row_attr(app, n, "data-status") for n in names] == ["open"] * 3

    # ? lists every shortcut.
    body(app).send_keys("?")
    wait_for(app, "the keyboard map", lambda d: by_testid(d, "keyboard-map"))
    keys = app.execute_script(
        """const out = {};
           for (const row of document.querySelectorAll('[data-testid="keymap-row"]'))
             out[row.dataset.command] = [...row.querySelectorAll('[data-testid="shortcut"]')].map(s => s.textContent);
           return out;""")
    assert keys["resolve"] == ["e"] and keys["snooze"] == ["s"] and keys["priority"] == ["!"], keys
    assert keys["labels"] == ["l"] and keys["check"] == ["x"] and keys["palette"] == ["Ctrl+K"], keys
    press(app, Keys.ESCAPE)
    wait_for(app, "the map closed", lambda d: not by_testid(d, "keyboard-map"))


def test_shortcuts_do_not_fire_while_typing(quiet):
    app, fake = quiet
    writes(app, fake, "Irene", "Curie", "Is the blue one back?")
    open_row(app, "Irene Curie")
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("yes, see you!")
    time.sleep(0.5)  # nothing may happen; give a wrong shortcut the time to show
    assert composer.get_attribute("value") == "yes, see you!"
    assert texts(app, "conversation-status") == ["Open"]
    assert not by_testid(app, "label-picker") and not by_testid(app, "snooze-menu") and not by_testid(app, "keyboard-map")
    assert row_attr(app, "Irene Curie", "data-status") == "open"


def deliveries(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=message][data-direction=outbound]')]"
        ".map(e => [e.querySelector('[data-testid=message-text]')?.textContent ?? '', e.dataset.delivery])")


def queue_reply(driver, text):
    """Sends from the open conversation's composer while the provider is down: it waits."""
    composer = wait_for(driver, "the composer", lambda d: by_testid(d, "composer"))[0]
    composer.click()
    composer.send_keys(text)
    by_testid(driver, "send-button")[0].click()
    wait_for(driver, f"{text!r} queued", lambda d: [text, "queued"] in deliveries(d))


def test_resolving_with_a_waiting_reply_asks_to_send_or_hold_it(quiet):
    app, fake = quiet
    writes(app, fake, "Olive", "Dennis", "Can the parcel wait at the depot?")
    alice = writes(app, fake, "Alice", "Ball", "Is the 2 kg bag back in stock?")

    # The provider goes away (a proxy's 502 on every call), so the replies wait in the outbox.
    for method in ("getUpdates", "getMe", "sendMessage"):
        fake.fault(method, {"type": "serverError", "status": 502}, 100000)
    fake.inject(alice, "Or the 5 kg one?")  # ends the poll in flight: the next one meets the outage
    wait_for(app, "offline", lambda d: by_testid(d, "offline-banner"), timeout=40)
    open_row(app, "Olive Dennis")
    queue_reply(app, "It can wait there for 7 days.")
    open_row(app, "Alice Ball")
    queue_reply(app, "Both are back on Friday.")

    # Resolving Alice asks first; Cancel leaves her open.
    body(app).send_keys("e")
    wait_for(app, "the question", lambda d: by_testid(d, "queued-dialog"))
    assert texts(app, "queued-question")[0].startswith("A reply is still waiting to be sent in this conversation.")
    screenshot(app, "workflow-queued-question")
    by_testid(app, "queued-cancel")[0].click()
    wait_for(app, "the question gone", lambda d: not by_testid(d, "queued-dialog"))
    wait_for(app, "Alice still open", lambda d: texts(d, "conversation-status") == ["Open"])

    # Send it: resolved, and the reply still goes once the provider is back.
    body(app).send_keys("e")
    wait_for(app, "the question again", lambda d: by_testid(d, "queued-send"))[0].click()
    wait_for(app, "Alice resolved", lambda d: row_named(d, "Alice Ball") is None)
    # Hold it: resolved, and the outbox keeps Olive's reply for the agent.
    open_row(app, "Olive Dennis")
    body(app).send_keys("e")
    wait_for(app, "Olive's question", lambda d: by_testid(d, "queued-hold"))[0].click()
    wait_for(app, "Olive resolved", lambda d: row_named(d, "Olive Dennis") is None)
    resolved = [t["contactName"] for t in ipc(app, "list_view", {"view": {"kind": "resolved"}, "cursor": None, "limit": 200})["threads"]]
    assert "Alice Ball" in resolved and "Olive Dennis" in resolved

    fake.clear_faults()
    wait_for(app, "back online", lambda d: not by_testid(d, "offline-banner"), timeout=90)
    wait_for(app, "Alice's reply at the provider", lambda d: "Both are back on Friday." in [s["text"] for s in fake.sent()],
             timeout=60)
    show_view(app, "resolved")
    open_row(app, "Olive Dennis")
    wait_for(app, "Olive's reply held", lambda d: ["It can wait there for 7 days.", "held"] in deliveries(d), timeout=60)
    states = texts(app, "delivery-state")
    assert any("resolved while this reply waited" in w for w in states), states
    assert "It can wait there for 7 days." not in [s["text"] for s in fake.sent()]
    # Both stay resolved: a reply the agent let go does not reopen its conversation.
    resolved = [t["contactName"] for t in ipc(app, "list_view", {"view": {"kind": "resolved"}, "cursor": None, "limit": 200})["threads"]]
    assert "Alice Ball" in resolved and "Olive Dennis" in resolved


def test_the_labels_manager_creates_renames_recolours_and_deletes_with_a_count(quiet):
    app, fake = quiet
    writes(app, fake, "Katherine", "Johnson", "Do you deliver to Hampton?")
    writes(app, fake, "Dorothy", "Vaughan", "Same question, Newport News?")
    by_testid(app, "accounts-button")[0].click()
    card = wait_for(app, "the labels manager", lambda d: by_testid(d, "labels-settings"))[0]
    app.execute_script("arguments[0].scrollIntoView()", card)

    def row_of(name):
        return app.execute_script(
            """for (const row of document.querySelectorAll('[data-testid="label-row"]'))
                 if (row.querySelector('[data-testid="label-name"]').value === arguments[0]) return row;
               return null;""", name)

    new = by_testid(app, "label-new-name")[0]
    new.send_keys("Delivery area")
    by_testid(app, "label-new-add")[0].click()
    row = wait_for(app, "the new label", lambda d: row_of("Delivery area"))
    assert row.find_element(By.CSS_SELECTOR, '[data-testid="label-count"]').text == "no conversation"
    label = int(row.get_attribute("data-label-id"))

    # Rename (Enter commits) and recolour from the swatches.
    name = row.find_element(By.CSS_SELECTOR, '[data-testid="label-name"]')
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Coverage", Keys.ENTER)
    wait_for(app, "renamed", lambda d: [x for x in ipc(d, "list_labels") if x["id"] == label][0]["name"] == "Coverage")
    swatches = row_of("Coverage").find_elements(By.CSS_SELECTOR, '[role="radio"][aria-checked="false"]')
    colour = swatches[0].get_attribute("aria-label")
    swatches[0].click()
    wait_for(app, "recoloured", lambda d: [x for x in ipc(d, "list_labels") if x["id"] == label][0]["color"] == colour)

    # On two conversations, then deleted: the question counts them, and both lose it.
    threads = [int(row_attr(app, n, "data-thread-id")) for n in ("Katherine Johnson", "Dorothy Vaughan")]
    ipc(app, "change_threads", {"threadIds": threads, "change": {"kind": "addLabel", "label": label}})
    wait_for(app, "the chips in the rows", lambda d: all(in_row(
        d, n, "(row) => [...row.querySelectorAll('[data-testid=label-chip]')].map(e => e.textContent)") == ["Coverage"]
        for n in ("Katherine Johnson", "Dorothy Vaughan")))
    row_of("Coverage").find_element(By.CSS_SELECTOR, '[data-testid="label-delete"]').click()
    question = wait_for(app, "the delete question", lambda d: texts(d, "label-delete-question"))
    assert question == ["Delete “Coverage”? It is on 2 conversations, which will lose it."], question
    screenshot(app, "labels-manager-delete")
    by_testid(app, "label-delete-confirm")[0].click()
    wait_for(app, "the label gone", lambda d: row_of("Coverage") is None)
    assert label not in [x["id"] for x in ipc(app, "list_labels")]
    wait_for(app, "the chips gone from the rows", lambda d: all(in_row(
        d, n, "(row) => row.querySelectorAll('[data-testid=label-chip]').length") == 0
        for n in ("Katherine Johnson", "Dorothy Vaughan")))
    assert not app.find_elements(By.CSS_SELECTOR, f'[data-testid="view-item"][data-view="label:{label}"]')
