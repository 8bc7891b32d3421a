//! File uploads on the wire, as any HTTP client sends them (`multipart/form-data`): the fake Bot
//! API's sendPhoto/sendDocument and the fake Graph Send API's `filedata`, with their limits.

use parley_sim::graph::{FakeGraph, FakeGraphConfig, Platform};
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

use crate::common::now;

/// A form as curl would build it: text fields, then one file.
fn form(fields: &[(&str, &str)], file: (&str, &str, &str, &[u8])) -> (String, Vec<u8>) {
    let b = "----curlBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let (name, filename, mime, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn post(url: &str, (ct, body): (String, Vec<u8>)) -> (StatusCode, Value) {
    let r = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
        .post(url)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("request");
    (r.status(), r.json().await.expect("json"))
}

#[tokio::test]
async fn the_bot_api_takes_documents_and_photos_and_refuses_past_its_limits() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let c = fake.customer("Anna", None, None);
    let chat = c.chat_id().to_string();
    let bytes = b"%PDF\r\n--x\r\n\0\xff".to_vec();

    let (status, v) = post(
        &fake.method_url("sendDocument"),
        form(
            &[("chat_id", &chat), ("caption", "the invoice")],
            ("document", "invoice.pdf", "application/pdf", &bytes),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let doc = &v["result"]["document"];
    assert_eq!(doc["file_name"], "invoice.pdf");
    assert_eq!(doc["mime_type"], "application/pdf");
    assert_eq!(v["result"]["caption"], "the invoice");
    let file_id = doc["file_id"].as_str().expect("file_id");
    assert_eq!(fake.file_bytes(file_id), Some(bytes.clone()));
    let sent = fake.sent_messages();
    assert_eq!(sent[0].text, "the invoice");
    assert_eq!(
        sent[0].file.as_ref().map(|f| f.kind.as_str()),
        Some("document")
    );

    let (status, v) = post(
        &fake.method_url("sendPhoto"),
        form(
            &[("chat_id", &chat)],
            ("photo", "p.png", "image/png", &bytes),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["result"]["photo"].is_array());

    // Photos over 10 MB, uploads over 50 MB, empty files, a missing part.
    let big_photo = vec![0u8; 10 * 1024 * 1024 + 1];
    let (status, _) = post(
        &fake.method_url("sendPhoto"),
        form(
            &[("chat_id", &chat)],
            ("photo", "p.jpg", "image/jpeg", &big_photo),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let huge = vec![0u8; 50 * 1024 * 1024 + 1];
    let (status, _) = post(
        &fake.method_url("sendDocument"),
        form(
            &[("chat_id", &chat)],
            ("document", "h.bin", "application/octet-stream", &huge),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, v) = post(
        &fake.method_url("sendDocument"),
        form(
            &[("chat_id", &chat)],
            ("other", "e.bin", "application/octet-stream", b"x"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(fake.sent_messages().len(), 2);
}

#[tokio::test]
async fn the_send_api_takes_filedata_within_25_mb_and_the_window() {
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake");
    let p = fake.customer(Platform::Messenger, "Grace", None);
    fake.inject_message(&p, Some("hi"), vec![], Some(now() - 60));
    let url = format!(
        "{}/v23.0/{}/messages?access_token={}",
        fake.base_url(),
        fake.page_id(),
        fake.page_token()
    );
    let recipient = format!("{{\"id\":\"{}\"}}", p.id);
    let message = r#"{"attachment":{"type":"file","payload":{"is_reusable":false}}}"#;
    let fields = [
        ("recipient", recipient.as_str()),
        ("messaging_type", "RESPONSE"),
        ("message", message),
    ];
    let (status, v) = post(
        &url,
        form(
            &fields,
            ("filedata", "terms.pdf", "application/pdf", b"%PDF-1"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        v["message_id"]
            .as_str()
            .is_some_and(|m| m.starts_with("m_"))
    );
    let sent = fake.sent_messages();
    let att = sent[0].attachment.clone().expect("attachment");
    assert_eq!(
        (att.kind.as_str(), att.name.as_str(), att.size),
        ("file", "terms.pdf", 6)
    );

    let big = vec![0u8; 25 * 1024 * 1024 + 1];
    let (status, v) = post(
        &url,
        form(
            &fields,
            ("filedata", "big.bin", "application/octet-stream", &big),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], 100, "{v}");

    let (status, v) = post(
        &url,
        form(&fields[..2], ("filedata", "x.pdf", "application/pdf", b"x")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no message: {v}");

    // Outside the 24 h window the file is refused like text.
    let late = fake.customer(Platform::Messenger, "Late", None);
    fake.inject_message(&late, Some("hi"), vec![], Some(now() - 30 * 3600));
    let recipient = format!("{{\"id\":\"{}\"}}", late.id);
    let (status, v) = post(
        &url,
        form(
            &[
                ("recipient", recipient.as_str()),
                ("messaging_type", "RESPONSE"),
                ("message", message),
            ],
            ("filedata", "t.pdf", "application/pdf", b"%PDF"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["error_subcode"], 2_018_278, "{v}");
    assert_eq!(fake.sent_messages().len(), 1);
}
