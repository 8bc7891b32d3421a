//! Replies with files through the Telegram and Graph adapters, against their wire-faithful fakes
//! on 127.0.0.1: the bytes arrive intact (multipart uploads), the providers' limits are refused
//! with words before anything is uploaded, and Meta's reply window applies to files as to text.

use parley_channels::graph::{GraphChannel, GraphConfig, GraphPlatform};
use parley_channels::telegram::TelegramChannel;
use parley_channels::{AttachmentRule, Channel, ChannelError, OutgoingFile, OutgoingMessage};
use parley_domain::{AttachmentKind, Direction};
use parley_sim::graph::{FakeGraph, FakeGraphConfig, Platform};
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::path::Path;
use std::time::Duration;

use crate::common::now;

const HOUR: i64 = 3600;
const MB: u64 = 1024 * 1024;

/// Bytes that would break a careless multipart encoder: CR LF, dashes, NUL, high bytes.
fn tricky_bytes(n: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\r\n--boundary\r\n\0".to_vec();
    v.extend((0..n).map(|i| (i * 31 % 256) as u8));
    v
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x03\x08\x02\0\0\0".to_vec();
    v.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    v
}

fn write(dir: &Path, name: &str, bytes: &[u8], mime: &str) -> OutgoingFile {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    OutgoingFile {
        path,
        file_name: name.to_owned(),
        mime_type: mime.to_owned(),
        size: bytes.len() as u64,
    }
}

fn with_file(thread: &str, customer: &str, file: OutgoingFile) -> OutgoingMessage {
    OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: thread.to_owned(),
        customer_remote_id: customer.to_owned(),
        text: String::new(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![file],
    }
}

#[test]
fn each_channel_says_how_files_go() {
    assert_eq!(
        parley_channels::telegram::ATTACHMENT_RULE,
        AttachmentRule::OnePerFile { max_file: 50 * MB }
    );
    assert_eq!(
        parley_channels::graph::ATTACHMENT_RULE,
        AttachmentRule::OnePerFile { max_file: 25 * MB }
    );
    assert_eq!(
        parley_channels::email::ATTACHMENT_RULE,
        AttachmentRule::AllInOne { max_total: 25 * MB }
    );
    assert!(matches!(
        parley_channels::twilio::ATTACHMENT_RULE,
        AttachmentRule::Unsupported { .. }
    ));
}

#[tokio::test]
async fn telegram_sends_a_document_and_a_photo_whose_bytes_come_back_intact() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake starts");
    let ch = TelegramChannel::new(&fake.base_url(), fake.token()).expect("client");
    let anna = fake.customer("Anna", None, None);
    let chat = anna.chat_id().to_string();
    let dir = tempfile::tempdir().expect("tmp");

    let pdf_bytes = tricky_bytes(300_000);
    let pdf = write(
        dir.path(),
        "Rechnung März.pdf",
        &pdf_bytes,
        "application/pdf",
    );
    let receipt = ch
        .send(&with_file(&chat, &chat, pdf))
        .await
        .expect("sendDocument");
    assert!(receipt.remote_id.starts_with(&format!("{chat}:")));

    let photo = write(dir.path(), "parcel.png", &png(), "image/png");
    ch.send(&with_file(&chat, &chat, photo))
        .await
        .expect("sendPhoto");

    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 2);
    let doc = sent[0].file.clone().expect("a file");
    assert_eq!(doc.kind, "document");
    assert_eq!(doc.file_name.as_deref(), Some("Rechnung März.pdf"));
    assert_eq!(doc.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(sent[1].file.as_ref().expect("photo").kind, "photo");

    // getFile serves what was uploaded, byte for byte (the adapter's own download path).
    let back = ch.download(&doc.file_id).await.expect("download");
    assert_eq!(back.bytes, pdf_bytes);
    let back = ch
        .download(&sent[1].file.as_ref().expect("photo").file_id)
        .await
        .expect("download");
    assert_eq!(back.bytes, png());
}

