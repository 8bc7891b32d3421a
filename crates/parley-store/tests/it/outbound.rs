//! Respectful outbound (issue 18) in the store: a reply held for quiet hours is released at the
//! customer's morning exactly once (also across a restart); an automated answer to a customer
//! who just wrote is not held; opt-out and opt-in keywords in several languages on every text
//! channel, with their record; "Send anyway" waives quiet hours but never an opt-out; the
//! frequency caps for automated and proactive messages.

use crate::common::{account, bot_account, inbound};
use parley_domain::*;
use parley_store::*;

const MIN: Millis = 60_000;
const HOUR: Millis = 60 * MIN;
const DAY: Millis = 24 * HOUR;
/// Far enough from 0 that "a day ago" means something.
const T0: Millis = 100 * DAY;

fn write(s: &mut Store, a: AccountId, chat: &str, id: &str, text: &str, at: Millis) {
    let batch = IngestBatch {
        messages: vec![inbound(chat, id, chat, text, at)],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at).expect("ingest");
}

fn thread_of(s: &Store, chat: &str) -> ThreadId {
    s.list_threads(None, 100)
        .expect("list")
        .threads
        .into_iter()
        .find(|t| t.contact_name == format!("Customer {chat}"))
        .expect("thread")
        .id
}

fn night(until: Millis) -> Recheck {
    Recheck {
        window: ReplyWindow::None,
        quiet: Some(QuietHold {
            until,
            note: "It is 23:10 for Ana (Asia/Tokyo), within quiet hours.".into(),
        }),
        caps: None,
    }
}

const DAYTIME: Recheck = Recheck {
    window: ReplyWindow::None,
    quiet: None,
    caps: None,
};

fn delivery(s: &Store, m: MessageId) -> MessageView {
    s.message(m).expect("read").expect("message")
}

#[test]
fn a_reply_held_for_quiet_hours_is_released_in_the_morning_once_even_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("parley.db");
    let morning = T0 + 9 * HOUR;
    let (a, t, q) = {
        let mut s = Store::open(&path).expect("open");
        let a = bot_account(&mut s);
        write(&mut s, a, "ana", "ana:1", "hi", T0 - 2 * HOUR);
        let t = thread_of(&s, "ana");
        let q = s
            .queue_reply(t, "Your order shipped", "Ann", T0)
            .expect("queue");
        assert_eq!(
            s.outbox_begin(q.outbox_id, &night(morning), T0 + 1)
                .expect("begin"),
            Begin::Held(t, HoldReason::QuietHours)
        );
        let m = delivery(&s, q.message.id);
        assert_eq!(m.hold_reason, Some(HoldReason::QuietHours));
        assert!(m.delivery_note.expect("note").contains("23:10 for Ana"));
        // Not yet morning: nothing moves, and nothing is due.
        assert!(
            s.outbox_release_quiet(a, morning - 1)
                .expect("release")
                .is_empty()
        );
        assert!(s.due_outbox(a, morning - 1, 10).expect("due").is_empty());
        (a, t, q)
    };
    // Parley restarts during the night; the hold and its release time survive.
    let mut s = Store::open(&path).expect("reopen");
    assert_eq!(delivery(&s, q.message.id).delivery, DeliveryState::Held);
    assert_eq!(
        s.outbox_release_quiet(a, morning).expect("release"),
        vec![t]
    );
    // A second tick (or a second dispatcher after a restart) finds nothing more to release.
    assert!(
        s.outbox_release_quiet(a, morning + 1)
            .expect("again")
            .is_empty()
    );
    let due = s.due_outbox(a, morning, 10).expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].hold_reason, None);
    // It goes through the usual re-checks, and sends once.
    assert_eq!(
        s.outbox_begin(q.outbox_id, &DAYTIME, morning + 2)
            .expect("begin"),
        Begin::Send(t)
    );
    s.outbox_sent(q.outbox_id, "ana:2", morning + 3, morning + 3)
        .expect("sent");
    assert!(
        s.outbox_release_quiet(a, morning + 4)
            .expect("later")
            .is_empty()
    );
    assert!(s.due_outbox(a, morning + 4, 10).expect("due").is_empty());
}

