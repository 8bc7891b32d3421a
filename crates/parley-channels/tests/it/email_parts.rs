//! One attachment is read as its own part, by IMAP section, and a mail too large to read whole
//! still lists (and opens) the attachments past the part that was read — against real Dovecot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness::*;
use parley_channels::Channel;
use parley_channels::email::*;
use std::time::Duration;

/// Base64 in 76-character lines, as mailers write it.
fn b64_lines(bytes: &[u8]) -> String {
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
            out.push(if i <= chunk.len() {
                T[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn pdf_bytes(n: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.extend((0..n).map(|i| (i * 7 % 251) as u8));
    v
}

/// mixed > (alternative > (plain, related > (html, inline png)), pdf, csv (quoted-printable),
/// an attached message).
fn nested_mail(pdf: &[u8]) -> Vec<u8> {
    format!(
        "From: Nested <nested@client.test>\r\nTo: {USER}\r\nSubject: Invoice and more\r\n\
Date: Tue, 3 Jun 2025 10:00:00 +0000\r\nMessage-ID: <parts@client.test>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find everything attached.\r\n\
--alt\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Please find <b>everything</b> attached.<img src=\"cid:logo@client.test\"></p>\r\n\
--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@client.test>\r\nContent-Disposition: inline\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUg==\r\n--rel--\r\n--alt--\r\n\
--outer\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n\
--outer\r\nContent-Type: text/csv; charset=utf-8; name=\"orders.csv\"\r\nContent-Disposition: attachment; filename=\"orders.csv\"\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\norder,total\r\n4821,=E2=82=AC12=2C50\r\n\
--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"forwarded.eml\"\r\n\r\n\
From: Bob <bob@client.test>\r\nSubject: Earlier\r\nMessage-ID: <inner@client.test>\r\n\r\nThe earlier mail.\r\n\
--outer--\r\n",
        pdf = b64_lines(pdf),
    )
    .into_bytes()
}

fn section_of(remote_ref: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(remote_ref).unwrap();
    v.get("s").and_then(|s| s.as_str()).map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_attachment_is_read_as_its_own_imap_part() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let pdf = pdf_bytes(40_000);
    s.admin().append("INBOX", &nested_mail(&pdf));
    let ch = EmailChannel::new(s.plain_config());
    let f = ch.fetch(None, Duration::ZERO).await.unwrap();
    let m = &f.batch.messages[0];
    let named = |name: &str| {
        m.attachments
            .iter()
            .find(|a| {
                a.file_name.as_deref() == Some(name)
                    || (name == "png" && a.mime_type.as_deref() == Some("image/png"))
            })
            .unwrap_or_else(|| panic!("{name} in {:?}", m.attachments))
    };
    // Numbered as the server numbers them (RFC 3501 §6.4.5).
    for (name, section, bytes) in [
        ("png", "1.2.2", None),
        ("invoice.pdf", "2", Some(pdf.clone())),
        (
            "orders.csv",
            "3",
            Some("order,total\r\n4821,€12,50".as_bytes().to_vec()),
        ),
        ("forwarded.eml", "4", None),
    ] {
        let a = named(name);
        let remote_ref = a.remote_ref.as_deref().unwrap();
        assert_eq!(
            section_of(remote_ref).as_deref(),
            Some(section),
            "{name}: {remote_ref}"
        );
        let got = ch.download(remote_ref).await.unwrap();
        match (name, bytes) {
            (_, Some(expected)) => assert_eq!(got.bytes, expected, "{name}"),
            ("png", None) => assert!(got.bytes.starts_with(b"\x89PNG"), "{:?}", got.bytes),
            (_, None) => {
                let text = String::from_utf8_lossy(&got.bytes);
                assert!(
                    text.contains("Message-ID: <inner@client.test>")
                        && text.contains("The earlier mail."),
                    "{text}"
                );
            }
        }
        assert_eq!(
            a.size,
            Some(got.bytes.len() as i64),
            "{name}: the size listed is what opens"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_too_large_to_read_whole_lists_and_opens_attachments_past_what_was_read() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let pdf = pdf_bytes(300_000);
    s.admin().append("INBOX", &nested_mail(&pdf));
    let mut config = s.plain_config();
    config.whole_mail_max = 100_000;
    config.large_body = 4_000;
    let ch = EmailChannel::new(config);
    let f = ch.fetch(None, Duration::ZERO).await.unwrap();
    let m = &f.batch.messages[0];
    assert_eq!(
        m.text, "Please find everything attached.",
        "the text was in what was read"
    );
    let names: Vec<Option<&str>> = m
        .attachments
        .iter()
        .map(|a| a.file_name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            None,
            Some("invoice.pdf"),
            Some("orders.csv"),
            Some("forwarded.eml")
        ],
        "{:?}",
        m.attachments
    );
    let invoice = &m.attachments[1];
    let listed = invoice.size.unwrap();
    assert!(
        (listed - pdf.len() as i64).abs() < 8_000,
        "about the decoded size: {listed} vs {}",
        pdf.len()
    );
    let got = ch
        .download(invoice.remote_ref.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(got.bytes, pdf, "the whole file, read as its own part");
    assert_eq!(got.file_name.as_deref(), Some("invoice.pdf"));
    let csv = ch
        .download(m.attachments[2].remote_ref.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(csv.bytes, "order,total\r\n4821,€12,50".as_bytes());
}
