"""Importing customers in the real window: the wizard from the Contacts screen reads pasted CSV
text (the file picker is the OS's dialog, which WebDriver cannot drive; both go to the same
`stage_import_file`), previews it, imports it with its exact report, and the new customer's
details show on the Contacts screen as text (a hostile name included)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import by_testid, ipc, screenshot, start_app, texts, wait_for

QUIET = {"PARLEY_DEMO_PACE": "off"}

CSV = (
    "Name,Email,Phone,Plan,Orders\n"
    "Greta Import,greta@import.test,+49 151 23456789,\"Gold, yearly\",12\n"
    "\"<img src=x onerror=\"\"document.body.dataset.pwned='import'\"\">\",evil@import.test,,Basic,1\n"
    ",,,,\n"
    "Greta again,GRETA@import.test,,Silver,3\n"
)


@pytest.fixture
def started(workspace):
    app = start_app(workspace, QUIET)
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        yield app
    finally:
        app.quit()


def test_import_pasted_csv_and_see_the_customer_with_details(started):
    app = started
    by_testid(app, "contacts-button")[0].click()
    wait_for(app, "the Contacts screen", lambda d: by_testid(d, "contacts-view"))
    by_testid(app, "contacts-import")[0].click()
    wait_for(app, "the wizard", lambda d: by_testid(d, "import-wizard"))
    app.find_element(By.CSS_SELECTOR, ".paste summary").click()
    # As a paste puts it there (WebKitWebDriver's send_keys drops line breaks in a textarea).
    app.execute_script(
        """const t = arguments[0]; t.value = arguments[1];
           t.dispatchEvent(new Event('input', { bubbles: true }));""",
        by_testid(app, "import-paste")[0], CSV)
    by_testid(app, "import-paste-read")[0].click()
    wait_for(app, "the preview", lambda d: by_testid(d, "import-preview"))
    assert texts(app, "import-header") == ["Name", "Email", "Phone", "Plan", "Orders"]
    rows = by_testid(app, "import-preview-row")
    assert len(rows) == 4
    mappings = [e.get_attribute("value") for e in by_testid(app, "import-mapping")]
    assert mappings == ["name", "email", "phone", "attr:text", "attr:number"]
    screenshot(app, "import-preview")

    by_testid(app, "import-run")[0].click()
    wait_for(app, "the report", lambda d: by_testid(d, "import-summary"), timeout=60)
    assert texts(app, "import-summary") == ["2 created · 0 updated · 0 unchanged · 2 skipped"]
    lines = app.execute_script(
        """return [...document.querySelectorAll('[data-testid="import-report-row"]')]
              .map(r => [r.children[0].textContent, r.dataset.outcome, r.children[3].textContent]);""")
    assert lines[:2] == [
        ["4", "skipped", "Empty row."],
        ["5", "skipped", "Duplicate of line 2 (the same email, greta@import.test); the first is imported."],
    ]
    assert sorted((l[0], l[1]) for l in lines[2:]) == [("2", "created"), ("3", "created")]
    screenshot(app, "import-report")
    by_testid(app, "import-done")[0].click()

    search = by_testid(app, "contacts-search")[0]
    # By her address: the demo's history has other Gretas.
    search.send_keys("greta@import")
    wait_for(app, "Greta found", lambda d: texts(d, "contact-row-name") == ["Greta Import"])
    by_testid(app, "contact-row")[0].click()
    wait_for(app, "her details", lambda d: by_testid(d, "contact-detail-attribute"))
    details = app.execute_script(
        """return [...document.querySelectorAll('[data-testid="contact-detail-attribute"]')]
              .map(a => [a.querySelector('dt').textContent, a.querySelector('dd').textContent]);""")
    assert details == [
        ["Email", "greta@import.test"],
        ["Orders", "12"],
        ["Phone", "+4915123456789"],
        ["Plan", "Gold, yearly"],
    ]
    screenshot(app, "import-contact")

    # The hostile name is a name, shown as text; nothing ran.
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    search.send_keys("evil@import.test")
    hostile = "<img src=x onerror=\"document.body.dataset.pwned='import'\">"
    wait_for(app, "the hostile row", lambda d: texts(d, "contact-row-name") == [hostile])
    assert app.execute_script("return document.body.dataset.pwned ?? null") is None
    assert not app.find_elements(By.CSS_SELECTOR, '[data-testid="contacts-view"] img[src="x"]')
    page = ipc(app, "list_contacts", {"query": "import.test", "sort": "name", "cursor": None, "limit": 10})
    assert len(page["contacts"]) == 2
