"""Replies with files in the real window: the demo's simulated Messenger Page and Telegram bot.
A PNG is attached to a Messenger thread and a PDF (with text) to a Telegram thread through the
composer's file input; the demo fakes receive the bytes intact and the bubbles show the files."""

import pathlib
import struct
import tempfile
import urllib.request
import zlib

from selenium.webdriver.remote.file_detector import UselessFileDetector

from conftest import Fake, by_testid, screenshot, wait_for
from test_messenger import ROW_NAMED, FakeGraphControl, graph_url, texts
from test_window import GREETING


def png_bytes(width=24, height=16):
    """A real PNG (orange), so the thread can show it as a thumbnail."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xf0\x80\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png_bytes()
PDF = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n--not-a-boundary\r\n\x00" + bytes(range(256)) * 40 + b"\r\n%%EOF\r\n"


def get_bytes(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def open_thread(app, name):
    row = wait_for(app, f"the thread of {name}", lambda d: d.execute_script(ROW_NAMED, name), timeout=30)
    row.click()
    wait_for(app, "conversation open", lambda d: texts(d, "conversation-title") == [name])
    # The composer knows the channel's rule for files once the button is enabled.
    wait_for(app, "the attach button", lambda d: by_testid(d, "attach-button")[0].is_enabled())


def attach(app, path):
    # The app runs on this machine: hand WebKit the path itself (Selenium would otherwise try to
    # upload the file through an endpoint WebKitWebDriver does not have).
    app.file_detector = UselessFileDetector()
    by_testid(app, "attach-input")[0].send_keys(str(path))
    wait_for(app, "the staged file", lambda d: any(path.name in t for t in texts(d, "staged-attachment")))


OUTBOUND_WITH_FILE = """
for (const m of document.querySelectorAll('[data-testid="message"][data-direction="outbound"]')) {
  // A file shows as a chip; an image as a thumbnail titled with its name or, when the preview
  // cannot load, as the chip again.
  for (const el of m.querySelectorAll('[data-testid="attachment"], [data-testid="inline-image"]')) {
    if ((el.textContent || "").includes(arguments[0]) || (el.getAttribute("title") || "").includes(arguments[0]))
      return m;
  }
}
return null;
"""


def outbound_attachment_shown(driver, name):
    return driver.execute_script(OUTBOUND_WITH_FILE, name)


def test_files_reach_messenger_and_telegram_intact_and_show_in_the_thread(app, workspace):
    files = pathlib.Path(tempfile.mkdtemp(prefix="parley-e2e-files-"))
    png = files / "label.png"
    png.write_bytes(PNG)
    pdf = files / "invoice.pdf"
    pdf.write_bytes(PDF)

    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    graph_base = graph_url(workspace)
    graph = FakeGraphControl(graph_base)

    # Messenger: a new customer (their window is open), a PNG on its own.
    person = graph.customer("messenger", "Grace Hopper")
    graph.inject(person["id"], "Could you send me the return label?")
    open_thread(app, "Grace Hopper")
    attach(app, png)
    by_testid(app, "send-button")[0].click()
    sent = wait_for(app, "the Page sent the image", lambda d: [
        s for s in graph.sent() if s["recipient_id"] == person["id"] and s.get("attachment")])
    att = sent[0]["attachment"]
    assert att["kind"] == "image" and att["name"] == "label.png", att
    assert get_bytes(f"{graph_base.rstrip('/')}/cdn/{att['id']}/{att['name']}") == PNG
    wait_for(app, "the image in the thread", lambda d: outbound_attachment_shown(d, "label.png"))
    wait_for(app, "the image shown as sent", lambda d: outbound_attachment_shown(d, "label.png")
             .get_attribute("data-delivery") == "sent")
    assert not by_testid(app, "staged-attachment"), "the composer is empty again"
    screenshot(app, "attachments-messenger")

    # Telegram: text and a PDF, sent as two messages in order.
    telegram = Fake(workspace.fake_url())
    chat = telegram.customer("Ada", "Lovelace")
    telegram.inject(chat, "Please send the invoice")
    open_thread(app, "Ada Lovelace")
    composer = by_testid(app, "composer")[0]
    composer.click()
    composer.send_keys("Invoice attached")
    attach(app, pdf)
    by_testid(app, "send-button")[0].click()
    records = wait_for(app, "the bot sent text and document", lambda d: (
        lambda mine: mine if len(mine) >= 2 else None)([
            s for s in telegram.sent() if s["chat_id"] == chat and GREETING not in s["text"]]))
    assert records[0]["text"] == "Invoice attached" and not records[0].get("file"), records
    doc = records[1]["file"]
    assert doc["kind"] == "document" and doc["file_name"] == "invoice.pdf", doc
    assert telegram.get_bytes(f"/control/file?file_id={doc['file_id']}") == PDF
    wait_for(app, "the PDF in the thread", lambda d: outbound_attachment_shown(d, "invoice.pdf"))
    wait_for(app, "the PDF shown as sent", lambda d: outbound_attachment_shown(d, "invoice.pdf")
             .get_attribute("data-delivery") == "sent")
    screenshot(app, "attachments-telegram")


STAGE_DROPPED = """
const done = arguments[arguments.length - 1];
window.__TAURI_INTERNALS__.invoke("stage_dropped_files", { threadId: Number(arguments[0]) })
  .then((r) => done({ ok: r }), (e) => done({ err: e }));
"""


def test_a_draft_of_only_files_is_listed_and_the_page_cannot_stage_a_drop_itself(app, workspace):
    """A composer holding only a file is a draft ("1 file"). Dropping files: WebDriver cannot make
    a real drop from the operating system (Tauri takes it before the page sees it), so the drop is
    proven by the Rust and UI unit tests; here the window proves the other half: the page asking
    Rust to stage a drop that never happened is refused, nothing is read."""
    files = pathlib.Path(tempfile.mkdtemp(prefix="parley-e2e-files-"))
    pdf = files / "quote.pdf"
    pdf.write_bytes(PDF)

    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    telegram = Fake(workspace.fake_url())
    chat = telegram.customer("Edsger", "Dijkstra")
    telegram.inject(chat, "Could you send the quote?")
    open_thread(app, "Edsger Dijkstra")
    attach(app, pdf)

    by_testid(app, "drafts-button")[0].click()
    row = wait_for(app, "the file-only draft", lambda d: [
        r for r in by_testid(d, "draft-row") if "Edsger Dijkstra" in r.text and "1 file" in r.text])[0]
    thread_id = row.get_attribute("data-thread-id")

    result = app.execute_async_script(STAGE_DROPPED, thread_id)
    assert "err" in result and "No files were dropped" in result["err"]["message"], result

    row.click()
    wait_for(app, "the file still staged", lambda d: any("quote.pdf" in t for t in texts(d, "staged-attachment")))
    assert len(texts(app, "staged-attachment")) == 1, "nothing staged by the refused call"
