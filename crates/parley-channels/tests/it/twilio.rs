//! The Twilio adapter (SMS and WhatsApp) against the fake Twilio API on 127.0.0.1.

use parley_channels::twilio::{DeliveryUpdate, TwilioChannel, TwilioConfig, WHATSAPP_ALTERNATIVE};
use parley_channels::{Channel, ChannelError, OutgoingMessage};
use parley_domain::{AttachmentKind, ChannelKind, Direction, IncomingMessage, ReplyWindow};
use parley_sim::twilio::{
    FakeTwilio, FakeTwilioConfig, Fault, InboundMedia, TEST_SMS_NUMBER, TEST_TEMPLATE_SID,
    TEST_WHATSAPP_NUMBER,
};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::common::now;

const DAY: i64 = 86_400;
const ANNA: &str = "+14155550101";
const WA_ANNA: &str = "whatsapp:+14155550101";

fn wa_number() -> String {
    format!("whatsapp:{TEST_WHATSAPP_NUMBER}")
}

async fn fake_with(f: impl FnOnce(&mut FakeTwilioConfig)) -> FakeTwilio {
    let mut cfg = FakeTwilioConfig {
        status_step: Duration::from_millis(100),
        ..FakeTwilioConfig::default()
    };
    f(&mut cfg);
    FakeTwilio::start(cfg).await.expect("fake starts")
}

async fn fake() -> FakeTwilio {
    fake_with(|_| {}).await
}

fn config(fake: &FakeTwilio, numbers: &[&str]) -> TwilioConfig {
    let mut cfg = TwilioConfig::new(fake.account_sid(), fake.auth_token(), numbers)
        .with_base(&fake.base_url());
    cfg.call_timeout = Duration::from_secs(2);
    cfg.poll_interval = Duration::from_millis(50);
    cfg
}

fn channel(fake: &FakeTwilio) -> TwilioChannel {
    let wa = wa_number();
    TwilioChannel::new(config(fake, &[TEST_SMS_NUMBER, &wa])).expect("client")
}

fn reply(thread: &str, text: &str) -> OutgoingMessage {
    OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: thread.to_owned(),
        customer_remote_id: thread.trim_start_matches("sms:").to_owned(),
        text: text.to_owned(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![],
    }
}

/// One fetch without waiting; returns messages, status updates and the cursor to keep.
async fn poll(
    ch: &TwilioChannel,
    cursor: &mut Option<String>,
) -> (Vec<IncomingMessage>, Vec<DeliveryUpdate>) {
    let (f, updates) = ch
        .fetch_with_statuses(cursor.as_deref(), Duration::ZERO)
        .await
        .expect("fetch");
    if f.cursor.is_some() {
        *cursor = f.cursor;
    }
    (f.batch.messages, updates)
}

#[tokio::test]
async fn validates_account_and_numbers_and_never_shows_the_token() {
    let fake = fake().await;
    let me = channel(&fake).validate().await.expect("valid");
    assert_eq!(me.external_id, fake.account_sid());
    assert_eq!(me.name, "Parley Test Shop");
    assert_eq!(me.channel, ChannelKind::Sms);

    let wa = wa_number();
    let wa_only = TwilioChannel::new(config(&fake, &[&wa])).expect("client");
    assert_eq!(wa_only.kind(), ChannelKind::Whatsapp);
    assert_eq!(
        wa_only.reply_window(),
        ReplyWindow::SinceLastInbound {
            millis: 24 * 3_600_000,
            alternative: Some(WHATSAPP_ALTERNATIVE.to_owned()),
        }
    );
    assert_eq!(channel(&fake).reply_window(), ReplyWindow::None);

    let wrong = TwilioChannel::new(
        TwilioConfig::new(
            fake.account_sid(),
            "0123456789abcdef0123456789abcdef",
            &[TEST_SMS_NUMBER],
        )
        .with_base(&fake.base_url()),
    )
    .expect("client");
    let err = wrong.validate().await.expect_err("refused");
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    assert!(err.to_string().contains("20003"), "{err}");
    assert!(!err.to_string().contains("0123456789abcdef"));

    let strangers = TwilioChannel::new(config(&fake, &["+15005550999", "whatsapp:+15005550998"]))
        .expect("client");
    let err = strangers.validate().await.expect_err("not ours");
    let text = err.to_string();
    assert!(
        text.contains("+15005550999 is not a phone number of this Twilio account")
            && text.contains("whatsapp:+15005550998 is not a WhatsApp sender"),
        "{text}"
    );
    assert!(!text.contains(fake.auth_token()));
}

