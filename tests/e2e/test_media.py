"""Images and HTML email in the real window: a demo photo shown as a thumbnail from the
`parley-media` scheme, a fake image refused back to its chip, and a hostile HTML-only mail
(real Dovecot) rendered sanitised in the sandboxed frame: its scripts never run, its `cid:` image
shows, its remote image is fetched by Rust only after "Load images", and a link click goes to
the system opener (through Rust) instead of navigating the frame."""

import base64
import email.utils
import http.server
import imaplib
import os
import pathlib
import stat
import struct
import tempfile
import threading
import time
import zlib


from conftest import ROW_NAMED, Fake, by_testid, screenshot, start_app, wait_for

from mailrig import fill_email_form, mailservers, open_email_form, servers  # noqa: F401


FRAME = "const f = document.querySelector('[data-testid=\"email-frame\"]'); const d = f && f.contentDocument;"


def png(width, height, rgb=(200, 30, 30)):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class ImageServer:
    """A local HTTP server with one image; counts the requests for it."""

    def __init__(self):
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/pixel.png"):
                    outer.hits += 1
                    body = png(3, 2, (30, 30, 200))
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_response(404)
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


def fake_opener():
    """A directory with an `xdg-open` that records what it was asked to open."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="parley-opener-"))
    log = d / "opened.txt"
    script = d / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return d, log


def hostile_mail(port):
    logo = base64.encodebytes(png(4, 4)).decode().replace("\n", "\r\n")
    html = (
        "<html><head><script>parent.document.body.dataset.pwned='script'</script>"
        "<style>body{position:fixed}</style></head>"
        "<body onload=\"parent.document.body.dataset.pwned='onload'\">"
        "<p>Hello <b>agent</b>, our <a href=\"https://shop.test/help\">help page</a>.</p>"
        # Inline CSS: the colour is kept, the positioning and the remote background are not.
        f"<p style=\"color: #C0392B; position: fixed; top: 0; background: url(http://127.0.0.1:{port}/bg.png)\">Total due</p>"
        "<a href=\"javascript:parent.document.body.dataset.pwned='link'\">bad</a>"
        # A phishing link: its text names the shop, its target is elsewhere.
        "<p><a href=\"https://evil.test/login\">www.shop.test/account</a></p>"
        f"<img alt=\"remote\" src=\"http://127.0.0.1:{port}/pixel.png\" onerror=\"parent.document.body.dataset.pwned='onerror'\">"
        "<img alt=\"logo\" src=\"cid:logo@evil.test\">"
        "<svg onload=\"parent.document.body.dataset.pwned='svg'\"></svg>"
        "<form action=\"https://evil.test\"><input name=p></form>"
        "<iframe src=\"https://evil.test\"></iframe>"
        "</body></html>"
    )
    return (
        f"From: Mallory <mallory@evil.test>\r\nTo: {servers.USER}\r\nSubject: Spring newsletter\r\n"
        f"Date: {email.utils.formatdate()}\r\nMessage-ID: <newsletter@evil.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n"
        "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n"
        "--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@evil.test>\r\n"
        "Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + logo + "\r\n--rel--\r\n"
    ).encode()


def add_mailbox(app, mailservers):
    open_email_form(app)
    fill_email_form(app, "Shop Support", mailservers.imap_port, mailservers.smtp_port)
    by_testid(app, "add-email")[0].click()
    wait_for(app, "the mailbox in the list", lambda d: "Shop Support" in by_testid(d, "accounts-screen")[0].text
             or servers.USER in by_testid(d, "accounts-screen")[0].text, timeout=30)
    done = [b for b in app.find_elements("css selector", "[data-testid='accounts-screen'] header button")
            if b.text == "Done"]
    done[0].click()


def test_a_demo_photo_shows_inline_and_a_fake_image_falls_back_to_its_chip(app, workspace):
    wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
    fake = Fake(workspace.fake_url())
    chat = fake.customer("Photo", "Sender")
    fake._call("POST", "/control/inject", {"chat_id": chat, "kind": "photo", "caption": "The box"})
    # Declared as a PNG, but HTML: Rust sniffs the bytes and refuses it.
    fake._call("POST", "/control/inject", {
        "chat_id": chat, "kind": "document", "file_name": "evil.png", "mime_type": "image/png",
        "text": "<html><script>document.body.dataset.pwned='1'</script></html>"})
    row = wait_for(app, "the thread", lambda d: d.execute_script(ROW_NAMED, "Photo Sender"))
    row.click()
    size = wait_for(app, "the photo decoded", lambda d: d.execute_script(
        "const i = document.querySelector('[data-testid=\"inline-image\"] img');"
        "return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight, i.src] : null"), timeout=30)
    assert size[0] == 480 and size[1] == 360, size
    assert size[2].startswith("parley-media://"), size
    wait_for(app, "the refused image back as a chip", lambda d: any(
        "evil.png" in (e.get_attribute("textContent") or "") for e in by_testid(d, "image-failed")), timeout=30)
    assert by_testid(app, "image-retry"), "a retry is offered"
    assert app.execute_script("return document.body.dataset.pwned") is None
    screenshot(app, "media-photo")


def test_hostile_html_mail_renders_sanitised_and_loads_remote_images_only_on_request(workspace, mailservers):
    images = ImageServer()
    opener_dir, opened = fake_opener()
    app = start_app(workspace, extra_env={
        "PARLEY_ALLOW_LOCAL_MEDIA": "1",
        "PATH": f"{opener_dir}:{os.environ.get('PATH', '')}",
    })
    try:
        wait_for(app, "demo banner", lambda d: by_testid(d, "demo-banner"))
        add_mailbox(app, mailservers)
        imap = mailservers.imap()
        imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()), hostile_mail(images.port))
        row = wait_for(app, "the email thread", lambda d: d.execute_script(ROW_NAMED, "Mallory"), timeout=30)
        row.click()

        text = wait_for(app, "the formatted email", lambda d: d.execute_script(
            FRAME + "return d && d.body ? d.body.textContent : null"), timeout=20)
        assert "Hello agent" in text, text
        frame = by_testid(app, "email-frame")[0]
        assert frame.get_attribute("sandbox") == "allow-same-origin"
        # The cid: image is the mail's own part, served by parley-media, and it decodes.
        logo = wait_for(app, "the inline cid image", lambda d: d.execute_script(
            FRAME + "const i = d && d.querySelector('img[alt=logo]');"
            "return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.getAttribute('src')] : null"))
        assert logo[0] == 4 and "parley-media" in logo[1], logo
        assert app.execute_script("return window.getComputedStyle(arguments[0]).height", frame) != "0px"

        # Nothing ran, nothing escaped the sanitiser, and nothing was fetched remotely.
        assert app.execute_script("return document.body.dataset.pwned") is None
        leftovers = app.execute_script(
            FRAME + "return [d.querySelectorAll('script,body style,form,input,iframe,svg').length,"
            " [...d.querySelectorAll('*')].some(e => [...e.attributes].some(a => a.name.startsWith('on'))),"
            " [...d.querySelectorAll('a')].map(a => a.getAttribute('href'))]")
        assert leftovers[:2] == [0, False], leftovers
        styled = app.execute_script(
            FRAME + "const p = [...d.querySelectorAll('p')].find(e => e.textContent.includes('Total due'));"
            " const c = d.defaultView.getComputedStyle(p);"
            " return [c.color, c.position, c.backgroundImage, p.getAttribute('style')]")
        assert styled[:3] == ["rgb(192, 57, 43)", "static", "none"], styled
        # The web link goes through Parley's opener; the javascript: one has no target at all.
        assert leftovers[2][0].startswith("parley-media://localhost/link?u=https%3A%2F%2Fshop.test%2Fhelp"), leftovers
        assert leftovers[2][1] is None, leftovers
        # Each link names its real target on hover; the one whose text names another site says where
        # it really goes, in the mail itself, before any click.
        links = app.execute_script(
            FRAME + "return [...d.querySelectorAll('a')].map(a => [a.getAttribute('title'),"
            " a.nextElementSibling && a.nextElementSibling.hasAttribute('data-parley-real-target')"
            " ? a.nextElementSibling.textContent : null])")
        assert links[0] == ["https://shop.test/help", None], links
        assert links[2] == ["https://evil.test/login", "\u26a0 goes to evil.test"], links
        remote_src = app.execute_script(FRAME + "return d.querySelector('img[alt=remote]').getAttribute('src')")
        assert remote_src is None, remote_src
        assert images.hits == 0
        bar = by_testid(app, "remote-images-bar")[0].text
        assert "1 remote image blocked" in bar, bar

        # A link click (a real one, inside the frame) reaches the system opener through Rust; the
        # frame stays on the mail.
        app.switch_to.frame(frame)
        try:
            app.find_element("css selector", "a[href]").click()
        finally:
            app.switch_to.default_content()
        wait_for(app, "the opener got the link", lambda d: opened.exists()
                 and "https://shop.test/help" in opened.read_text())
        wait_for(app, "the mail still shown", lambda d: "Hello agent" in (d.execute_script(
            FRAME + "return d && d.body ? d.body.textContent : ''") or ""))

        screenshot(app, "media-html-blocked")
        assert images.hits == 0
        by_testid(app, "load-images")[0].click()
        loaded = wait_for(app, "the remote image loaded", lambda d: d.execute_script(
            FRAME + "const i = d && d.querySelector('img[alt=remote]');"
            "return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.getAttribute('src').slice(0, 22)] : null"))
        assert loaded == [3, "data:image/png;base64,"], loaded
        assert images.hits >= 1
        # The frame is as tall as the mail (fitted by the window, no inner scrolling).
        sizes = lambda d: d.execute_script(  # noqa: E731
            FRAME + "return [f.clientHeight, d.documentElement.scrollHeight, d.body.scrollHeight,"
            " d.documentElement.getBoundingClientRect().height, f.style.height, d.documentElement.clientHeight]")
        try:
            wait_for(app, "the frame fitted", lambda d: (lambda s: s[0] >= s[1] and s[0] > 60)(sizes(d)))
        except AssertionError:
            raise AssertionError(f"frame not fitted: {sizes(app)}")
        assert "loaded" in by_testid(app, "remote-images-bar")[0].text
        assert app.execute_script("return document.body.dataset.pwned") is None
        screenshot(app, "media-html-loaded")

        # The plain-text rendition on request.
        by_testid(app, "html-toggle")[0].click()
        wait_for(app, "the text rendition", lambda d: any(
            "Hello agent" in e.text for e in by_testid(d, "message-text")))
        assert not by_testid(app, "email-frame")
    finally:
        app.quit()
        images.stop()