#[test]
fn released_in_the_morning_it_is_held_again_if_the_customer_wrote_overnight() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ana", "ana:1", "hi", T0 - 2 * HOUR);
    let t = thread_of(&s, "ana");
    let q = s.queue_reply(t, "We will call", "Ann", T0).expect("queue");
    s.outbox_begin(q.outbox_id, &night(T0 + 8 * HOUR), T0 + 1)
        .expect("begin");
    write(
        &mut s,
        a,
        "ana",
        "ana:2",
        "actually, never mind",
        T0 + 2 * HOUR,
    );
    s.outbox_release_quiet(a, T0 + 8 * HOUR).expect("release");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &DAYTIME, T0 + 8 * HOUR + 1)
            .expect("begin"),
        Begin::Held(t, HoldReason::CustomerWrote)
    );
}

#[test]
fn send_anyway_overrides_quiet_hours_once_and_is_never_released_twice() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ana", "ana:1", "is it ready?", T0 - 3 * MIN);
    let t = thread_of(&s, "ana");
    let q = s.queue_reply(t, "Yes, ready!", "Ann", T0).expect("queue");
    s.outbox_begin(q.outbox_id, &night(T0 + 8 * HOUR), T0 + 1)
        .expect("begin");
    // The agent confirms: it goes now, quiet hours waived.
    s.outbox_send_anyway(q.message.id, T0 + 2)
        .expect("send anyway");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &night(T0 + 8 * HOUR), T0 + 3)
            .expect("begin"),
        Begin::Send(t)
    );
    s.outbox_sent(q.outbox_id, "ana:2", T0 + 4, T0 + 4)
        .expect("sent");
    // The morning finds nothing to release.
    assert!(
        s.outbox_release_quiet(a, T0 + 8 * HOUR)
            .expect("release")
            .is_empty()
    );
}

#[test]
fn an_automated_answer_to_a_customer_writing_now_is_not_held_one_for_later_is() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ana", "ana:1", "hello?", T0);
    let t = thread_of(&s, "ana");
    let by = AutomatedBy::new(AutomationKind::Away, "Away message");
    let AutomatedQueued::Queued(q) = s
        .queue_automated(t, "We're closed, back at 9", &by, None, T0 + 1)
        .expect("queue")
    else {
        panic!("not queued")
    };
    assert_eq!(
        s.outbox_begin(q.outbox_id, &night(T0 + 8 * HOUR), T0 + 2 * MIN)
            .expect("begin"),
        Begin::Send(t)
    );
    // The dispatcher was offline for an hour: the customer is no longer waiting on it.
    let AutomatedQueued::Queued(q2) = s
        .queue_automated(t, "Another", &by, None, T0 + 3)
        .expect("queue")
    else {
        panic!("not queued")
    };
    assert_eq!(
        s.outbox_begin(q2.outbox_id, &night(T0 + 8 * HOUR), T0 + HOUR)
            .expect("begin"),
        Begin::Held(t, HoldReason::QuietHours)
    );
}

fn identity(s: &Store, t: ThreadId) -> IdentityView {
    s.contact_context(t)
        .expect("read")
        .expect("contact")
        .identities
        .into_iter()
        .next()
        .expect("identity")
}