#[tokio::test]
async fn first_sync_pages_through_everything_once() {
    let fake = fake().await;
    let t0 = now() - 20 * 3600;
    let mut expected = HashSet::new();
    for i in 0..230 {
        let from = format!("+1415555{:04}", i % 40);
        let sid = fake
            .inject_inbound(
                &from,
                TEST_SMS_NUMBER,
                &format!("hello {i}"),
                vec![],
                Some(t0 + i * 60),
            )
            .expect("inbound");
        expected.insert(sid);
    }
    let mut cfg = config(&fake, &[TEST_SMS_NUMBER]);
    cfg.page_size = 50;
    let ch = TwilioChannel::new(cfg).expect("client");
    let mut cursor = None;
    let (messages, _) = poll(&ch, &mut cursor).await;
    let got: HashSet<String> = messages.iter().map(|m| m.remote_id.clone()).collect();
    assert_eq!(got.len(), messages.len(), "no duplicates");
    assert_eq!(got, expected);
    assert!(
        messages.windows(2).all(|w| w[0].sent_at <= w[1].sent_at),
        "oldest first"
    );
    let m = messages
        .iter()
        .find(|m| m.text == "hello 7")
        .expect("present");
    assert_eq!(m.remote_thread_id, "sms:+14155550007");
    assert_eq!(m.customer.remote_id, "+14155550007");
    assert_eq!(m.direction, Direction::Inbound);
    let list_calls = fake.request_log().iter().filter(|r| r.op == "list").count();
    // 230 inbound at 50 per page (5 pages) + one empty From= page.
    assert_eq!(list_calls, 6);

    let (again, updates) = poll(&ch, &mut cursor).await;
    assert!(again.is_empty() && updates.is_empty());
    let f = ch
        .fetch(cursor.as_deref(), Duration::ZERO)
        .await
        .expect("fetch");
    assert!(f.cursor.is_none(), "nothing new: the cursor stays");
}

#[tokio::test]
async fn overlap_across_midnight_neither_duplicates_nor_misses() {
    let fake = fake().await;
    let midnight = now().div_euclid(DAY) * DAY;
    let ch = TwilioChannel::new(config(&fake, &[TEST_SMS_NUMBER])).expect("client");
    let a = fake
        .inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            "late last night",
            vec![],
            Some(midnight - 10),
        )
        .expect("a");
    let mut cursor = None;
    let (first, _) = poll(&ch, &mut cursor).await;
    assert_eq!(
        first.iter().map(|m| &m.remote_id).collect::<Vec<_>>(),
        vec![&a]
    );

    // A message just after midnight, and one dated before the newest seen that arrived late.
    let b = fake
        .inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            "just after midnight",
            vec![],
            Some(midnight + 5),
        )
        .expect("b");
    let c = fake
        .inject_inbound(
            "+14155550102",
            TEST_SMS_NUMBER,
            "delayed by the carrier",
            vec![],
            Some(midnight - 5),
        )
        .expect("c");
    let (second, _) = poll(&ch, &mut cursor).await;
    let ids: HashSet<&String> = second.iter().map(|m| &m.remote_id).collect();
    assert_eq!(
        ids,
        HashSet::from([&b, &c]),
        "no duplicate of a, no miss of c"
    );
    // The DateSent> filter asked for yesterday: the overlap.
    let yesterday = {
        let log = fake.request_log();
        log.last().map(|r| r.target.clone()).unwrap_or_default()
    };
    assert!(yesterday.contains("DateSent%3E="), "{yesterday}");

    let d = fake
        .inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            "one more",
            vec![],
            Some(midnight + 60),
        )
        .expect("d");
    let (third, _) = poll(&ch, &mut cursor).await;
    assert_eq!(
        third.iter().map(|m| &m.remote_id).collect::<Vec<_>>(),
        vec![&d]
    );
}

