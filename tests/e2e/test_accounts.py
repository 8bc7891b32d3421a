"""Adding a Telegram bot through the Accounts screen: validated, kept in the keychain, synced."""

import pathlib

from conftest import by_testid, screenshot, start_app, wait_for
from test_window import row_named, texts


def add_token(app, token):
    field = by_testid(app, "token-input")[0]
    field.clear()
    field.send_keys(token)
    by_testid(app, "add-account")[0].click()


def test_a_bot_added_by_token_replaces_the_demo_and_survives_a_restart(workspace, fake_telegram):
    url, token, fake = fake_telegram
    env = {"PARLEY_TELEGRAM_API": url}
    app = start_app(workspace, env)
    try:
        wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "accounts screen", lambda d: by_testid(d, "accounts-screen"))

        add_token(app, "not-a-token")
        error = wait_for(app, "shape error", lambda d: texts(d, "add-account-error"))
        assert "BotFather" in error[0]
        add_token(app, token.split(":")[0] + ":AAwrong-secret-wrong")
        wait_for(app, "refused token", lambda d: any("refused" in t for t in texts(d, "add-account-error")))

        add_token(app, token)
        wait_for(app, "the bot listed", lambda d: any(
            "Parley Test Bot" in t for t in texts(d, "account-row")))
        wait_for(app, "demo gone", lambda d: not by_testid(d, "demo-banner"))
        wait_for(app, "live", lambda d: any("Live" in t for t in texts(d, "account-state")))
        screenshot(app, "accounts")

        chat = fake.customer("Margaret", "Hamilton")
        fake.inject(chat, "Is the Apollo guidance kit back in stock?")
        wait_for(app, "the customer's thread", lambda d: row_named(d, "Margaret Hamilton")).click()
        composer = wait_for(app, "composer", lambda d: by_testid(d, "composer"))[0]
        composer.click()
        composer.send_keys("Yes, since this morning.")
        by_testid(app, "send-button")[0].click()
        wait_for(app, "reply at the fake", lambda d: [s["text"] for s in fake.sent()] == ["Yes, since this morning."])
    finally:
        app.quit()

    # The token lives in the keychain only: nowhere in Parley's folders...
    for path in pathlib.Path(workspace.root).rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"the bot token leaked into {path}"

    # ...and the keychain gives it back after a restart: the bot syncs again.
    fake.inject(chat, "Great, ordering now.")
    export = workspace.root / "margaret-export.html"
    again = start_app(workspace, {**env, "PARLEY_EXPORT_PATH": str(export)})
    try:
        wait_for(again, "synced after restart", lambda d: row_named(d, "Margaret Hamilton") is not None
                 and row_named(d, "Margaret Hamilton").get_attribute("data-unread") == "1")
        assert not by_testid(again, "demo-banner")

        # Removed, its conversations kept: still there and searchable, but read-only.
        by_testid(again, "accounts-button")[0].click()
        wait_for(again, "accounts screen", lambda d: by_testid(d, "accounts-screen"))
        by_testid(again, "remove-account")[0].click()
        # Export first: every conversation of the account as one HTML file.
        wait_for(again, "the export link", lambda d: by_testid(d, "export-before-remove"))[0].click()
        wait_for(again, "the export saved", lambda d: texts(d, "export-before-remove-done"))
        saved = export.read_text(encoding="utf-8")
        assert "Is the Apollo guidance kit back in stock?" in saved and "<script" not in saved.lower()
        wait_for(again, "the choice", lambda d: by_testid(d, "confirm-remove-keep"))[0].click()
        wait_for(again, "listed as removed", lambda d: any(
            "conversations kept, read-only" in t for t in texts(d, "account-state")))
        by_testid(again, "accounts-done")[0].click()
        wait_for(again, "Margaret's thread", lambda d: row_named(d, "Margaret Hamilton")).click()
        note = wait_for(again, "the read-only note", lambda d: by_testid(d, "read-only-note"))[0]
        assert "removed" in note.text and not by_testid(again, "composer")
        screenshot(again, "account-removed-kept")
    finally:
        again.quit()
