"""The manager's Review screen in the real window (issue 16): filter the review list over the
demo's weeks of history, open a transcript, annotate a message, see the metrics page with its
charts (screenshot in the artifacts), and export the transcript as CSV and as PDF to the folder
the save dialog would give (`PARLEY_EXPORT_PATH`, as the other file pickers' overrides), then read
the files back (the PDF's text with pypdf); tick a few conversations (one, then a shift-click
range) and export just those."""

import csv
import io
import json

import pypdf
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import by_testid, ipc, screenshot, start_app, texts, wait_for


@pytest.fixture
def review_app(workspace):
    # A folder: each export lands there under the name the save dialog would suggest.
    export = workspace.root / "exported"
    export.mkdir(parents=True, exist_ok=True)
    app = start_app(workspace, {"PARLEY_DEMO_PACE": "off", "PARLEY_EXPORT_PATH": str(export)})
    app.export_dir = export
    try:
        wait_for(app, "demo threads", lambda d: by_testid(d, "thread-row"))
        yield app
    finally:
        app.quit()


def canvas_drawn(driver, testid):
    """Whether the chart's canvas has any pixel drawn."""
    return driver.execute_script(
        """const c = document.querySelector(`[data-testid='${arguments[0]}'] canvas`);
           if (!c || c.width === 0 || c.height === 0) return false;
           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
           return false;""", testid)


def shown_as(driver, review_filter):
    """Whether the rows on screen are the first of what the store lists for the filter (the list
    renders only the rows in view)."""
    shown = texts(driver, "review-row-name")
    listed = [r["contactName"] for r in ipc(driver, "review_page", {
        "filter": review_filter, "cursor": None, "limit": 50})["rows"]]
    return bool(shown) and shown == listed[:len(shown)]


def test_filter_read_annotate_measure_and_export(review_app):
    app = review_app
    by_testid(app, "review-button")[0].click()
    wait_for(app, "the Review screen", lambda d: by_testid(d, "review-view"))
    # The demo's history is there to review (seeded at its start).
    wait_for(app, "the review list", lambda d: len(by_testid(d, "review-row")) >= 10, timeout=60)

    # Filter: words in the messages and a channel.
    by_testid(app, "review-text")[0].send_keys("Norway")
    wait_for(app, "only conversations about Norway", lambda d: shown_as(d, {**FILTER, "text": "Norway"}))
    names = texts(app, "review-row-name")
    assert names, "some conversations mention Norway"
    Select(by_testid(app, "review-channel")[0]).select_by_value("telegram")
    wait_for(app, "Telegram only", lambda d: shown_as(d, {**FILTER, "text": "Norway", "channels": ["telegram"]}))
    screenshot(app, "review-list")

    # Open a transcript: every message with its author's kind and time.
    by_testid(app, "review-row")[0].click()
    wait_for(app, "the transcript", lambda d: len(by_testid(d, "transcript-message")) >= 2)
    customer = texts(app, "transcript-customer")[0]
    shown = texts(app, "transcript-message")
    assert "Customer" in shown[0] and "Norway" in shown[0]
    assert "Agent" in shown[1]

    # Annotate the customer's message.
    by_testid(app, "annotate-message")[0].click()
    wait_for(app, "the annotation form", lambda d: by_testid(d, "annotation-body"))
    by_testid(app, "annotation-body")[0].send_keys("Should have said the delivery date.")
    by_testid(app, "annotation-save")[0].click()
    wait_for(app, "the annotation under the message",
             lambda d: any("Should have said the delivery date." in t for t in texts(d, "annotation")))
    thread_id = int(by_testid(app, "review-row")[0].get_attribute("data-thread-id"))
    notes = ipc(app, "list_annotations", {"filter": {"threadId": thread_id, "text": None, "from": None, "to": None}})
    assert [n["body"] for n in notes] == ["Should have said the delivery date."]
    screenshot(app, "review-transcript")

    # Export the transcript as CSV and read the file back.
    by_testid(app, "export-transcript-csv")[0].click()
    wait_for(app, "the export done", lambda d: by_testid(d, "export-done"), timeout=60)
    [csv_path] = list(app.export_dir.glob("*.csv"))
    assert str(csv_path) in texts(app, "export-done")[0]
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["conversation_id", "channel", "account"]
    assert len(rows) - 1 == len(shown), "one row per message"
    assert all(r[3] == customer for r in rows[1:])
    assert "Norway" in rows[1][12]
    assert not list(app.export_dir.glob(".*partial")), "no temporary file left"

    # The same transcript as PDF: selectable text with the customer on each page, numbered.
    by_testid(app, "export-transcript-pdf")[0].click()
    wait_for(app, "the PDF written", lambda d: list(app.export_dir.glob("*.pdf"))
             and any(".pdf" in t for t in texts(d, "export-done")), timeout=120)
    [pdf_path] = list(app.export_dir.glob("*.pdf"))
    assert str(pdf_path) in texts(app, "export-done")[0]
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    pages = [p.extract_text() for p in pypdf.PdfReader(pdf_path).pages]
    assert pages, "at least one page"
    for i, text in enumerate(pages, 1):
        assert f"Customer: {customer}" in text, text
        assert f"Page {i} of {len(pages)}" in text, text
    whole = "\n".join(pages)
    assert "Norway" in whole and "Should have said the delivery date." in whole
    assert not list(app.export_dir.glob(".*partial")), "no temporary file left"

    # The metrics page (for the filter's channel, Telegram): numbers and charts for the last year.
    by_testid(app, "review-tab-metrics")[0].click()
    wait_for(app, "the metrics", lambda d: by_testid(d, "metric-started"))
    app.execute_script("arguments[0].click()", app.find_element("xpath", "//button[text()='Last year']"))
    wait_for(app, "a year of conversations", lambda d: int(texts(d, "metric-started")[0]) >= 100, timeout=30)
    wait_for(app, "the charts drawn", lambda d: canvas_drawn(d, "chart-per-day") and canvas_drawn(d, "chart-hours"))
    assert by_testid(app, "heatmap")
    screenshot(app, "review-metrics")

    # A chart's numbers saved as CSV through the save dialog (a browser download would land
    # nowhere in the app's window).
    by_testid(app, "summary-numbers-csv")[0].click()
    saved = app.export_dir / "parley-summary.csv"
    wait_for(app, "the numbers saved", lambda d: saved.exists()
             and any(str(saved) in t for t in texts(d, "summary-numbers-saved")))
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Measure", "Value"]
    started = dict((r[0], r[1]) for r in rows[1:])["Conversations started"]
    assert int(started) == int(texts(app, "metric-started")[0])


