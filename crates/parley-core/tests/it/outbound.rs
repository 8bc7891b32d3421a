//! Respectful outbound (issue 18) through the facade and the real dispatcher, against the fake
//! Twilio: a reply to a customer in Japan during their quiet hours is held with the note and
//! leaves by itself, once, when their morning comes (the injected clock moves on); an answer to a
//! customer who just wrote is held with a question, and "Send anyway" sends it; STOP and BAJA opt
//! customers out (recorded in the pane), "Send anyway" refuses, START opts back in.

use crate::common::{thread_of, unix_now};
use chrono::{TimeZone, Timelike, Utc};
use parley_core::{MemorySecrets, Parley};
use parley_domain::{
    Clock, DeliveryState, Direction, ErrorCode, HoldReason, MessageView, Millis, OptOutSource,
    OutboundSettings, SystemClock, ThreadId,
};
use parley_sim::eventually;
use parley_sim::twilio::{
    FakeTwilio, FakeTwilioConfig, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SMS_NUMBER,
    TEST_WHATSAPP_NUMBER,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const HOUR: Millis = 3_600_000;

/// The system's time, moved on by the test (the morning comes without waiting for it).
#[derive(Default)]
struct Shifted(AtomicI64);

impl Clock for Shifted {
    fn now(&self) -> Millis {
        SystemClock.now() + self.0.load(Ordering::SeqCst)
    }
}

struct Rig {
    app: Arc<Parley>,
    fake: FakeTwilio,
    clock: Arc<Shifted>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let config = FakeTwilioConfig {
        status_step: Duration::from_millis(100),
        ..FakeTwilioConfig::default()
    };
    let fake = FakeTwilio::start(config).await.expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(Shifted::default());
    let mut core = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    // Quiet hours on, as in a new workspace: this file is about respectful outbound.
    core.quiet_hours_by_default = true;
    core.api_roots.set("twilio", fake.base_url());
    core.clock = clock.clone();
    let app = Parley::start(core).await.expect("starts");
    app.add_twilio_account(
        TEST_ACCOUNT_SID.to_owned(),
        TEST_AUTH_TOKEN.to_owned(),
        vec![
            TEST_SMS_NUMBER.to_owned(),
            format!("whatsapp:{TEST_WHATSAPP_NUMBER}"),
        ],
    )
    .await
    .expect("adds");
    Rig {
        app,
        fake,
        clock,
        _dir: dir,
    }
}

async fn messages(app: &Parley, thread: ThreadId) -> Vec<MessageView> {
    app.open_thread(thread)
        .await
        .expect("open")
        .messages
        .messages
}

async fn reply_named(app: &Parley, thread: ThreadId, text: &str) -> Option<MessageView> {
    messages(app, thread)
        .await
        .into_iter()
        .find(|m| m.direction == Direction::Outbound && m.text == text)
}

fn sent_count(fake: &FakeTwilio, body: &str) -> usize {
    fake.sent_through_api()
        .iter()
        .filter(|m| m.body == body)
        .count()
}

/// The minute of the day in Tokyo now.
fn tokyo_minute() -> u16 {
    let now = Utc
        .timestamp_millis_opt(SystemClock.now())
        .single()
        .expect("now")
        .with_timezone(&chrono_tz::Asia::Tokyo);
    u16::try_from(now.hour() * 60 + now.minute()).expect("minute")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_at_night_in_tokyo_waits_for_the_morning_and_leaves_once() {
    let rig = rig().await;
    // Quiet hours around Tokyo's time now, ending an hour from now (the test does not depend on
    // the time of day it runs at; zone math across DST is the unit tests').
    let m = tokyo_minute();
    let settings = OutboundSettings {
        quiet_start_minute: (m + 1440 - 60) % 1440,
        quiet_end_minute: (m + 60) % 1440,
        ..OutboundSettings::default()
    };
    rig.app
        .set_outbound_settings(settings)
        .await
        .expect("settings");
    let wa = format!("whatsapp:{TEST_WHATSAPP_NUMBER}");
    let kenji = "whatsapp:+819012345678";
    rig.fake
        .inject_inbound(
            kenji,
            &wa,
            "Do you ship to Osaka?",
            Vec::new(),
            Some(unix_now() - 3600),
        )
        .expect("inbound");
    let thread = thread_of(&rig.app, "+819012345678").await.id;
    rig.app
        .send_reply(thread, "Yes, in 3 days.".into())
        .await
        .expect("queued");
    eventually("the reply held for quiet hours", WAIT, || async {
        reply_named(&rig.app, thread, "Yes, in 3 days.")
            .await
            .is_some_and(|m| m.hold_reason == Some(HoldReason::QuietHours))
    })
    .await;
    let held = reply_named(&rig.app, thread, "Yes, in 3 days.")
        .await
        .expect("reply");
    let note = held.delivery_note.expect("note");
    assert!(
        note.starts_with("It is ") && note.contains("(Asia/Tokyo)"),
        "{note}"
    );
    assert_eq!(sent_count(&rig.fake, "Yes, in 3 days."), 0);

    // A customer who just wrote: the agent is asked, and "Send anyway" sends it now.
    let yui = "whatsapp:+819012345679";
    rig.fake
        .inject_inbound(yui, &wa, "Is the shop open?", Vec::new(), None)
        .expect("inbound");
    let live = thread_of(&rig.app, "+819012345679").await.id;
    rig.app
        .send_reply(live, "Yes, until 6.".into())
        .await
        .expect("queued");
    eventually("the live answer held with a question", WAIT, || async {
        reply_named(&rig.app, live, "Yes, until 6.")
            .await
            .and_then(|m| m.delivery_note)
            .is_some_and(|n| n.contains("wrote") && n.contains("Send now?"))
    })
    .await;
    let asked = reply_named(&rig.app, live, "Yes, until 6.")
        .await
        .expect("reply");
    rig.app.send_anyway(asked.id).await.expect("send now");
    eventually("the confirmed answer sent", WAIT, || async {
        sent_count(&rig.fake, "Yes, until 6.") == 1
    })
    .await;

    // Two hours later it is morning in Tokyo: the held reply leaves by itself, once.
    rig.clock.0.store(2 * HOUR, Ordering::SeqCst);
    eventually("the morning's release", WAIT, || async {
        sent_count(&rig.fake, "Yes, in 3 days.") == 1
            && reply_named(&rig.app, thread, "Yes, in 3 days.")
                .await
                .is_some_and(|m| {
                    matches!(
                        m.delivery,
                        DeliveryState::Sent | DeliveryState::Delivered | DeliveryState::Read
                    )
                })
    })
    .await;
    // A later reply goes at once, and the released one was not sent again meanwhile.
    rig.app
        .send_reply(thread, "Tracking follows.".into())
        .await
        .expect("queued");
    eventually("the later reply sent", WAIT, || async {
        sent_count(&rig.fake, "Tracking follows.") == 1
    })
    .await;
    assert_eq!(sent_count(&rig.fake, "Yes, in 3 days."), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_baja_opt_out_send_anyway_refuses_and_start_opts_back_in() {
    let rig = rig().await;
    rig.app
        .set_outbound_settings(OutboundSettings {
            quiet_hours_enabled: false,
            ..OutboundSettings::default()
        })
        .await
        .expect("settings");
    let wa = format!("whatsapp:{TEST_WHATSAPP_NUMBER}");
    let ana = "+14155550131";
    let lucia = "whatsapp:+34612345678";
    rig.fake
        .inject_inbound(ana, TEST_SMS_NUMBER, "hello", Vec::new(), None)
        .expect("sms");
    rig.fake
        .inject_inbound(lucia, &wa, "hola", Vec::new(), None)
        .expect("wa");
    let sms = thread_of(&rig.app, ana).await.id;
    let whatsapp = thread_of(&rig.app, "+34612345678").await.id;
    rig.fake
        .inject_inbound(ana, TEST_SMS_NUMBER, "Stop", Vec::new(), None)
        .expect("stop");
    rig.fake
        .inject_inbound(lucia, &wa, "BAJA", Vec::new(), None)
        .expect("baja");
    for (thread, word) in [(sms, "Stop"), (whatsapp, "BAJA")] {
        eventually("the opt-out recorded", WAIT, || async {
            let ctx = rig.app.contact_context(thread).await.expect("pane");
            ctx.identities.iter().any(|i| {
                i.opted_out
                    && i.opt_out.as_ref().is_some_and(|r| {
                        r.source == OptOutSource::Keyword && r.detail.as_deref() == Some(word)
                    })
            })
        })
        .await;
        let text = format!("An offer for {word}");
        rig.app
            .send_reply(thread, text.clone())
            .await
            .expect("queued");
        eventually("the reply held for the opt-out", WAIT, || async {
            reply_named(&rig.app, thread, &text)
                .await
                .is_some_and(|m| m.hold_reason == Some(HoldReason::OptedOut))
        })
        .await;
        let held = reply_named(&rig.app, thread, &text).await.expect("reply");
        let refused = rig.app.send_anyway(held.id).await.expect_err("refused");
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(
            refused.message.contains("not even with Send anyway"),
            "{}",
            refused.message
        );
        assert_eq!(sent_count(&rig.fake, &text), 0);
        // Held, it keeps the thread's later replies waiting: the agent discards it.
        rig.app.discard_reply(held.id).await.expect("discard");
    }
    // Ana texts START: back in, and a new reply goes.
    rig.fake
        .inject_inbound(ana, TEST_SMS_NUMBER, "START", Vec::new(), None)
        .expect("start");
    eventually("opted back in", WAIT, || async {
        let ctx = rig.app.contact_context(sms).await.expect("pane");
        ctx.identities.iter().all(|i| !i.opted_out)
    })
    .await;
    rig.app
        .send_reply(sms, "Welcome back".into())
        .await
        .expect("queued");
    eventually("the reply sent", WAIT, || async {
        sent_count(&rig.fake, "Welcome back") == 1
    })
    .await;
    // An agent marks Lucía opted back in (she asked on the phone), recorded with their name.
    let ctx = rig.app.contact_context(whatsapp).await.expect("pane");
    let after = rig
        .app
        .set_identity_opt_out(ctx.identities[0].id, false)
        .await
        .expect("marked");
    let record = after.identities[0].opt_out.clone().expect("record");
    assert_eq!(record.source, OptOutSource::Agent);
    assert!(!record.opted_out);
    let _ = Utc.timestamp_millis_opt(record.at).single().expect("time");
}

/// Telegram has no carrier keywords: Parley reads them itself. A German "Stopp" opts the
/// customer out, recorded with the word; "Anmelden" opts them back in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_customer_opts_out_with_stopp_and_back_in() {
    let fake = parley_sim::FakeTelegram::start(parley_sim::FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut core = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    // Quiet hours on, as in a new workspace: this file is about respectful outbound.
    core.quiet_hours_by_default = true;
    core.api_roots.set("telegram", fake.base_url());
    let app = Parley::start(core).await.expect("starts");
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let jonas = fake.customer("Jonas", Some("Weber"), None);
    fake.inject_text(&jonas, "Hallo").expect("inject");
    let thread = thread_of(&app, "Jonas Weber").await.id;
    fake.inject_text(&jonas, "Stopp").expect("inject");
    eventually("opted out by Stopp", WAIT, || async {
        let ctx = app.contact_context(thread).await.expect("pane");
        ctx.identities[0].opted_out
            && ctx.identities[0]
                .opt_out
                .as_ref()
                .is_some_and(|r| r.detail.as_deref() == Some("Stopp"))
    })
    .await;
    fake.inject_text(&jonas, "anmelden").expect("inject");
    eventually("opted back in", WAIT, || async {
        !app.contact_context(thread).await.expect("pane").identities[0].opted_out
    })
    .await;
}