#[tokio::test]
async fn telegram_refuses_what_a_bot_may_not_send_before_uploading() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake starts");
    let ch = TelegramChannel::new(&fake.base_url(), fake.token()).expect("client");
    let anna = fake.customer("Anna", None, None);
    let chat = anna.chat_id().to_string();
    let dir = tempfile::tempdir().expect("tmp");
    let mut big = write(dir.path(), "big.bin", b"x", "application/octet-stream");
    big.size = 51 * MB;
    let err = ch
        .send(&with_file(&chat, &chat, big))
        .await
        .expect_err("too large");
    assert!(matches!(err, ChannelError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("50 MB"), "{err}");

    // A file that vanished from the data folder is a permanent failure with words.
    let mut gone = write(dir.path(), "gone.pdf", b"x", "application/pdf");
    std::fs::remove_file(&gone.path).expect("rm");
    gone.size = 1;
    let err = ch
        .send(&with_file(&chat, &chat, gone))
        .await
        .expect_err("missing");
    assert!(matches!(err, ChannelError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("attach the file again"), "{err}");
    assert!(fake.sent_messages().is_empty());
}

fn graph(fake: &FakeGraph, approved: bool) -> GraphChannel {
    let mut cfg = GraphConfig::new(fake.page_id(), fake.page_token(), GraphPlatform::Messenger)
        .with_api_base(&fake.base_url());
    cfg.call_timeout = Duration::from_secs(5);
    cfg.budget_calls = 100;
    cfg.human_agent_approved = approved;
    GraphChannel::new(cfg).expect("client")
}

#[tokio::test]
async fn messenger_uploads_a_file_shown_in_the_conversation_once() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake starts");
    let ch = graph(&fake, false);
    let p = fake.customer(Platform::Messenger, "Margaret", None);
    let m = fake.inject_message(&p, Some("photo please"), vec![], Some(now() - HOUR));
    // The adapter learns the thread (and that the customer's message is not its own).
    let first = ch.fetch(None, Duration::ZERO).await.expect("fetch");
    let cursor = first.cursor.clone();
    let dir = tempfile::tempdir().expect("tmp");

    let bytes = png();
    let file = write(dir.path(), "label.png", &bytes, "image/png");
    let receipt = ch
        .send(&with_file(&m.conversation_id, &p.id, file))
        .await
        .expect("upload");
    let sent = fake.sent_messages();
    let att = sent
        .last()
        .and_then(|s| s.attachment.clone())
        .expect("an attachment send");
    assert_eq!(att.kind, "image");
    assert_eq!(att.name, "label.png");
    assert_eq!(
        sent.last().map(|s| s.messaging_type.as_str()),
        Some("RESPONSE")
    );
    assert_eq!(
        sent.last().map(|s| s.message_id.clone()),
        Some(receipt.remote_id.clone())
    );

    // The Page's conversation shows it: the sync reads it back once, as the Page's own message
    // (the store merges it with the reply by its id), and its bytes download intact.
    let mut seen = Vec::new();
    let mut cursor = cursor;
    for _ in 0..3 {
        let f = ch
            .fetch(cursor.as_deref(), Duration::ZERO)
            .await
            .expect("fetch");
        seen.extend(f.batch.messages);
        cursor = f.cursor.or(cursor);
    }
    let ours: Vec<_> = seen
        .iter()
        .filter(|m| m.remote_id == receipt.remote_id)
        .collect();
    assert_eq!(ours.len(), 1, "read back once: {seen:?}");
    let echo = ours[0];
    assert_eq!(echo.direction, Direction::Outbound);
    assert_eq!(echo.attachments[0].kind, AttachmentKind::Photo);
    let r = echo.attachments[0].remote_ref.clone().expect("ref");
    assert_eq!(ch.download(&r).await.expect("download").bytes, bytes);
    let url = format!("{}/cdn/{}/{}", fake.base_url(), att.id, att.name);
    let served = reqwest::get(url)
        .await
        .expect("cdn")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(served.to_vec(), bytes);
}

#[tokio::test]
async fn messenger_files_follow_the_window_and_the_25_mb_limit() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake starts");
    let dir = tempfile::tempdir().expect("tmp");
    let p = fake.customer(Platform::Messenger, "Late", None);
    let m = fake.inject_message(&p, Some("hi"), vec![], Some(now() - 30 * HOUR));
    let doc = write(
        dir.path(),
        "terms.pdf",
        &tricky_bytes(1000),
        "application/pdf",
    );
    let mut late = with_file(&m.conversation_id, &p.id, doc);
    late.customer_last_wrote_at = Some((now() - 30 * HOUR) * 1000);

    // Past 24 h without HUMAN_AGENT approval: Meta refuses the file as it would the text.
    let err = graph(&fake, false)
        .send(&late)
        .await
        .expect_err("window closed");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 2_018_278,
                ..
            }
        ),
        "{err:?}"
    );

    // Approved: the file goes with the HUMAN_AGENT tag.
    fake.approve_human_agent(true);
    graph(&fake, true)
        .send(&late)
        .await
        .expect("HUMAN_AGENT within 7 days");
    let last = fake.sent_messages().last().cloned().expect("sent");
    assert_eq!(last.tag.as_deref(), Some("HUMAN_AGENT"));
    assert_eq!(last.messaging_type, "MESSAGE_TAG");
    assert_eq!(last.attachment.map(|a| a.kind).as_deref(), Some("file"));

    // Over 25 MB: refused by the adapter with words, nothing uploaded.
    let before = fake.sent_messages().len();
    let mut big = write(dir.path(), "video.mp4", b"x", "video/mp4");
    big.size = 26 * MB;
    let err = graph(&fake, true)
        .send(&with_file(&m.conversation_id, &p.id, big))
        .await
        .expect_err("too large");
    assert!(matches!(err, ChannelError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("25 MB"), "{err}");
    assert_eq!(fake.sent_messages().len(), before);
}
