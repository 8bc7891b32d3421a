//! The remote-image fetcher of HTML email against a local HTTP server: only images by their
//! bytes, within the size limit, never from a local or private address (also after a redirect).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use parley_core::media::{ImageType, RemoteImageError, RemoteImages, is_public};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// A tiny HTTP/1.1 server on 127.0.0.1: `/img.png`, `/fake.png` (HTML sent as image/png),
/// `/big.png` (a PNG over the limit), `/private` (redirect to the cloud metadata address),
/// `/hop` (redirect to `/img.png`). Counts requests per path.
async fn server() -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits: Hits = Arc::default();
    let counted = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let hits = counted.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                let (head, body): (String, Vec<u8>) = match path.as_str() {
                    "/img.png" => ("200 OK\r\nContent-Type: image/png".into(), PNG.to_vec()),
                    "/fake.png" => (
                        "200 OK\r\nContent-Type: image/png".into(),
                        b"<svg onload=alert(1)></svg>".to_vec(),
                    ),
                    "/big.png" => {
                        let mut b = PNG.to_vec();
                        b.resize(64 * 1024, 0);
                        ("200 OK\r\nContent-Type: image/png".into(), b)
                    }
                    "/private" => (
                        "302 Found\r\nLocation: http://169.254.169.254/latest/meta-data".into(),
                        Vec::new(),
                    ),
                    "/hop" => ("302 Found\r\nLocation: /img.png".into(), Vec::new()),
                    p if p.starts_with("/huge-") => {
                        let mut b = PNG.to_vec();
                        b.resize(4_500_000, 0);
                        ("200 OK\r\nContent-Type: image/png".into(), b)
                    }
                    _ => ("404 Not Found".into(), Vec::new()),
                };
                let head = format!(
                    "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (base, hits)
}

fn loopback_only() -> RemoteImages {
    RemoteImages::new(|ip| ip.is_loopback())
}

#[tokio::test]
async fn no_more_is_downloaded_once_the_messages_images_fill_their_budget() {
    let (base, hits) = server().await;
    // Twelve images of 4.5 MB: four fit in the 20 MB of a message, the fifth does not.
    let urls: Vec<String> = (0..12).map(|i| format!("{base}/huge-{i}.png")).collect();
    let loaded = loopback_only().fetch_all(&urls).await;
    assert_eq!(loaded.iter().filter(|l| l.is_some()).count(), 4);
    let fetched: usize = hits
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("/huge-"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        fetched <= 8,
        "{fetched} images downloaded for a 20 MB budget"
    );
}