#[test]
fn opt_out_and_in_keywords_in_several_languages_on_every_text_channel() {
    let mut s = Store::open_in_memory().expect("open");
    let cases = [
        (ChannelKind::Sms, "STOP", "START"),
        (ChannelKind::Whatsapp, "Baja", "ALTA"),
        (ChannelKind::Telegram, "Stopp", "Anmelden"),
        (ChannelKind::Messenger, "arrêt", "Démarrer"),
        (ChannelKind::Instagram, "Sair", "iniciar"),
        (ChannelKind::Sms, "Annulla!", "unstop"),
        (ChannelKind::Email, "Unsubscribe", ""),
    ];
    for (n, (channel, out, back_in)) in cases.iter().enumerate() {
        let a = account(&mut s, *channel, &format!("acct{n}"));
        let chat = format!("cust{n}");
        write(&mut s, a, &chat, &format!("{chat}:1"), "Hello there", T0);
        let t = thread_of(&s, &chat);
        assert!(!identity(&s, t).opted_out, "{channel:?}");
        write(&mut s, a, &chat, &format!("{chat}:2"), out, T0 + MIN);
        let id = identity(&s, t);
        assert!(id.opted_out, "{channel:?} {out}");
        assert_eq!(
            id.opt_out,
            Some(OptOutRecord {
                opted_out: true,
                source: OptOutSource::Keyword,
                detail: Some((*out).to_owned()),
                at: T0 + MIN,
            }),
            "{channel:?}"
        );
        // A reply to them now is held, and "Send anyway" refuses.
        let q = s
            .queue_reply(t, "One more offer", "Ann", T0 + 2 * MIN)
            .expect("queue");
        assert_eq!(
            s.outbox_begin(q.outbox_id, &DAYTIME, T0 + 2 * MIN)
                .expect("begin"),
            Begin::Held(t, HoldReason::OptedOut)
        );
        assert!(s.outbox_send_anyway(q.message.id, T0 + 3 * MIN).is_err());
        s.outbox_discard(q.message.id).expect("discard");
        if back_in.is_empty() {
            continue;
        }
        write(
            &mut s,
            a,
            &chat,
            &format!("{chat}:3"),
            back_in,
            T0 + 4 * MIN,
        );
        let id = identity(&s, t);
        assert!(!id.opted_out, "{channel:?} {back_in}");
        assert_eq!(
            id.opt_out.expect("record").detail.as_deref(),
            Some(*back_in)
        );
    }
}

#[test]
fn sentences_with_a_keyword_in_them_and_email_words_do_not_opt_out() {
    let mut s = Store::open_in_memory().expect("open");
    let sms = account(&mut s, ChannelKind::Sms, "sms");
    write(
        &mut s,
        sms,
        "bo",
        "bo:1",
        "Please stop the delivery, I moved",
        T0,
    );
    write(&mut s, sms, "bo", "bo:2", "YES", T0 + MIN); // opt-in words never opt anyone out
    let t = thread_of(&s, "bo");
    assert!(!identity(&s, t).opted_out);
    assert_eq!(identity(&s, t).opt_out, None);
    let mail = account(&mut s, ChannelKind::Email, "mail");
    write(&mut s, mail, "cy", "cy:1", "STOP", T0);
    assert!(!identity(&s, thread_of(&s, "cy")).opted_out);
}

#[test]
fn an_agents_mark_is_recorded_with_their_name_and_a_replayed_stop_does_not_undo_it() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Whatsapp, "wa");
    write(&mut s, a, "di", "di:1", "STOP", T0);
    let t = thread_of(&s, "di");
    let id = identity(&s, t);
    assert!(id.opted_out);
    // The customer phoned and asked to be messaged again.
    s.set_identity_opt_out(id.id, false, OptOutSource::Agent, Some("Ana"), T0 + HOUR)
        .expect("mark");
    let after = identity(&s, t);
    assert!(!after.opted_out);
    assert_eq!(
        after.opt_out,
        Some(OptOutRecord {
            opted_out: false,
            source: OptOutSource::Agent,
            detail: Some("Ana".into()),
            at: T0 + HOUR,
        })
    );
    // The same STOP read again by a later sync is a replay: not stored, not applied.
    write(&mut s, a, "di", "di:1", "STOP", T0);
    assert!(!identity(&s, t).opted_out);
}

