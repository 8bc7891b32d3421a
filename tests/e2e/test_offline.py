"""Offline: replies sent while the provider is unreachable wait as queued under an offline banner,
then leave in order, each exactly once, when it is reachable again (issue 5)."""

from conftest import by_testid, screenshot, start_app, wait_for
from test_accounts import add_token
from test_window import row_named, texts

# Long enough to outlast the test's offline phase; cleared to "restore the network".
OUTAGE = 100000


def deliveries(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=message][data-direction=outbound]')]"
        ".map(e => [e.querySelector('[data-testid=message-text]')?.textContent ?? '', e.dataset.delivery])"
    )


def test_replies_sent_offline_wait_then_leave_once_when_the_network_returns(workspace, fake_telegram):
    url, token, fake = fake_telegram
    app = start_app(workspace, {"PARLEY_TELEGRAM_API": url})
    try:
        by_testid(app, "accounts-button")[0].click()
        wait_for(app, "accounts screen", lambda d: by_testid(d, "accounts-screen"))
        add_token(app, token)
        wait_for(app, "live", lambda d: any("Live" in t for t in texts(d, "account-state")))
        chat = fake.customer("Grace", "Hopper")
        fake.inject(chat, "Can you change my delivery address?")
        wait_for(app, "the customer's thread", lambda d: row_named(d, "Grace Hopper")).click()
        assert not by_testid(app, "offline-banner")

        # The provider becomes unreachable: every call fails with a proxy's 502. A customer
        # message ends the long poll in flight so the next poll meets the outage at once.
        for method in ("getUpdates", "getMe", "sendMessage"):
            fake.fault(method, {"type": "serverError", "status": 502}, OUTAGE)
        fake.inject(chat, "Also, is it too late?")
        wait_for(app, "offline banner", lambda d: any("Offline" in t for t in texts(d, "offline-banner")),
                 timeout=40)

        composer = wait_for(app, "composer", lambda d: by_testid(d, "composer"))[0]
        for reply in ("First: the address is changed.", "Second: no, not too late."):
            composer.click()
            composer.send_keys(reply)
            by_testid(app, "send-button")[0].click()
            wait_for(app, f"{reply!r} queued", lambda d, r=reply: [r, "queued"] in deliveries(d))
        # Read the banner through one script call: Svelte may re-render it between two lookups.
        wait_for(app, "the banner counts both", lambda d: d.execute_script(
            "const b = document.querySelector('[data-testid=\"offline-banner\"]');"
            "return b && b.dataset.waiting === '2' && b.textContent.includes('2 replies wait');"))
        screenshot(app, "offline")
        assert fake.sent() == []

        # The network returns: a successful poll brings Parley back online and the outbox flushes.
        fake.clear_faults()
        wait_for(app, "back online", lambda d: not by_testid(d, "offline-banner"), timeout=90)
        wait_for(app, "both sent", lambda d: [x for x in deliveries(d) if x[1] == "sent"] == [
            ["First: the address is changed.", "sent"],
            ["Second: no, not too late.", "sent"],
        ], timeout=30)
        screenshot(app, "back-online")
        texts_at_fake = [s["text"] for s in fake.sent()]
        assert texts_at_fake == ["First: the address is changed.", "Second: no, not too late."]
    finally:
        app.quit()
