//! SMS and WhatsApp through Twilio, via the facade, against the fake Twilio API.

use crate::common::{thread_of, unix_now};
use parley_core::{MemorySecrets, Parley, SecretStore};
use parley_domain::{
    ChannelKind, ComposerWindow, DeliveryState, Direction, ErrorCode, HoldReason, TemplateVariable,
    ThreadSummary,
};
use parley_sim::eventually;
use parley_sim::twilio::{
    FakeTwilio, FakeTwilioConfig, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SMS_NUMBER,
    TEST_TEMPLATE_SID, TEST_WHATSAPP_NUMBER,
};
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    app: Arc<Parley>,
    fake: FakeTwilio,
    secrets: Arc<MemorySecrets>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let config = FakeTwilioConfig {
        status_step: Duration::from_millis(100),
        ..FakeTwilioConfig::default()
    };
    let fake = FakeTwilio::start(config).await.expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = Arc::new(MemorySecrets::default());
    let mut core = crate::common::test_config(dir.path(), secrets.clone());
    core.api_roots.set("twilio", fake.base_url());
    let app = Parley::start(core).await.expect("starts");
    Rig {
        app,
        fake,
        secrets,
        _dir: dir,
    }
}

/// The thread of an SMS `customer` who wrote `text` to the test number.
async fn sms_thread(rig: &Rig, customer: &str, text: &str) -> ThreadSummary {
    rig.fake
        .inject_inbound(customer, TEST_SMS_NUMBER, text, Vec::new(), None)
        .expect("inbound");
    thread_of(&rig.app, customer).await
}

async fn add(rig: &Rig, numbers: &[&str]) {
    rig.app
        .add_twilio_account(
            TEST_ACCOUNT_SID.to_owned(),
            TEST_AUTH_TOKEN.to_owned(),
            numbers.iter().map(|n| (*n).to_owned()).collect(),
        )
        .await
        .expect("adds");
}

