//! The Telegram adapter against the wire-faithful fake Bot API on 127.0.0.1.

use parley_channels::telegram::TelegramChannel;
use parley_channels::{Channel, ChannelError, OutgoingMessage};
use parley_domain::{AttachmentKind, Direction};
use parley_sim::{FakeTelegram, FakeTelegramConfig, Fault, InboundContent};
use std::time::{Duration, Instant};

async fn fake() -> (FakeTelegram, TelegramChannel) {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake starts");
    let channel = TelegramChannel::new(&fake.base_url(), fake.token())
        .expect("client")
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    (fake, channel)
}

fn reply(chat: i64, text: &str) -> OutgoingMessage {
    OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: chat.to_string(),
        customer_remote_id: chat.to_string(),
        text: text.into(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![],
    }
}

#[tokio::test]
async fn validates_the_token_with_get_me() {
    let (fake, channel) = fake().await;
    let me = channel.validate().await.expect("valid token");
    assert_eq!(me.external_id, "110201543");
    assert_eq!(me.handle.as_deref(), Some("parley_test_bot"));

    let wrong =
        TelegramChannel::new(&fake.base_url(), "110201543:wrong-secret-token").expect("client");
    let err = wrong.validate().await.expect_err("wrong token refused");
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    assert!(
        !err.to_string().contains("wrong-secret-token"),
        "the token leaked into: {err}"
    );
}