#[tokio::test]
async fn inbound_mms_and_outbound_from_elsewhere_appear_once() {
    let fake = fake().await;
    let t = now() - 3600;
    let inbound = fake
        .inject_inbound(
            ANNA,
            TEST_SMS_NUMBER,
            "my parcel arrived like this",
            vec![InboundMedia::photo()],
            Some(t),
        )
        .expect("mms");
    assert!(inbound.starts_with("MM"));
    let elsewhere = fake
        .inject_outbound_elsewhere(
            TEST_SMS_NUMBER,
            ANNA,
            "Sorry! Sending a new one.",
            Some(t + 60),
        )
        .expect("outbound");
    let ch = channel(&fake);
    let mut cursor = None;
    let (messages, updates) = poll(&ch, &mut cursor).await;
    assert_eq!(messages.len(), 2);
    let (m_in, m_out) = (&messages[0], &messages[1]);
    assert_eq!(m_in.remote_id, inbound);
    assert_eq!(m_in.direction, Direction::Inbound);
    assert_eq!(m_out.remote_id, elsewhere);
    assert_eq!(m_out.direction, Direction::Outbound);
    assert_eq!(m_out.remote_thread_id, "sms:+14155550101");
    assert_eq!(m_out.customer.remote_id, ANNA);
    assert_eq!(m_out.sender.remote_id, TEST_SMS_NUMBER);
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].status, "delivered");

    let photo = &m_in.attachments[0];
    assert_eq!(photo.kind, AttachmentKind::Photo);
    let bytes = ch
        .download(photo.remote_ref.as_deref().expect("ref"))
        .await
        .expect("download");
    assert_eq!(bytes.bytes, InboundMedia::photo().bytes);
    assert!(bytes.file_name.expect("name").ends_with(".jpg"));

    let (again, updates) = poll(&ch, &mut cursor).await;
    assert!(again.is_empty() && updates.is_empty());
}

#[tokio::test]
async fn sent_sms_progresses_and_reports_each_status_change_once() {
    let fake = fake().await;
    fake.inject_inbound(
        ANNA,
        TEST_SMS_NUMBER,
        "is it shipped?",
        vec![],
        Some(now() - 600),
    )
    .expect("inbound");
    let ch = channel(&fake);
    let mut cursor = None;
    poll(&ch, &mut cursor).await;
    let receipt = ch
        .send(&reply("sms:+14155550101", "Yes, today."))
        .await
        .expect("sent");
    assert!(receipt.remote_id.starts_with("SM"));
    let view = fake.message(&receipt.remote_id).expect("created");
    assert_eq!(
        (view.status.as_str(), view.from.as_str()),
        ("queued", TEST_SMS_NUMBER)
    );

    let mut statuses = Vec::new();
    let mut seen_as_message = 0;
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let (messages, updates) = poll(&ch, &mut cursor).await;
        seen_as_message += messages
            .iter()
            .filter(|m| m.remote_id == receipt.remote_id)
            .count();
        statuses.extend(
            updates
                .into_iter()
                .filter(|u| u.remote_id == receipt.remote_id)
                .map(|u| u.status),
        );
        if statuses.last().map(String::as_str) == Some("delivered") {
            break;
        }
    }
    assert_eq!(seen_as_message, 1, "Parley's own message is ingested once");
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("delivered"),
        "{statuses:?}"
    );
    let unique: HashSet<&String> = statuses.iter().collect();
    assert_eq!(
        unique.len(),
        statuses.len(),
        "each change once: {statuses:?}"
    );
    assert_eq!(
        fake.message(&receipt.remote_id).expect("there").status,
        "delivered"
    );
}

