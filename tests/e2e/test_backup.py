"""Backup, restore and the per-customer export in the real window (issue 18).

A customer is exported from the pane ("Export…", written where the save dialog would put it:
`PARLEY_EXPORT_PATH`) and then erased; a backup of the demo workspace is made from
Settings → Backup (`PARLEY_BACKUP_PATH` stands for the save dialog) and restored into a second
workspace — a second app on another data folder opens it (`PARLEY_BACKUP_OPEN_PATH` stands for
the open dialog), shows the exact counts, is confirmed, and the next start of that app shows the
first workspace's conversations, the erased customer still gone."""

import json
import shutil
import zipfile

from conftest import Workspace, by_testid, ipc, screenshot, start_app, texts, wait_for, wait_seeded

QUIET = {"PARLEY_DEMO_PACE": "off"}
PASSPHRASE = "a long passphrase for e2e"
NAME = "Olusegun Adebayo"


def open_customer(app, name):
    threads = ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]
    theirs = [t for t in threads if t["contactName"] == name]
    assert theirs, [t["contactName"] for t in threads]
    app.execute_script(
        "document.querySelector(`[data-testid='thread-row'][data-thread-id='${arguments[0]}']`).click()",
        theirs[0]["id"])
    wait_for(app, "their pane", lambda d: name in texts(d, "contact-name"))
    return theirs


def type_into(app, testid, text):
    field = by_testid(app, testid)[0]
    field.clear()
    field.send_keys(text)


def test_export_erase_backup_and_restore_into_a_second_workspace(workspace):
    out = workspace.root / "out"
    out.mkdir(parents=True, exist_ok=True)
    export = out / "customer.zip"
    backup = out / "demo.parley-backup"
    app = start_app(workspace, {**QUIET, "PARLEY_EXPORT_PATH": str(export), "PARLEY_BACKUP_PATH": str(backup)})
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        wait_seeded(app)
        theirs = open_customer(app, NAME)

        # Export, from the pane: a zip with their conversations, readable and inert.
        by_testid(app, "contact-export")[0].click()
        wait_for(app, "the export said", lambda d: by_testid(d, "contact-exported"), timeout=30)
        with zipfile.ZipFile(export) as z:
            doc = json.loads(z.read("customer.json"))
            html = z.read("customer.html").decode()
        assert doc["schema"] == "parley.customer"
        assert doc["customer"]["name"] == NAME
        assert {c["id"] for c in doc["conversations"]} >= {t["id"] for t in theirs}
        assert all(m["text"] is not None for c in doc["conversations"] for m in c["messages"])
        assert NAME in html and "<script" not in html
        screenshot(app, "customer-exported")

        # Then erased.
        by_testid(app, "contact-erase")[0].click()
        wait_for(app, "the erase dialog", lambda d: by_testid(d, "erase-confirm-button"))
        by_testid(app, "erase-confirm-input")[0].send_keys("erase")
        wait_for(app, "the button enabled", lambda d: by_testid(d, "erase-confirm-button")[0].is_enabled())
        by_testid(app, "erase-confirm-button")[0].click()
        wait_for(app, "their row gone", lambda d: NAME not in texts(d, "thread-name"), timeout=30)

        # A backup from Settings → Backup.
        threads = ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]
        snippet_word = max((w for t in threads for w in t["snippet"].split()), key=len)
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "the backup section", lambda d: by_testid(d, "backup-settings"))
        type_into(app, "backup-passphrase", PASSPHRASE)
        type_into(app, "backup-passphrase-repeat", PASSPHRASE)
        by_testid(app, "backup-now")[0].click()
        wait_for(app, "the backup done", lambda d: by_testid(d, "backup-done"), timeout=60)
        wait_for(app, "the last backup shown", lambda d: "Backed up" in " ".join(texts(d, "backup-last")))
        screenshot(app, "backup-made")
        assert backup.exists()
        assert snippet_word.encode() not in backup.read_bytes()
        kept = {t["id"] for t in threads}
    finally:
        app.quit()

    # A second workspace (another data folder): it starts as the demo, then restores.
    second = Workspace()
    try:
        app = start_app(second, {**QUIET, "PARLEY_BACKUP_OPEN_PATH": str(backup)})
        try:
            wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
            by_testid(app, "demo-restore")[0].click()
            wait_for(app, "the backup section", lambda d: by_testid(d, "restore-passphrase"))
            type_into(app, "restore-passphrase", "not the passphrase")
            by_testid(app, "restore-open")[0].click()
            wait_for(app, "the refusal", lambda d: "passphrase does not open" in " ".join(texts(d, "backup-error")),
                     timeout=60)
            type_into(app, "restore-passphrase", PASSPHRASE)
            by_testid(app, "restore-open")[0].click()
            wait_for(app, "the preview", lambda d: by_testid(d, "restore-preview"), timeout=60)
            comes = int(texts(app, "restore-backup-conversations")[0])
            assert comes >= len(kept), (comes, len(kept))
            assert int(texts(app, "restore-current-conversations")[0]) > 0
            screenshot(app, "restore-preview")
            by_testid(app, "restore-confirm")[0].click()
            wait_for(app, "pending", lambda d: by_testid(d, "restore-pending"))
        finally:
            app.quit()

        # Its next start swaps the backup in.
        app = start_app(second, QUIET)
        try:
            wait_for(app, "threads", lambda d: by_testid(d, "thread-row"))
            restored = {t["id"] for t in ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]}
            assert kept <= restored, kept - restored
            names = [t["contactName"] for t in ipc(app, "list_threads", {"cursor": None, "limit": 500})["threads"]]
            assert NAME not in names
            assert not (second.root / "data" / "restore-staging").exists()
            screenshot(app, "restored")
        finally:
            app.quit()
    finally:
        shutil.rmtree(second.root, ignore_errors=True)
