"""Retention in the real window (issue 18): in the demo workspace (eight weeks of resolved
conversations), Settings → Retention on one account, "1 month": the preview names the exact
count before anything goes, the confirmation deletes exactly those — they leave the list and
search — and the last run is shown; the other accounts keep theirs."""

import re

from selenium.webdriver.support.ui import Select

from conftest import by_testid, ipc, screenshot, start_app, texts, wait_for, wait_seeded

QUIET = {"PARLEY_DEMO_PACE": "off"}


def resolved_ids(app, account):
    """The account's resolved conversations, every page of the Resolved view."""
    ids, cursor = set(), None
    while True:
        page = ipc(app, "list_view", {"view": {"kind": "resolved"}, "cursor": cursor, "limit": 200})
        ids |= {t["id"] for t in page["threads"] if t["accountId"] == account}
        cursor = page["next"]
        if cursor is None:
            return ids


def test_a_month_of_retention_deletes_exactly_what_the_preview_counted(workspace):
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_seeded(app)
        accounts = ipc(app, "list_accounts")
        account = accounts[0]["id"]
        other = accounts[1]["id"]
        expected = ipc(app, "preview_retention", {"accountId": account, "months": 1})
        assert expected["conversations"] > 0, expected
        others_before = ipc(app, "preview_retention", {"accountId": other, "months": 1})["conversations"]
        before = resolved_ids(app, account)

        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "the retention section", lambda d: by_testid(d, f"retention-{account}"))
        row_text = " ".join(texts(app, f"retention-{account}"))
        assert "Delete conversations resolved more than" in row_text
        assert Select(by_testid(app, f"retention-months-{account}")[0]).first_selected_option.text == "Off"
        Select(by_testid(app, f"retention-months-{account}")[0]).select_by_visible_text("1 month")
        wait_for(app, "the preview button", lambda d: by_testid(d, f"retention-preview-button-{account}"))
        by_testid(app, f"retention-preview-button-{account}")[0].click()
        wait_for(app, "the preview", lambda d: by_testid(d, f"retention-preview-{account}"))
        shown = " ".join(texts(app, f"retention-preview-{account}"))
        m = re.search(r"([\d,]+) conversations?, ([\d,]+) messages? will be deleted", shown)
        assert m, shown
        count = int(m.group(1).replace(",", ""))
        messages = int(m.group(2).replace(",", ""))
        assert count == expected["conversations"], (shown, expected)
        assert messages == expected["messages"], (shown, expected)
        # Nothing went before the confirmation.
        assert resolved_ids(app, account) == before
        screenshot(app, "retention-preview")

        by_testid(app, f"retention-confirm-{account}")[0].click()
        wait_for(app, "the last run shown",
                 lambda d: f"deleted {count:,} conversation" in " ".join(texts(d, f"retention-last-{account}")),
                 timeout=60)
        assert by_testid(app, f"retention-on-{account}")
        after = resolved_ids(app, account)
        assert len(before) - len(after) == count, (len(before), len(after), count)
        assert ipc(app, "preview_retention", {"accountId": account, "months": 1})["conversations"] == 0
        assert ipc(app, "preview_retention", {"accountId": other, "months": 1})["conversations"] == others_before
        settings = {s["accountId"]: s for s in ipc(app, "retention_settings")}
        assert settings[account]["months"] == 1
        assert settings[account]["lastRun"]["conversations"] == count
        assert settings[other]["months"] is None
        screenshot(app, "retention-done")
    finally:
        app.quit()