#[tokio::test]
async fn whatsapp_window_and_templates() {
    let fake = fake().await;
    let wa = wa_number();
    let ch = channel(&fake);
    // Inside the window: free-form text and media go out.
    fake.inject_inbound(WA_ANNA, &wa, "hi", vec![], Some(now() - 3600))
        .expect("inbound");
    let mut cursor = None;
    let (messages, _) = poll(&ch, &mut cursor).await;
    assert_eq!(messages[0].remote_thread_id, WA_ANNA);
    assert_eq!(
        ch.reply_window_for(WA_ANNA),
        ch.reply_window_for("whatsapp:+1")
    );
    assert_eq!(ch.reply_window_for("sms:+1"), ReplyWindow::None);
    let sent = ch
        .send_with_media(
            &reply(WA_ANNA, "Here is the label"),
            &["https://example.com/label.pdf".to_owned()],
        )
        .await
        .expect("inside the window");
    let view = fake.message(&sent.remote_id).expect("created");
    assert_eq!(
        (view.to.as_str(), view.from.as_str()),
        (WA_ANNA, wa.as_str())
    );
    assert_eq!(view.media.len(), 1);

    // Outside the window: free-form is refused, an approved template goes through.
    let bob = "whatsapp:+14155550199";
    fake.inject_inbound(bob, &wa, "hello?", vec![], Some(now() - 25 * 3600))
        .expect("old");
    let err = ch
        .send(&reply(bob, "Sorry for the wait"))
        .await
        .expect_err("closed");
    assert!(
        matches!(err, ChannelError::Rejected { code: 63016, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("approved template"), "{err}");

    let templates = ch.approved_templates().await.expect("templates");
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].content_sid, TEST_TEMPLATE_SID);
    assert_eq!(
        templates[0].variables,
        vec![
            ("1".to_owned(), "first_name".to_owned()),
            ("2".to_owned(), "order_number".to_owned())
        ]
    );
    let vars = BTreeMap::from([
        ("1".to_owned(), "Bob".to_owned()),
        ("2".to_owned(), "#1042".to_owned()),
    ]);
    let sent = ch
        .send_template(bob, TEST_TEMPLATE_SID, &vars)
        .await
        .expect("template");
    let body = fake.message(&sent.remote_id).expect("created").body;
    assert!(
        body.starts_with("Hi Bob, ") && body.contains("#1042"),
        "{body}"
    );
}

#[tokio::test]
async fn whatsapp_window_failure_reported_late_arrives_as_a_status() {
    let fake = fake_with(|c| c.async_window_errors = true).await;
    let ch = channel(&fake);
    let receipt = ch
        .send(&reply("whatsapp:+14155550123", "Are you there?"))
        .await
        .expect("accepted like production");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let view = fake.message(&receipt.remote_id).expect("there");
    assert_eq!(
        (view.status.as_str(), view.error_code),
        ("failed", Some(63016))
    );
    // Never sent, so no DateSent: find it by reconciliation instead of the day-filtered poll.
    let found = ch
        .find_sent(
            "whatsapp:+14155550123",
            &wa_number(),
            "Are you there?",
            now() * 1000 - 60_000,
        )
        .await
        .expect("listed");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, "failed");
}

