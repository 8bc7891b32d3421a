//! Messy real-world MIME through a real Dovecot: charsets, broken headers, nested multiparts,
//! hostile HTML. Nothing may crash; text has no markup; the kept HTML is safe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness::*;
use parley_channels::Channel;
use parley_channels::email::*;
use parley_domain::AttachmentKind;
use std::collections::HashMap;
use std::time::Duration;

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = Vec::new();
    // ISO-8859-1, quoted-printable, encoded-word subject and name.
    v.push(("latin1", b"From: =?ISO-8859-1?Q?Fran=E7ois_M=FCller?= <francois@client.test>\r\nTo: agent@shop.test\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\nDate: Tue, 3 Jun 2025 08:00:00 +0200\r\nMessage-ID: <latin1@client.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nJ'ai re=E7u un caf=E9 froid =E0 10=A0h.\r\n".to_vec()));
    // Shift_JIS, base64 body.
    let sjis_body = {
        // "お問い合わせありがとうございます" in Shift_JIS
        let bytes: &[u8] = &[
            0x82, 0xa8, 0x96, 0xe2, 0x82, 0xa2, 0x8d, 0x87, 0x82, 0xed, 0x82, 0xb9, 0x82, 0xa0,
            0x82, 0xe8, 0x82, 0xaa, 0x82, 0xc6, 0x82, 0xa4, 0x82, 0xb2, 0x82, 0xb4, 0x82, 0xa2,
            0x82, 0xdc, 0x82, 0xb7,
        ];
        base64(bytes)
    };
    v.push(("sjis", format!("From: tanaka@client.jp\r\nTo: agent@shop.test\r\nSubject: =?Shift_JIS?B?gqiW4oKijYeC7YK5?=\r\nDate: Tue, 3 Jun 2025 09:00:00 +0900\r\nMessage-ID: <sjis@client.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: base64\r\n\r\n{sjis_body}\r\n").into_bytes()));
    // Broken headers: no From, garbage date, unterminated encoded word, no Message-ID, bare LF,
    // an undeclared 8-bit body.
    v.push(("broken", b"To: agent@shop.test\nSubject: =?utf-8?B?broken\nDate: yesterday-ish\nContent-Type: text/plain; charset=\"nonexistent-charset\nX-Junk: \x01\x02\xff\n\nPlain body with bytes \xe9\xff and no end".to_vec()));
    // Nested multiparts: mixed > (alternative > (plain, related > (html, inline image))), pdf.
    v.push(("nested", b"From: Nested <nested@client.test>\r\nTo: agent@shop.test\r\nSubject: Invoice\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\nMessage-ID: <nested@client.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the invoice attached.\r\n--alt\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Please find the <b>invoice</b> attached.<img src=\"cid:logo@client.test\"></p>\r\n--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@client.test>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n--alt--\r\n--outer\r\nContent-Type: application/pdf; name=\"invoice 42.pdf\"\r\nContent-Disposition: attachment; filename=\"../../invoice 42.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--outer--\r\n".to_vec()));
    // HTML only, hostile.
    v.push(("hostile", b"From: Mallory <mallory@evil.test>\r\nTo: agent@shop.test\r\nSubject: <script>alert('subject')</script>\r\nDate: Tue, 3 Jun 2025 11:00:00 +0000\r\nMessage-ID: <hostile@evil.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>body{position:fixed;top:0}</style><script>alert(1)</script></head><body onload=\"alert(2)\"><p style=\"position:fixed\">Hello <b>agent</b>,</p><img src=\"https://tracker.evil.test/pixel.gif\" onerror=\"alert(3)\"><img src=\"//tracker.evil.test/p2.gif\"><a href=\"javascript:alert(4)\">click</a> <a href=\"https://shop.test/help\">help</a><form action=\"https://evil.test\"><input name=p></form><iframe src=\"https://evil.test\"></iframe><svg onload=alert(5)></svg></body></html>\r\n".to_vec()));
    v
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn messy_mime_is_read_sensibly_and_safely() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for (_, raw) in corpus() {
        admin.append("INBOX", &raw);
    }
    let ch = EmailChannel::new(s.plain_config());
    let f = ch.fetch(None, Duration::ZERO).await.unwrap();
    assert_eq!(f.batch.messages.len(), 5);
    let by_id: HashMap<&str, _> = f
        .batch
        .messages
        .iter()
        .map(|m| (m.remote_id.as_str(), m))
        .collect();

    let latin = by_id["latin1@client.test"];
    assert_eq!(latin.text, "J'ai reçu un café froid à 10\u{a0}h.");
    assert_eq!(latin.customer.display_name, "François Müller");

    let sjis = by_id["sjis@client.jp"];
    assert_eq!(sjis.text, "お問い合わせありがとうございます");

    let broken = f
        .batch
        .messages
        .iter()
        .find(|m| m.remote_id.starts_with("hash:"))
        .expect("broken mail");
    assert!(
        broken.text.contains("Plain body with bytes"),
        "{:?}",
        broken.text
    );
    assert_eq!(broken.customer.remote_id, "unknown");

    let nested = by_id["nested@client.test"];
    assert_eq!(nested.text, "Please find the invoice attached.");
    let pdf = nested
        .attachments
        .iter()
        .find(|a| a.mime_type.as_deref() == Some("application/pdf"))
        .expect("pdf");
    assert_eq!(
        pdf.file_name.as_deref(),
        Some("invoice 42.pdf"),
        "no path in the name"
    );
    assert_eq!(pdf.kind, AttachmentKind::Document);
    let png = nested
        .attachments
        .iter()
        .find(|a| a.kind == AttachmentKind::Photo)
        .expect("inline image");
    let got = ch
        .download(pdf.remote_ref.as_deref().unwrap())
        .await
        .unwrap();
    assert!(got.bytes.starts_with(b"%PDF-1.4"), "{:?}", got.bytes);
    let got = ch
        .download(png.remote_ref.as_deref().unwrap())
        .await
        .unwrap();
    assert!(got.bytes.starts_with(b"\x89PNG"));
    // The sanitised HTML travels with the batch (stored at sync time), with its cid: map.
    let html_of = |id: &str| f.batch.html_bodies.iter().find(|h| h.remote_id == id);
    let stored = html_of("nested@client.test").expect("nested html in the batch");
    assert!(
        stored.html.contains("cid:logo@client.test"),
        "{}",
        stored.html
    );
    let png_index = nested
        .attachments
        .iter()
        .position(|a| a.kind == AttachmentKind::Photo);
    assert_eq!(
        stored.inline_parts,
        vec![("logo@client.test".to_string(), png_index.unwrap())]
    );
    let hostile_html = html_of("hostile@evil.test").expect("hostile html in the batch");
    assert_eq!(
        hostile_html.remote_images,
        vec!["https://tracker.evil.test/pixel.gif".to_string()]
    );
    assert!(
        html_of("latin1@client.test").is_none(),
        "plain text mail has none"
    );
    let body = ch.body("nested@client.test").await.unwrap().unwrap();
    assert!(
        body.html.unwrap().contains("cid:logo@client.test"),
        "inline image kept for the view"
    );

    let hostile = by_id["hostile@evil.test"];
    for bad in ["<", ">", "alert", "script", "javascript", "tracker"] {
        assert!(
            !hostile.text.contains(bad),
            "{bad:?} in text {:?}",
            hostile.text
        );
    }
    assert!(hostile.text.contains("Hello agent,"), "{:?}", hostile.text);
    let body = ch.body("hostile@evil.test").await.unwrap().unwrap();
    let html = body.html.expect("sanitised html kept").to_lowercase();
    for bad in [
        "<script",
        "alert",
        "onload",
        "onerror",
        "javascript:",
        "tracker.evil.test",
        "<style",
        "style=",
        "<form",
        "<input",
        "<iframe",
        "<svg",
    ] {
        assert!(!html.contains(bad), "{bad:?} in html {html}");
    }
    assert!(
        html.contains("https://shop.test/help"),
        "safe links stay: {html}"
    );
    assert!(
        body.blocked_images >= 1,
        "the remote image is counted for \"load images\""
    );
}

/// R4: the parser and the folding never panic on arbitrary bytes (a cheap deterministic fuzz;
/// the corpus mutated byte by byte and truncated).
#[test]
fn parser_survives_mutations() {
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (_, raw) in corpus() {
        for _ in 0..300 {
            let mut m = raw.clone();
            let edits = (next() % 8) as usize + 1;
            for _ in 0..edits {
                let i = (next() as usize) % m.len();
                m[i] = (next() & 0xff) as u8;
            }
            let cut = (next() as usize) % (m.len() + 1);
            m.truncate(cut.max(1));
            let p = parse_message(&m);
            let _ = fold_quotes(&p.text);
        }
    }
}