def test_ticked_conversations_are_exported_and_nothing_else(review_app):
    app = review_app
    by_testid(app, "review-button")[0].click()
    wait_for(app, "the review list", lambda d: len(by_testid(d, "review-row")) >= 6, timeout=60)
    listed = [int(r.get_attribute("data-thread-id")) for r in by_testid(app, "review-row")]
    assert not by_testid(app, "review-checked-count"), "nothing ticked at first"

    # Tick the second row, then shift-click the fourth: the second to the fourth are ticked.
    by_testid(app, "review-row-check")[1].click()
    wait_for(app, "one ticked", lambda d: texts(d, "review-checked-count") == ["1 selected"])
    ActionChains(app).key_down(Keys.SHIFT).click(by_testid(app, "review-row-check")[3]) \
        .key_up(Keys.SHIFT).perform()
    wait_for(app, "a range of three ticked", lambda d: texts(d, "review-checked-count") == ["3 selected"])
    ticked = [int(c.get_attribute("data-thread-id")) for c in by_testid(app, "review-row-check")
              if c.is_selected()]
    assert ticked == listed[1:4], (ticked, listed)

    # Export just those, as JSON: the file holds exactly them, in the list's order.
    Select(by_testid(app, "export-format")[0]).select_by_value("json")
    by_testid(app, "export-checked")[0].click()
    wait_for(app, "the export done", lambda d: list(app.export_dir.glob("*.json"))
             and any(".json" in t for t in texts(d, "export-done")), timeout=60)
    [path] = list(app.export_dir.glob("*.json"))
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == "parley.conversations"
    assert [c["id"] for c in doc["conversations"]] == ticked
    assert all(c["messages"] for c in doc["conversations"]), "each with its messages"

    # Clearing the selection leaves nothing to export selected.
    app.find_element("xpath", "//button[text()='Clear selection']").click()
    wait_for(app, "nothing ticked", lambda d: not by_testid(d, "review-checked-count")
             and not by_testid(d, "export-checked"))


FILTER = {
    "from": None, "to": None, "channels": [], "accounts": [], "statuses": [], "labels": [],
    "minPriority": None, "vipOnly": False, "contact": None, "text": None, "slowOnly": False,
    "unansweredOnly": False, "responder": None, "annotatedOnly": False, "sort": "date",
    "descending": True,
}
