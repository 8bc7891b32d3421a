//! A reply with files through the email channel, against the real Dovecot and SMTP sink the
//! email tests use: one multipart/mixed message with the text and each file (right types,
//! non-ASCII names encoded), the bytes intact at the sink, and the same copy in Sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness::*;
use mail_parser::{MessageParser, MimeHeaders};
use parley_channels::email::*;
use parley_channels::{Channel, ChannelError, OutgoingFile, OutgoingMessage};
use parley_domain::Direction;
use std::time::Duration;

fn file(dir: &std::path::Path, name: &str, bytes: &[u8], mime: &str) -> OutgoingFile {
    let path = dir.join(format!("f{}", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    OutgoingFile {
        path,
        file_name: name.into(),
        mime_type: mime.into(),
        size: bytes.len() as u64,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_with_files_arrives_as_one_multipart_and_is_copied_to_sent() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let ch = EmailChannel::new(s.plain_config());
    let first = ch.fetch(None, Duration::ZERO).await.unwrap();
    let mut cursor = first.cursor;
    while let Some(c) = cursor.clone() {
        let f = ch.fetch(Some(&c), Duration::ZERO).await.unwrap();
        if !f.more {
            cursor = f.cursor.or(cursor);
            break;
        }
        cursor = f.cursor.or(cursor);
    }

    let dir = tempfile::tempdir().unwrap();
    let mut pdf_bytes = b"%PDF-1.4\r\n.\r\n--x\r\n\0".to_vec();
    pdf_bytes.extend((0..200_000u32).map(|i| (i * 7 % 256) as u8));
    let png_bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake png".to_vec();
    let out = OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "order-77@customer.test".into(),
        customer_remote_id: "alice@customer.test".into(),
        text: "Here are the invoice and the label.".into(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![
            file(
                dir.path(),
                "Überweisung März.pdf",
                &pdf_bytes,
                "application/pdf",
            ),
            file(dir.path(), "label.png", &png_bytes, "image/png"),
        ],
    };
    let receipt = ch.send(&out).await.unwrap();

    // The sink got one multipart/mixed message: the text, then each file intact.
    let sink = s.sink_messages();
    assert_eq!(sink.len(), 1);
    let raw = &sink[0].1;
    let msg = MessageParser::default().parse(raw).expect("parsable mail");
    let ct = msg.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("mixed")),
        "{}",
        String::from_utf8_lossy(&raw[..raw.len().min(2000)])
    );
    assert_eq!(
        msg.body_text(0).as_deref().map(str::trim),
        Some("Here are the invoice and the label.")
    );
    let files: Vec<_> = msg.attachments().collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].attachment_name(), Some("Überweisung März.pdf"));
    let pdf_ct = files[0].content_type().expect("type");
    assert_eq!(
        (pdf_ct.ctype(), pdf_ct.subtype()),
        ("application", Some("pdf"))
    );
    assert_eq!(files[0].contents(), pdf_bytes.as_slice());
    assert_eq!(files[1].attachment_name(), Some("label.png"));
    assert_eq!(files[1].contents(), png_bytes.as_slice());
    // Non-ASCII names travel encoded: the raw headers stay 7-bit.
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    assert!(raw[..head_end].is_ascii());

    // Sent has the copy: the next sync reads it back with both files, which download intact.
    let copy = ch
        .find_sent(&receipt.remote_id)
        .await
        .unwrap()
        .expect("in Sent");
    assert_eq!(copy.mailbox, "Sent");
    let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    let echo = f
        .batch
        .messages
        .iter()
        .find(|m| m.remote_id == receipt.remote_id)
        .expect("the Sent copy is read back");
    assert_eq!(echo.direction, Direction::Outbound);
    assert_eq!(echo.attachments.len(), 2, "{:?}", echo.attachments);
    let back = ch
        .download(echo.attachments[0].remote_ref.as_deref().expect("ref"))
        .await
        .unwrap();
    assert_eq!(back.bytes, pdf_bytes);
}

#[tokio::test(flavor = "multi_thread")]
async fn files_over_25_mb_together_are_refused_before_smtp() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let ch = EmailChannel::new(s.plain_config());
    let dir = tempfile::tempdir().unwrap();
    let mut a = file(dir.path(), "a.bin", b"a", "application/octet-stream");
    a.size = 20 * 1024 * 1024;
    let mut b = file(dir.path(), "bb.bin", b"bb", "application/octet-stream");
    b.size = 6 * 1024 * 1024;
    let out = OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "big@customer.test".into(),
        customer_remote_id: "alice@customer.test".into(),
        text: "Two big files".into(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![a, b],
    };
    let e = ch.send(&out).await.unwrap_err();
    assert!(matches!(e, ChannelError::Rejected { .. }), "{e:?}");
    assert!(e.to_string().contains("25 MB"), "{e}");
    assert!(s.sink_messages().is_empty());
}