async fn last_outbound_delivery(app: &Parley, thread: parley_domain::ThreadId) -> DeliveryState {
    let detail = app.open_thread(thread).await.expect("open");
    detail
        .messages
        .messages
        .iter()
        .rev()
        .find(|m| m.direction == Direction::Outbound)
        .map_or(DeliveryState::Received, |m| m.delivery)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_checks_credentials_and_numbers_and_splits_sms_from_whatsapp() {
    let rig = rig().await;
    let err = rig
        .app
        .add_twilio_account(
            "nope".into(),
            TEST_AUTH_TOKEN.into(),
            vec![TEST_SMS_NUMBER.into()],
        )
        .await
        .expect_err("bad sid");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = rig
        .app
        .add_twilio_account(
            TEST_ACCOUNT_SID.into(),
            "ffffffffffffffffffffffffffffffff".into(),
            vec![TEST_SMS_NUMBER.into()],
        )
        .await
        .expect_err("wrong token");
    assert_eq!(err.code, ErrorCode::AuthFailed);
    let err = rig
        .app
        .add_twilio_account(
            TEST_ACCOUNT_SID.into(),
            TEST_AUTH_TOKEN.into(),
            vec!["+15550009999".into()],
        )
        .await
        .expect_err("not our number");
    assert!(err.message.contains("+15550009999"), "{}", err.message);

    let added = rig
        .app
        .add_twilio_account(
            TEST_ACCOUNT_SID.into(),
            TEST_AUTH_TOKEN.into(),
            vec![
                TEST_SMS_NUMBER.into(),
                format!("WhatsApp:{TEST_WHATSAPP_NUMBER}"),
            ],
        )
        .await
        .expect("adds");
    let kinds: Vec<ChannelKind> = added.iter().map(|a| a.channel).collect();
    assert_eq!(kinds, vec![ChannelKind::Sms, ChannelKind::Whatsapp]);
    for kind in ["sms", "whatsapp"] {
        assert_eq!(
            rig.secrets
                .get(&format!("{kind}:{TEST_ACCOUNT_SID}"))
                .expect("keychain")
                .as_deref(),
            Some(TEST_AUTH_TOKEN)
        );
    }
    let err = rig
        .app
        .add_twilio_account(
            TEST_ACCOUNT_SID.into(),
            TEST_AUTH_TOKEN.into(),
            vec![TEST_SMS_NUMBER.into()],
        )
        .await
        .expect_err("duplicate");
    assert_eq!(err.code, ErrorCode::Duplicate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_arrives_a_reply_is_delivered_and_stop_holds_the_next_one() {
    let rig = rig().await;
    add(&rig, &[TEST_SMS_NUMBER]).await;
    let customer = "+14155550111";
    let thread = sms_thread(&rig, customer, "Where is my parcel?").await;
    assert_eq!(thread.channel, ChannelKind::Sms);
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert_eq!(detail.reply_window, ComposerWindow::Always);

    rig.app
        .send_reply(thread.id, "On its way, arriving Friday.".into())
        .await
        .expect("queued");
    eventually(
        "the reply reaches Twilio",
        Duration::from_secs(15),
        || async {
            rig.fake
                .sent_through_api()
                .iter()
                .any(|m| m.body == "On its way, arriving Friday." && m.to == customer)
        },
    )
    .await;
    eventually(
        "the reply shows delivered",
        Duration::from_secs(30),
        || async { last_outbound_delivery(&rig.app, thread.id).await == DeliveryState::Delivered },
    )
    .await;

    // STOP: the contact is opted out and the next reply is held, not sent.
    rig.fake
        .inject_inbound(customer, TEST_SMS_NUMBER, "STOP", Vec::new(), None)
        .expect("stop");
    eventually("the STOP is stored", Duration::from_secs(20), || async {
        let detail = rig.app.open_thread(thread.id).await.expect("open");
        detail.messages.messages.iter().any(|m| m.text == "STOP")
    })
    .await;
    let sent_before = rig.fake.sent_through_api().len();
    rig.app
        .send_reply(thread.id, "One more thing".into())
        .await
        .expect("queued");
    eventually(
        "the reply is held as opted out",
        Duration::from_secs(15),
        || async {
            let detail = rig.app.open_thread(thread.id).await.expect("open");
            detail.messages.messages.iter().any(|m| {
                m.text == "One more thing"
                    && m.delivery == DeliveryState::Held
                    && m.hold_reason == Some(HoldReason::OptedOut)
            })
        },
    )
    .await;
    assert_eq!(rig.fake.sent_through_api().len(), sent_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_refused_with_21610_marks_the_contact_opted_out() {
    let rig = rig().await;
    add(&rig, &[TEST_SMS_NUMBER]).await;
    let customer = "+14155550112";
    let thread = sms_thread(&rig, customer, "hello").await;
    // Opted out at Twilio without Parley seeing the STOP (another app read it).
    rig.fake.set_opted_out(customer, TEST_SMS_NUMBER, true);
    rig.app
        .send_reply(thread.id, "first".into())
        .await
        .expect("queued");
    eventually("the reply fails", Duration::from_secs(15), || async {
        last_outbound_delivery(&rig.app, thread.id).await == DeliveryState::Failed
    })
    .await;
    rig.app
        .send_reply(thread.id, "second".into())
        .await
        .expect("queued");
    eventually(
        "the next reply is held",
        Duration::from_secs(15),
        || async {
            let detail = rig.app.open_thread(thread.id).await.expect("open");
            detail
                .messages
                .messages
                .iter()
                .any(|m| m.text == "second" && m.hold_reason == Some(HoldReason::OptedOut))
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_shows_the_window_and_offers_templates_once_it_closed() {
    let rig = rig().await;
    add(&rig, &[&format!("whatsapp:{TEST_WHATSAPP_NUMBER}")]).await;
    let fresh = "whatsapp:+14155550121";
    let stale = "whatsapp:+14155550122";
    let wa = format!("whatsapp:{TEST_WHATSAPP_NUMBER}");
    rig.fake
        .inject_inbound(fresh, &wa, "hi there", Vec::new(), None)
        .expect("fresh");
    rig.fake
        .inject_inbound(
            stale,
            &wa,
            "old question",
            Vec::new(),
            Some(unix_now() - 30 * 3600),
        )
        .expect("stale");
    let open = thread_of(&rig.app, "+14155550121").await;
    let closed = thread_of(&rig.app, "+14155550122").await;
    assert_eq!(open.channel, ChannelKind::Whatsapp);
    match rig
        .app
        .open_thread(open.id)
        .await
        .expect("open")
        .reply_window
    {
        ComposerWindow::Open { closes_at } => {
            assert!(closes_at > unix_now() * 1000 + 23 * 3_600_000);
        }
        other => panic!("expected an open window, got {other:?}"),
    }
    let detail = rig.app.open_thread(closed.id).await.expect("open");
    assert!(
        matches!(
            detail.reply_window,
            ComposerWindow::TemplatesOnly { closed_at: Some(_) }
        ),
        "{:?}",
        detail.reply_window
    );

    // A free-form reply outside the window is held before it reaches Twilio (which would refuse
    // it with 63016), and the note names the legal alternative.
    rig.app
        .send_reply(closed.id, "free text".into())
        .await
        .expect("queued");
    eventually(
        "the free-form reply is held with the template alternative",
        Duration::from_secs(15),
        || async {
            let detail = rig.app.open_thread(closed.id).await.expect("open");
            detail.messages.messages.iter().any(|m| {
                m.text == "free text"
                    && m.delivery == DeliveryState::Held
                    && m.delivery_note
                        .as_deref()
                        .is_some_and(|n| n.contains("template"))
            })
        },
    )
    .await;

    // The template goes out with its variables.
    let templates = rig
        .app
        .message_templates(closed.id)
        .await
        .expect("templates");
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].content_sid, TEST_TEMPLATE_SID);
    let err = rig
        .app
        .send_template(closed.id, TEST_TEMPLATE_SID.into(), vec![])
        .await
        .expect_err("variables missing");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let sent = rig
        .app
        .send_template(
            closed.id,
            TEST_TEMPLATE_SID.into(),
            vec![
                TemplateVariable {
                    key: "1".into(),
                    value: "Ana".into(),
                },
                TemplateVariable {
                    key: "2".into(),
                    value: "4821".into(),
                },
            ],
        )
        .await
        .expect("template queued");
    assert!(sent.text.contains("Hi Ana"), "{}", sent.text);
    assert!(sent.text.contains("4821"), "{}", sent.text);
    // It goes through the outbox, past the reply held for the closed window.
    eventually(
        "the template reaches Twilio",
        Duration::from_secs(15),
        || async { rig.fake.sent_through_api().iter().any(|m| m.to == stale) },
    )
    .await;
    let api = rig.fake.sent_through_api();
    assert_eq!(
        api.iter().filter(|m| m.to == stale).count(),
        1,
        "only the template went out: {api:?}"
    );
    eventually(
        "the template shows delivered",
        Duration::from_secs(30),
        || async {
            let detail = rig.app.open_thread(closed.id).await.expect("open");
            detail
                .messages
                .messages
                .iter()
                .any(|m| m.text.contains("Hi Ana") && m.delivery == DeliveryState::Delivered)
        },
    )
    .await;
}

#[tokio::test]
async fn media_links_go_out_as_media_url_and_unusable_links_are_refused() {
    let rig = rig().await;
    add(&rig, &[TEST_SMS_NUMBER]).await;
    let customer = "+14155550131";
    let thread = sms_thread(&rig, customer, "Photo of the menu?").await;

    // Twilio fetches media from the public internet: links it could never fetch are refused
    // with the reason, and nothing is queued.
    for (bad, why) in [
        ("file:///home/me/menu.jpg", "https://"),
        ("https://localhost/menu.jpg", "private network"),
        ("http://192.168.1.20/menu.jpg", "private network"),
        ("https://user:pw@example.com/menu.jpg", "password"),
        ("menu.jpg", "web address"),
    ] {
        let err = rig
            .app
            .send_reply_with_media(thread.id, "".into(), vec![bad.into()])
            .await
            .expect_err(bad);
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        assert!(err.message.contains(why), "{bad}: {}", err.message);
    }
    let too_many: Vec<String> = (0..11)
        .map(|i| format!("https://cdn.example.com/{i}.jpg"))
        .collect();
    let err = rig
        .app
        .send_reply_with_media(thread.id, "".into(), too_many)
        .await
        .expect_err("eleven links");
    assert!(err.message.contains("at most 10"), "{}", err.message);

    // The composer's links are kept with the draft, checked as on sending.
    let err = rig
        .app
        .save_draft_media_links(thread.id, vec!["https://localhost/menu.jpg".into()])
        .await
        .expect_err("private");
    assert!(err.message.contains("private network"), "{}", err.message);
    rig.app
        .save_draft_media_links(thread.id, vec!["https://cdn.example.com/menu.jpg".into()])
        .await
        .expect("kept");
    let composer = rig
        .app
        .draft_attachments(thread.id)
        .await
        .expect("composer");
    assert_eq!(
        composer.media_links,
        vec!["https://cdn.example.com/menu.jpg"]
    );

    // A file dropped on an SMS conversation: refused with the reason, nothing read or staged.
    let dir = tempfile::tempdir().expect("tmp");
    let menu = dir.path().join("menu.pdf");
    std::fs::write(&menu, b"%PDF-1.4").expect("file");
    rig.app.remember_drop(vec![menu]);
    let err = rig
        .app
        .stage_dropped_files(thread.id)
        .await
        .expect_err("no files on SMS");
    assert!(
        err.message.contains("SMS cannot carry files"),
        "{}",
        err.message
    );

    let echo = rig
        .app
        .send_reply_with_media(
            thread.id,
            "Here it is".into(),
            vec!["https://cdn.example.com/menu.jpg".into()],
        )
        .await
        .expect("queued");
    assert_eq!(
        echo.attachments.len(),
        1,
        "the link shows on the queued reply"
    );
    assert_eq!(
        echo.attachments[0].description.as_deref(),
        Some("https://cdn.example.com/menu.jpg")
    );
    let composer = rig
        .app
        .draft_attachments(thread.id)
        .await
        .expect("composer");
    assert!(
        composer.media_links.is_empty(),
        "the links went with the reply"
    );
    eventually(
        "the reply with its media reaches Twilio",
        Duration::from_secs(15),
        || async {
            rig.fake.sent_through_api().iter().any(|m| {
                m.to == customer
                    && m.body == "Here it is"
                    && m.media.len() == 1
                    && m.media[0].1 == "image/jpeg"
            })
        },
    )
    .await;
    eventually(
        "the reply shows delivered",
        Duration::from_secs(30),
        || async { last_outbound_delivery(&rig.app, thread.id).await == DeliveryState::Delivered },
    )
    .await;
    assert_eq!(
        rig.fake
            .sent_through_api()
            .iter()
            .filter(|m| m.to == customer)
            .count(),
        1,
        "sent once"
    );
}