#[tokio::test]
async fn catches_up_in_pages_then_confirms_by_offset() {
    let (fake, channel) = fake().await;
    let anna = fake.customer("Anna", Some("Müller"), Some("anna_m"));
    for i in 0..150 {
        fake.inject_text(&anna, &format!("message {i}"))
            .expect("inject");
    }
    let first = channel
        .fetch(None, Duration::ZERO)
        .await
        .expect("first page");
    assert_eq!(first.batch.messages.len(), 100);
    assert!(first.more);
    let cursor = first.cursor.clone().expect("cursor");

    // A crash before the page was stored: asking again with the old cursor gets it all again.
    let again = channel.fetch(None, Duration::ZERO).await.expect("replay");
    assert_eq!(again.batch.messages.len(), 100);
    assert_eq!(
        again.batch.messages[0].remote_id,
        first.batch.messages[0].remote_id
    );

    let second = channel
        .fetch(Some(&cursor), Duration::ZERO)
        .await
        .expect("second page");
    assert_eq!(second.batch.messages.len(), 50);
    assert!(!second.more);
    assert_eq!(second.batch.messages[49].text, "message 149");
    let end = second.cursor.clone().expect("cursor");

    let none = channel
        .fetch(Some(&end), Duration::ZERO)
        .await
        .expect("empty");
    assert!(none.batch.is_empty());
    assert_eq!(none.cursor, None);
    // Confirmed updates are gone for good.
    assert_eq!(fake.pending_updates(), 0);

    let m = &first.batch.messages[0];
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(m.customer.display_name, "Anna Müller");
    assert_eq!(m.remote_thread_id, anna.chat_id().to_string());
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_message_arrives() {
    let (fake, channel) = fake().await;
    let customer = fake.customer("Kenji", None, None);
    let started = Instant::now();
    let poll = tokio::spawn(async move { channel.fetch(None, Duration::from_secs(10)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    fake.inject_text(&customer, "are you open today?")
        .expect("inject");
    let fetched = poll.await.expect("join").expect("fetch");
    assert_eq!(fetched.batch.messages.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the poll waited for its timeout"
    );
}

#[tokio::test]
async fn maps_media_edits_and_downloads() {
    let (fake, channel) = fake().await;
    let c = fake.customer("Priya", Some("Natarajan"), None);
    let pdf = b"%PDF-1.4 invoice".to_vec();
    fake.inject_message(
        &c,
        InboundContent::Document {
            file_name: "invoice.pdf".into(),
            mime_type: "application/pdf".into(),
            bytes: pdf.clone(),
        },
    )
    .expect("document");
    fake.inject_message(
        &c,
        InboundContent::Photo {
            caption: Some("it arrived broken".into()),
        },
    )
    .expect("photo");
    fake.inject_message(
        &c,
        InboundContent::Location {
            lat: 52.52,
            lon: 13.405,
        },
    )
    .expect("location");
    fake.inject_message(&c, InboundContent::Voice { duration: 7 })
        .expect("voice");
    fake.inject_message(
        &c,
        InboundContent::Sticker {
            emoji: "👍".into()
        },
    )
    .expect("sticker");
    fake.inject_message(
        &c,
        InboundContent::Contact {
            phone: "+441234567".into(),
            first_name: "Raj".into(),
        },
    )
    .expect("contact");
    let text = fake.inject_text(&c, "typo").expect("text");
    fake.inject_edit(&c, text.message_id, "fixed")
        .expect("edit");

    let fetched = channel.fetch(None, Duration::ZERO).await.expect("fetch");
    let kinds: Vec<AttachmentKind> = fetched
        .batch
        .messages
        .iter()
        .filter_map(|m| m.attachments.first().map(|a| a.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            AttachmentKind::Document,
            AttachmentKind::Photo,
            AttachmentKind::Location,
            AttachmentKind::Voice,
            AttachmentKind::Sticker,
            AttachmentKind::Contact
        ]
    );
    assert_eq!(fetched.batch.messages[1].text, "it arrived broken");
    assert_eq!(fetched.batch.edits.len(), 1);
    assert_eq!(fetched.batch.edits[0].text, "fixed");

    let doc = &fetched.batch.messages[0].attachments[0];
    assert_eq!(doc.file_name.as_deref(), Some("invoice.pdf"));
    let downloaded = channel
        .download(doc.remote_ref.as_deref().expect("file id"))
        .await
        .expect("download");
    assert_eq!(downloaded.bytes, pdf);
}

#[tokio::test]
async fn sends_with_reply_threading() {
    let (fake, channel) = fake().await;
    let c = fake.customer("Sophie", Some("Martin"), None);
    let asked = fake.inject_text(&c, "Where is my order?").expect("inject");
    let mut out = reply(c.chat_id(), "It ships today.");
    out.reply_to_remote_id = Some(format!("{}:{}", c.chat_id(), asked.message_id));
    let receipt = channel.send(&out).await.expect("sent");
    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "It ships today.");
    assert_eq!(sent[0].reply_to, Some(asked.message_id));
    assert_eq!(
        receipt.remote_id,
        format!("{}:{}", c.chat_id(), sent[0].message_id)
    );
}

#[tokio::test]
async fn send_failures_say_whether_the_message_may_have_gone() {
    let (fake, channel) = fake().await;
    let c = fake.customer("Tomás", Some("Novák"), None);
    fake.inject_text(&c, "hi").expect("inject");

    // The provider stored it but the answer was lost: uncertain, and it did go out once.
    fake.inject_fault("sendMessage", Fault::AcceptThenDrop, 1);
    let err = channel
        .send(&reply(c.chat_id(), "one"))
        .await
        .expect_err("dropped");
    assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");
    assert_eq!(fake.sent_messages().len(), 1);

    // 200 with a body that is not JSON after a send: also uncertain, never "failed".
    fake.inject_fault("sendMessage", Fault::MalformedJson, 1);
    let err = channel
        .send(&reply(c.chat_id(), "two"))
        .await
        .expect_err("malformed");
    assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");

    fake.inject_fault("sendMessage", Fault::RateLimited { retry_after: 3 }, 1);
    let err = channel
        .send(&reply(c.chat_id(), "three"))
        .await
        .expect_err("429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));

    fake.inject_fault("sendMessage", Fault::ServerError { status: 502 }, 1);
    let err = channel
        .send(&reply(c.chat_id(), "four"))
        .await
        .expect_err("502");
    assert!(err.is_retryable(), "{err:?}");

    fake.block(&c).expect("block");
    let err = channel
        .send(&reply(c.chat_id(), "five"))
        .await
        .expect_err("blocked");
    assert!(
        matches!(err, ChannelError::Rejected { code: 403, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("blocked"));

    let err = channel
        .send(&reply(987_654, "six"))
        .await
        .expect_err("no chat");
    assert!(
        matches!(err, ChannelError::Rejected { code: 400, .. }),
        "{err:?}"
    );

    let long = "x".repeat(4097);
    let err = channel
        .send(&reply(c.chat_id(), &long))
        .await
        .expect_err("too long");
    assert!(err.to_string().contains("4096"));
}

#[tokio::test]
async fn every_polling_fault_maps_to_a_clear_error() {
    let (fake, channel) = fake().await;
    type Expect = fn(&ChannelError) -> bool;
    let cases: Vec<(Fault, Expect)> = vec![
        (Fault::RateLimited { retry_after: 9 }, |e| {
            e.retry_after() == Some(Duration::from_secs(9))
        }),
        (Fault::ServerError { status: 500 }, |e| {
            matches!(e, ChannelError::Transient(_))
        }),
        (Fault::ServerError { status: 503 }, |e| {
            matches!(e, ChannelError::Transient(_))
        }),
        (Fault::MalformedJson, |e| {
            matches!(e, ChannelError::Malformed(_))
        }),
        (Fault::TruncatedJson, |e| {
            matches!(e, ChannelError::Malformed(_))
        }),
        (Fault::Conflict, |e| matches!(e, ChannelError::Conflict(_))),
        (Fault::Unauthorized, |e| {
            matches!(e, ChannelError::Unauthorized(_))
        }),
        (Fault::Hang { secs: 10.0 }, |e| {
            matches!(e, ChannelError::Transient(_))
        }),
    ];
    for (fault, expected) in cases {
        fake.inject_fault("getUpdates", fault.clone(), 1);
        let err = channel
            .fetch(None, Duration::ZERO)
            .await
            .expect_err("fault injected");
        assert!(expected(&err), "{fault:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
        // And the next call works again.
        channel
            .fetch(None, Duration::ZERO)
            .await
            .expect("recovered");
    }
}

#[tokio::test]
async fn a_second_poller_gets_a_conflict() {
    let (fake, channel) = fake().await;
    let other = TelegramChannel::new(&fake.base_url(), fake.token()).expect("client");
    let first = tokio::spawn(async move { channel.fetch(None, Duration::from_secs(5)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = tokio::spawn(async move { other.fetch(None, Duration::from_secs(1)).await });
    let first = first.await.expect("join");
    assert!(matches!(first, Err(ChannelError::Conflict(_))), "{first:?}");
    second.await.expect("join").expect("the newer poller wins");
}

#[tokio::test]
async fn a_profile_photo_is_fetched_for_a_user_who_has_one() {
    let (fake, channel) = fake().await;
    let ana = fake.customer("Ana", None, None);
    let bo = fake.customer("Bo", None, None);
    let picture = parley_sim::demo::pictures::TEAL;
    fake.set_profile_photo(&ana, picture, 128, 128);
    let got = channel
        .profile_photo(&ana.id.to_string())
        .await
        .expect("asked")
        .expect("a photo");
    assert_eq!(got.bytes, picture);
    assert!(
        channel
            .profile_photo(&bo.id.to_string())
            .await
            .expect("asked")
            .is_none()
    );
    // Not a Telegram user id: nothing to ask.
    assert!(
        channel
            .profile_photo("someone@example.com")
            .await
            .expect("not asked")
            .is_none()
    );
    // An unknown user is the Bot API's 400, reported as the provider's refusal.
    assert!(matches!(
        channel.profile_photo("42").await,
        Err(ChannelError::Rejected { code: 400, .. })
    ));
}
