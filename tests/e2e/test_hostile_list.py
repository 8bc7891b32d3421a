"""Hostile content in the real window, at volume: every string of the Big List of Naughty Strings
(MIT; the npm package big-list-of-naughty-strings, installed with the UI's dev dependencies, so
nothing is fetched at test time) arrives as a customer's message, the script-injection ones also as
customers' names and as search queries. Nothing may run (the page's alert/confirm/prompt/print/open
are traps; the IPC bridge cannot be wrapped — Tauri makes it read-only — but no IPC call can come
from content that runs nothing), no markup may come from content, and every string must be shown as
the customer wrote it."""

import json

from conftest import ROOT, Fake, by_testid, ipc, screenshot, start_app, texts, wait_for, wait_seeded

QUIET = {"PARLEY_DEMO_PACE": "off"}
BLNS = ROOT / "ui/node_modules/big-list-of-naughty-strings/blns.json"
# Messages per customer: each conversation's first page shows them all.
PER_CUSTOMER = 40

TRAPS = """
window.__ran = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  window[name] = (...args) => { window.__ran.push(name + '(' + args.join(',') + ')'); return null; };
}
"""

# Markup that customer text must never create in the window (the email frame is the one place
# sanitised customer HTML lives, and none is sent here).
CREATED = """
const content = '[data-testid="message"], [data-testid="thread-row"], [data-testid="conversation-title"], '
  + '[data-testid="search-result"], [data-testid="contact-name"]';
const bad = 'script, iframe, object, embed, svg, form, input, meta, base, style, link, img[src="x"], '
  + 'a[href^="javascript"], [onerror], [onload], [onclick], [onmouseover], [onfocus]';
return [...document.querySelectorAll(content)].flatMap(c => [...c.querySelectorAll(bad)])
  .map(e => e.outerHTML.slice(0, 80));
"""


def shown_as_written(text: str) -> str:
    """What Parley keeps of a message's text: highlight markers (STX, ETX) dropped, line ends
    normalised, surrounding whitespace trimmed as Telegram does."""
    text = text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def test_the_big_list_of_naughty_strings_runs_nothing_and_reads_as_written(workspace):
    strings = [s for s in json.loads(BLNS.read_text(encoding="utf-8")) if shown_as_written(s)]
    assert len(strings) > 400, len(strings)
    scripts = [s for s in strings if "<" in s and len(s) <= 64]
    app = start_app(workspace, QUIET)
    try:
        wait_seeded(app)
        app.execute_script(TRAPS)
        before = {t["id"] for t in ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]}
        fake = Fake(workspace.fake_url())
        chunks = [strings[i:i + PER_CUSTOMER] for i in range(0, len(strings), PER_CUSTOMER)]
        for n, chunk in enumerate(chunks):
            chat = fake.customer(scripts[n % len(scripts)], f"#{n}")
            for s in chunk:
                fake.inject(chat, s)
        new = wait_for(app, "every customer's conversation", lambda d: (
            fresh := [t for t in ipc(d, "list_threads", {"cursor": None, "limit": 500})["threads"]
                      if t["id"] not in before]) and len(fresh) == len(chunks) and fresh, timeout=90)

        missing = []
        for thread in new:
            app.execute_script(
                "document.querySelector(`[data-testid='thread-row'][data-thread-id='${arguments[0]}']`).click()",
                thread["id"])
            chat_texts = wait_for(app, f"conversation {thread['id']}", lambda d: (
                texts(d, "conversation-title") == [thread["contactName"]]
                and (t := texts(d, "message-text")) and len(t) >= thread["unreadCount"] and t), timeout=30)
            seen = {shown_as_written(t) for t in chat_texts}
            n = int(thread["contactName"].rsplit("#", 1)[1])
            missing += [s for s in chunks[n] if shown_as_written(s) not in seen]
            assert app.execute_script(CREATED) == [], "markup from customer text"
        assert not missing, f"{len(missing)} strings not shown as written: {missing[:5]!r}"

        # The script injections as search queries: the results render, nothing runs.
        box = by_testid(app, "search-input")[0]
        for query in scripts[:25]:
            box.clear()
            box.send_keys(query)
            # Settled: results listed, or the note that none match (not "Searching…").
            wait_for(app, f"the search for {query!r}", lambda d: (r := by_testid(d, "search-results"))
                     and "Searching" not in r[0].text)
        screenshot(app, "naughty-strings")
        assert app.execute_script(CREATED) == [], "markup from customer text"
        assert app.execute_script("return window.__ran") == [], "customer text ran as code"
    finally:
        app.quit()