#[tokio::test]
async fn stop_blocks_sending_until_start() {
    let fake = fake().await;
    let ch = channel(&fake);
    fake.inject_inbound(ANNA, TEST_SMS_NUMBER, "STOP", vec![], Some(now() - 30))
        .expect("stop");
    assert!(fake.is_opted_out(ANNA, TEST_SMS_NUMBER));
    let mut cursor = None;
    let (messages, _) = poll(&ch, &mut cursor).await;
    assert_eq!(messages.len(), 2, "the STOP and Twilio's auto-reply");
    assert_eq!(messages[0].text, "STOP");
    assert_eq!(messages[1].direction, Direction::Outbound);
    assert_eq!(
        parley_channels::twilio::opt_out_keyword(&messages[0].text),
        Some(true)
    );

    let err = ch
        .send(&reply("sms:+14155550101", "One more thing"))
        .await
        .expect_err("opted out");
    assert!(
        matches!(err, ChannelError::Rejected { code: 21610, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("the customer opted out (STOP)")
            || err.to_string().contains("opted out (STOP)"),
        "{err}"
    );
    assert!(!err.is_retryable());

    fake.inject_inbound(ANNA, TEST_SMS_NUMBER, "start", vec![], None)
        .expect("start");
    ch.send(&reply("sms:+14155550101", "Welcome back"))
        .await
        .expect("opted in again");
}

#[tokio::test]
async fn invalid_numbers_and_long_bodies_are_refused() {
    let fake = fake().await;
    let ch = channel(&fake);
    let err = ch.send(&reply("sms:+12", "hi")).await.expect_err("invalid");
    assert!(
        matches!(err, ChannelError::Rejected { code: 21211, .. }),
        "{err:?}"
    );
    let long = "x".repeat(1601);
    let err = ch
        .send(&reply("sms:+14155550101", &long))
        .await
        .expect_err("long");
    assert!(
        matches!(err, ChannelError::Rejected { code: 21617, .. }),
        "{err:?}"
    );
    assert!(fake.sent_through_api().is_empty());
}

#[tokio::test]
async fn faults_map_to_what_the_engine_decides_on() {
    let fake = fake().await;
    let ch = channel(&fake);
    let mut cursor = None;

    fake.inject_fault("list", Fault::ServerError { status: 500 }, 1);
    let e = ch.fetch(None, Duration::ZERO).await.expect_err("500");
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");

    fake.inject_fault("list", Fault::ServerError { status: 503 }, 1);
    let e = ch.fetch(None, Duration::ZERO).await.expect_err("503");
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");

    fake.inject_fault(
        "list",
        Fault::RateLimited {
            retry_after_secs: Some(7),
        },
        1,
    );
    let e = ch.fetch(None, Duration::ZERO).await.expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)), "{e:?}");
    fake.inject_fault(
        "list",
        Fault::RateLimited {
            retry_after_secs: None,
        },
        1,
    );
    let e = ch.fetch(None, Duration::ZERO).await.expect_err("429");
    assert!(matches!(e, ChannelError::RateLimited { .. }), "{e:?}");

    fake.inject_fault("list", Fault::MalformedJson, 1);
    let e = ch.fetch(None, Duration::ZERO).await.expect_err("garbage");
    assert!(matches!(e, ChannelError::Malformed(_)), "{e:?}");

    let mut quick = config(&fake, &[TEST_SMS_NUMBER]);
    quick.call_timeout = Duration::from_millis(300);
    let quick = TwilioChannel::new(quick).expect("client");
    fake.inject_fault("list", Fault::Hang { secs: 1.0 }, 1);
    let e = quick.fetch(None, Duration::ZERO).await.expect_err("hang");
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");

    fake.inject_fault("list", Fault::AcceptThenDrop, 1);
    let e = ch
        .fetch(None, Duration::ZERO)
        .await
        .expect_err("dropped read");
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");

    // Sends: a refusal before acting is safe to retry; a lost or garbled answer is not.
    fake.inject_fault("send", Fault::ServerError { status: 503 }, 1);
    let e = ch
        .send(&reply("sms:+14155550101", "a"))
        .await
        .expect_err("503");
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    fake.inject_fault(
        "send",
        Fault::RateLimited {
            retry_after_secs: Some(3),
        },
        1,
    );
    let e = ch
        .send(&reply("sms:+14155550101", "a"))
        .await
        .expect_err("429");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    fake.inject_fault("send", Fault::MalformedJson, 1);
    let e = ch
        .send(&reply("sms:+14155550101", "a"))
        .await
        .expect_err("garbled");
    assert!(matches!(e, ChannelError::Uncertain(_)), "{e:?}");
    assert!(fake.sent_through_api().is_empty(), "none of these acted");

    // Everything works again afterwards, from the same cursor.
    poll(&ch, &mut cursor).await;
}

#[tokio::test]
async fn reconciliation_finds_a_send_whose_answer_was_lost() {
    let fake = fake().await;
    let ch = channel(&fake);
    let before = now() * 1000 - 1000;
    // An earlier, different message to the same customer must not match.
    ch.send(&reply("sms:+14155550101", "Your order shipped"))
        .await
        .expect("sent");
    fake.inject_fault("send", Fault::AcceptThenDrop, 1);
    let out = reply("sms:+14155550101", "Tracking: 1Z999AA10123456784");
    let e = ch.send(&out).await.expect_err("answer lost");
    assert!(matches!(e, ChannelError::Uncertain(_)), "{e:?}");
    assert!(e.to_string().contains("will not send it again"), "{e}");
    let created = fake.sent_through_api();
    assert_eq!(created.len(), 2, "Twilio did create it");

    let found = ch.find_sent_reply(&out, before).await.expect("listed");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sid, created[1].sid);
    let none = ch
        .find_sent(ANNA, TEST_SMS_NUMBER, "never sent", before)
        .await
        .expect("listed");
    assert!(none.is_empty());
}