#[test]
fn automated_messages_over_the_cap_are_dropped_with_a_note() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ed", "ed:1", "hi", T0);
    let t = thread_of(&s, "ed");
    let away = AutomatedBy::new(AutomationKind::Away, "Away message");
    for n in 0..3 {
        assert!(matches!(
            s.queue_automated(t, "We're closed", &away, None, T0 + n * HOUR)
                .expect("queue"),
            AutomatedQueued::Queued(_)
        ));
    }
    let over = s
        .queue_automated(t, "We're closed", &away, None, T0 + 3 * HOUR)
        .expect("queue");
    let AutomatedQueued::Capped { note } = over else {
        panic!("not capped: {over:?}")
    };
    assert!(note.contains("3 automated messages today"), "{note}");
    let dropped = s.automation_dropped(t).expect("dropped");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].0, "Away message");
    // Nothing was queued for it.
    assert_eq!(s.due_outbox(a, T0 + 3 * HOUR, 10).expect("due").len(), 3);
    // The FAQ bot's answers are neither capped nor counted.
    let bot = AutomatedBy::new(AutomationKind::FaqBot, "FAQ bot");
    assert!(matches!(
        s.queue_automated(t, "Our hours are 9-5", &bot, None, T0 + 3 * HOUR)
            .expect("queue"),
        AutomatedQueued::Queued(_)
    ));
    // The next day it may go again.
    assert!(matches!(
        s.queue_automated(t, "We're closed", &away, None, T0 + DAY + 4 * HOUR)
            .expect("queue"),
        AutomatedQueued::Queued(_)
    ));
    // The weekly cap (tightened here) holds across days.
    s.set_outbound_settings(
        &OutboundSettings {
            automated_per_week: 4,
            ..OutboundSettings::default()
        },
        T0,
    )
    .expect("settings");
    assert!(matches!(
        s.queue_automated(t, "We're closed", &away, None, T0 + 2 * DAY)
            .expect("queue"),
        AutomatedQueued::Capped { .. }
    ));
}

#[test]
fn an_agents_proactive_messages_over_the_cap_are_held_and_can_be_sent_anyway() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "fay", "fay:1", "thanks!", T0 - 3 * DAY);
    let t = thread_of(&s, "fay");
    let caps = Recheck {
        window: ReplyWindow::None,
        quiet: None,
        caps: Some(OutboundSettings::default()), // 2 proactive a day
    };
    for n in 0..2 {
        let at = T0 + n * HOUR;
        let q = s.queue_reply(t, "New offer", "Ann", at).expect("queue");
        assert_eq!(
            s.outbox_begin(q.outbox_id, &caps, at).expect("begin"),
            Begin::Send(t)
        );
        s.outbox_sent(q.outbox_id, &format!("fay:p{n}"), at, at)
            .expect("sent");
    }
    let q = s
        .queue_reply(t, "Third offer", "Ann", T0 + 2 * HOUR)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &caps, T0 + 2 * HOUR)
            .expect("begin"),
        Begin::Held(t, HoldReason::FrequencyCap)
    );
    let note = delivery(&s, q.message.id).delivery_note.expect("note");
    assert!(
        note.contains("already got 2 messages from you today"),
        "{note}"
    );
    // The agent's override.
    s.outbox_send_anyway(q.message.id, T0 + 2 * HOUR + 1)
        .expect("send anyway");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &caps, T0 + 2 * HOUR + 2)
            .expect("begin"),
        Begin::Send(t)
    );
    // Once the customer writes, an answer is no proactive message.
    write(&mut s, a, "fay", "fay:2", "tell me more", T0 + 3 * HOUR);
    let q = s
        .queue_reply(t, "Sure", "Ann", T0 + 3 * HOUR + 1)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &caps, T0 + 3 * HOUR + 2)
            .expect("begin"),
        Begin::Send(t)
    );
}