#[tokio::test]
async fn loads_an_image_and_follows_a_safe_redirect() {
    let (base, hits) = server().await;
    let (kind, bytes) = loopback_only()
        .fetch(&format!("{base}/img.png"))
        .await
        .unwrap();
    assert_eq!(kind, ImageType::Png);
    assert_eq!(bytes, PNG);
    let (kind, _) = loopback_only().fetch(&format!("{base}/hop")).await.unwrap();
    assert_eq!(kind, ImageType::Png);
    assert_eq!(hits.lock().unwrap()["/img.png"], 2);

    // As data: URIs, in order, with the failures as None.
    let all = loopback_only()
        .fetch_all(&[
            format!("{base}/img.png"),
            format!("{base}/fake.png"),
            "javascript:alert(1)".into(),
        ])
        .await;
    assert!(
        all[0]
            .as_deref()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(all[1], None);
    assert_eq!(all[2], None);
}

#[tokio::test]
async fn refuses_what_is_not_an_image_or_too_large() {
    let (base, _) = server().await;
    assert_eq!(
        loopback_only().fetch(&format!("{base}/fake.png")).await,
        Err(RemoteImageError::NotAnImage),
        "the declared type is not trusted"
    );
    assert_eq!(
        loopback_only()
            .with_max_bytes(16 * 1024)
            .fetch(&format!("{base}/big.png"))
            .await,
        Err(RemoteImageError::TooLarge)
    );
    assert_eq!(
        loopback_only().fetch(&format!("{base}/missing")).await,
        Err(RemoteImageError::Status(404))
    );
    for bad in [
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "ftp://x.test/a.png",
    ] {
        assert_eq!(
            loopback_only().fetch(bad).await,
            Err(RemoteImageError::Scheme),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn never_reaches_a_local_or_private_address() {
    let (base, hits) = server().await;
    // The production rule: the test server itself is local, by address and by name.
    let public = RemoteImages::new(is_public);
    assert_eq!(
        public.fetch(&format!("{base}/img.png")).await,
        Err(RemoteImageError::Refused)
    );
    let by_name = base.replace("127.0.0.1", "localhost");
    assert_eq!(
        public.fetch(&format!("{by_name}/img.png")).await,
        Err(RemoteImageError::Refused)
    );
    assert!(
        hits.lock().unwrap().is_empty(),
        "no request reached the server"
    );

    // A public-looking start that redirects to the metadata address is stopped at the redirect.
    assert_eq!(
        loopback_only().fetch(&format!("{base}/private")).await,
        Err(RemoteImageError::Refused)
    );
    assert_eq!(hits.lock().unwrap()["/private"], 1);
}

// ---- through the facade ----

use parley_core::{CoreConfig, DemoMode, MemorySecrets, Parley, Paths};
use parley_domain::{
    AttachmentKind, ChannelKind, Direction, HtmlBody, IncomingMessage, IngestBatch, MessageId,
    RemotePerson,
};
use parley_sim::{FakeTelegram, FakeTelegramConfig, InboundContent};
use std::path::Path;
use std::time::{Duration, Instant};

fn paths(dir: &Path) -> Paths {
    Paths {
        data_dir: dir.join("data"),
        config_dir: dir.join("config"),
        log_dir: dir.join("logs"),
    }
}

async fn start(dir: &Path, telegram: Option<&FakeTelegram>) -> Arc<Parley> {
    let mut config = CoreConfig::new(paths(dir), Arc::new(MemorySecrets::default()));
    if let Some(fake) = telegram {
        config.api_roots.set("telegram", fake.base_url());
    }
    config.demo = DemoMode::Off;
    config.quiet_hours_by_default = false;
    config.long_poll = Duration::from_secs(1);
    Parley::start(config).await.expect("starts")
}

#[tokio::test]
async fn a_photo_is_served_by_its_bytes_and_a_fake_image_is_refused() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), Some(&fake)).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", None, None);
    fake.inject_message(&anna, InboundContent::Photo { caption: None })
        .expect("photo");
    fake.inject_message(
        &anna,
        InboundContent::Document {
            file_name: "evil.png".into(),
            mime_type: "image/png".into(),
            bytes: b"<svg onload=alert(1)></svg>".to_vec(),
        },
    )
    .expect("doc");
    let start = Instant::now();
    let messages = loop {
        let page = app.list_threads(None, 10).await.expect("threads");
        if let Some(t) = page.threads.first() {
            let detail = app.open_thread(t.id).await.expect("open");
            if detail.messages.messages.len() == 2 {
                break detail.messages.messages;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "messages never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let photo = messages
        .iter()
        .find(|m| {
            m.attachments
                .first()
                .is_some_and(|a| a.kind == AttachmentKind::Photo)
        })
        .expect("photo message");
    let image = app.media_image(photo.id, 0).await.expect("served");
    assert_eq!(image.content_type, "image/jpeg");
    assert!(image.bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    // Twice at once: one download, the same bytes.
    let (a, b) = tokio::join!(app.media_image(photo.id, 0), app.media_image(photo.id, 0));
    assert_eq!(a.expect("a").bytes, b.expect("b").bytes);

    let fake_png = messages.iter().find(|m| m.id != photo.id).expect("doc");
    let err = app.media_image(fake_png.id, 0).await.expect_err("refused");
    assert!(err.message.contains("not an image"), "{}", err.message);
    assert!(app.media_image(photo.id, 5).await.is_err(), "no such part");
}

#[tokio::test]
async fn an_image_larger_than_the_inline_cap_is_refused_before_any_download() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), Some(&fake)).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", None, None);
    let mut huge =
        vec![0u8; usize::try_from(parley_core::media::MAX_INLINE_IMAGE_BYTES).expect("fits") + 1];
    huge[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    fake.inject_message(
        &anna,
        InboundContent::Document {
            file_name: "poster.png".into(),
            mime_type: "image/png".into(),
            bytes: huge,
        },
    )
    .expect("doc");
    let start = Instant::now();
    let message = loop {
        let page = app.list_threads(None, 10).await.expect("threads");
        if let Some(t) = page.threads.first() {
            let detail = app.open_thread(t.id).await.expect("open");
            if let Some(m) = detail.messages.messages.into_iter().next() {
                break m;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the message never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let err = app.media_image(message.id, 0).await.expect_err("refused");
    assert!(err.message.contains("too large"), "{}", err.message);
    assert!(
        !fake
            .request_log()
            .iter()
            .any(|(method, _)| method == "getFile"),
        "nothing was downloaded: {:?}",
        fake.request_log()
    );
}

#[tokio::test]
async fn stored_email_html_becomes_a_frame_document() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
    let message = {
        let mut store = parley_store::Store::open(&paths(dir.path()).database()).expect("store");
        let account = store
            .insert_account(
                &parley_store::NewAccount {
                    channel: ChannelKind::Email,
                    name: "Shop".into(),
                    handle: None,
                    external_id: "agent@shop.test".into(),
                    is_demo: false,
                },
                1,
            )
            .expect("account");
        let p = RemotePerson {
            remote_id: "m@evil.test".into(),
            display_name: "Mallory".into(),
            handle: None,
        };
        let sanitized = parley_channels::email::sanitize_html(
            r#"<p onclick="x()">Hi</p><script>alert(1)</script><img src="cid:logo@x"><img src="https://t.test/p.gif"><a href="https://shop.test/help">help</a><a href="javascript:alert(1)">bad</a>"#,
        );
        store
            .apply_batch(
                account,
                &IngestBatch {
                    messages: vec![IncomingMessage {
                        remote_thread_id: "r@evil.test".into(),
                        remote_id: "r@evil.test".into(),
                        direction: Direction::Inbound,
                        sender: p.clone(),
                        customer: p,
                        text: "Hi".into(),
                        attachments: vec![],
                        sent_at: 10,
                        reply_to_remote_id: None,
                        subject: None,
                        quoted_text: None,
                    }],
                    html_bodies: vec![HtmlBody {
                        remote_id: "r@evil.test".into(),
                        html: sanitized.html,
                        remote_images: sanitized.remote_images,
                        inline_parts: vec![("LOGO@x".into(), 2)],
                    }],
                    ..Default::default()
                },
                None,
                1,
            )
            .expect("apply");
        let thread = store.list_threads(None, 1).expect("threads").threads[0].id;
        store.messages(thread, None, 1).expect("messages").messages[0].id
    };
    let app = start(dir.path(), None).await;
    let html = app.message_html(message, false).await.expect("html");
    assert!(
        html.document
            .contains(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'"#),
        "{}",
        html.document
    );
    assert!(
        html.document.contains("parley-media://localhost/"),
        "{}",
        html.document
    );
    assert!(
        html.document.contains(&format!("{}%2F2", message.0)),
        "cid → part 2"
    );
    assert!(
        html.document
            .contains("/link?u=https%3A%2F%2Fshop.test%2Fhelp"),
        "{}",
        html.document
    );
    for bad in [
        "<script",
        "onclick",
        "javascript:",
        "t.test",
        "parley-remote",
        "cid:",
    ] {
        assert!(!html.document.contains(bad), "{bad} in {}", html.document);
    }
    assert_eq!((html.remote_images, html.loaded_images), (1, 0));
    assert_eq!(html.inline_parts, vec![2]);
    let err = app.message_html(MessageId(message.0 + 100), false).await;
    assert!(err.is_err(), "a message without HTML");
}

#[tokio::test]
async fn a_removed_accounts_files_go_with_it_and_never_reach_the_next_account() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let app = start(dir.path(), Some(&first)).await;
    let file = |text: &str| InboundContent::Document {
        file_name: "invoice.txt".into(),
        mime_type: "text/plain".into(),
        bytes: text.as_bytes().to_vec(),
    };
    let opened = |app: Arc<Parley>| async move {
        let start = Instant::now();
        loop {
            let page = app.list_threads(None, 10).await.expect("threads");
            if let Some(t) = page.threads.first() {
                let detail = app.open_thread(t.id).await.expect("open");
                if let Some(m) = detail.messages.messages.first() {
                    let path = app.fetch_attachment(m.id, 0).await.expect("downloaded");
                    return (m.id, path);
                }
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no message");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    app.add_telegram_account(first.token().into())
        .await
        .expect("added");
    let anna = first.customer("Anna", None, None);
    first
        .inject_message(&anna, file("Anna's invoice"))
        .expect("file");
    let (first_id, first_path) = opened(app.clone()).await;
    assert_eq!(
        std::fs::read_to_string(&first_path).expect("read"),
        "Anna's invoice"
    );
    let account = app.list_accounts().await.expect("accounts")[0].id;
    app.remove_account(account, false).await.expect("removed");
    assert!(!first_path.exists(), "the removed account's file stayed");

    // Another business's bot: its first message takes the row id SQLite freed.
    let second = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    drop(app);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let app = start(dir.path(), Some(&second)).await;
    app.add_telegram_account(second.token().into())
        .await
        .expect("added");
    let bob = second.customer("Bob", None, None);
    second
        .inject_message(&bob, file("Bob's invoice"))
        .expect("file");
    let (second_id, second_path) = opened(app.clone()).await;
    assert_eq!(
        second_id, first_id,
        "the row id is reused (what the test is about)"
    );
    assert_eq!(
        std::fs::read_to_string(&second_path).expect("read"),
        "Bob's invoice"
    );
}
