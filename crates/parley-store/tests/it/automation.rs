//! Automated messages in the store: queued with their rule as author in one transaction with
//! the ledger (once per customer per period), re-checked like replies plus "an agent answered
//! first", and held without nagging or blocking the agent.

use crate::common::{bot_account, inbound};
use parley_domain::*;
use parley_store::*;

const HOUR: Millis = 3_600_000;

fn write(s: &mut Store, a: AccountId, chat: &str, id: &str, at: Millis) -> IngestOutcome {
    let batch = IngestBatch {
        messages: vec![inbound(chat, id, chat, "hello", at)],
        edits: vec![],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at).expect("ingest")
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

fn greeting() -> AutomatedBy {
    AutomatedBy::new(AutomationKind::Greeting, "Greeting")
}

fn queued(outcome: AutomatedQueued) -> QueuedReply {
    match outcome {
        AutomatedQueued::Queued(q) => *q,
        other => panic!("not queued: {other:?}"),
    }
}

const NO_CHECK: Recheck = Recheck {
    window: ReplyWindow::None,
    quiet: None,
    caps: None,
};

#[test]
fn an_automated_message_is_marked_leaves_the_draft_and_keeps_the_customer_waiting() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ann", "ann:1", 10 * HOUR);
    let t = thread_of(&s, "ann");
    s.save_draft(t, "half-written answer", 10 * HOUR)
        .expect("draft");
    let waiting = s.thread(t).expect("read").expect("thread").waiting_since;
    assert_eq!(waiting, Some(10 * HOUR));

    let q = queued(
        s.queue_automated(
            t,
            "Hi Ann, welcome!",
            &greeting(),
            Some(24 * HOUR),
            10 * HOUR + 1,
        )
        .expect("queue"),
    );
    assert_eq!(q.message.author_name, "Greeting");
    assert_eq!(q.message.automated, Some(greeting()));
    assert_eq!(q.message.delivery, DeliveryState::Queued);
    assert_eq!(
        s.draft(t).expect("draft").as_deref(),
        Some("half-written answer")
    );
    let summary = s.thread(t).expect("read").expect("thread");
    assert_eq!(
        summary.waiting_since,
        Some(10 * HOUR),
        "a rule is no answer"
    );
    assert_eq!(
        summary.snippet, "hello",
        "the list shows the customer's words"
    );
    assert_eq!(summary.last_activity_at, 10 * HOUR);
    // The thread shows it marked.
    let page = s.messages(t, None, 50).expect("messages");
    let shown = page.messages.last().expect("message");
    assert_eq!(shown.automated, Some(greeting()));
    assert_eq!(page.messages[0].automated, None);
}

#[test]
fn once_per_customer_per_period_is_checked_where_it_is_queued() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ann", "ann:1", 0);
    let t = thread_of(&s, "ann");
    queued(
        s.queue_automated(t, "Welcome", &greeting(), Some(24 * HOUR), HOUR)
            .expect("queue"),
    );
    assert_eq!(
        s.queue_automated(t, "Welcome", &greeting(), Some(24 * HOUR), 2 * HOUR)
            .expect("queue"),
        AutomatedQueued::AlreadySent { at: HOUR }
    );
    // Another kind of rule is counted on its own.
    let away = AutomatedBy::new(AutomationKind::Away, "Away message");
    queued(
        s.queue_automated(t, "We're closed", &away, Some(24 * HOUR), 2 * HOUR)
            .expect("queue"),
    );
    // After the period, again.
    queued(
        s.queue_automated(t, "Welcome", &greeting(), Some(24 * HOUR), 26 * HOUR)
            .expect("queue"),
    );
    assert_eq!(
        s.automated_last_sent(
            a,
            s.thread(t).expect("r").expect("t").contact_id,
            AutomationKind::Greeting
        )
        .expect("ledger"),
        Some(26 * HOUR)
    );
    // Without a period: no limit.
    queued(
        s.queue_automated(t, "Welcome", &greeting(), None, 26 * HOUR + 1)
            .expect("queue"),
    );
    assert!(
        s.queue_automated(t, "  ", &greeting(), None, 27 * HOUR)
            .is_err(),
        "no text, no message"
    );
}

#[test]
fn an_agent_answer_after_queueing_holds_it_without_blocking_the_agent() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ann", "ann:1", 10);
    let t = thread_of(&s, "ann");
    let q = queued(
        s.queue_automated(t, "We're closed", &greeting(), None, 20)
            .expect("queue"),
    );
    let reply = s.queue_reply(t, "Hi, I'm here", "Bob", 21).expect("reply");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 22).expect("begin"),
        Begin::Held(t, HoldReason::AgentAnswered)
    );
    let held = s.message(q.message.id).expect("read").expect("message");
    assert_eq!(held.hold_reason, Some(HoldReason::AgentAnswered));
    assert!(
        held.delivery_note
            .expect("note")
            .contains("an agent answered first")
    );
    // The agent's reply is not kept waiting behind it, and it is not counted as held.
    let due = s.due_outbox(a, 30, 10).expect("due");
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        [reply.outbox_id]
    );
    assert_eq!(s.outbox_counts().expect("counts").1, 0);
    // Discarding it leaves the draft alone.
    s.save_draft(t, "next", 31).expect("draft");
    s.outbox_discard(q.message.id).expect("discard");
    assert_eq!(s.draft(t).expect("draft").as_deref(), Some("next"));
    assert!(s.message(q.message.id).expect("read").is_none());
}

#[test]
fn the_customer_writing_again_does_not_hold_it_but_opt_out_and_the_window_do() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    write(&mut s, a, "ann", "ann:1", 10);
    write(&mut s, a, "bea", "bea:1", 10);
    write(&mut s, a, "cid", "cid:1", 10);
    let (ann, bea, cid) = (
        thread_of(&s, "ann"),
        thread_of(&s, "bea"),
        thread_of(&s, "cid"),
    );
    let qa = queued(
        s.queue_automated(ann, "Welcome", &greeting(), None, 20)
            .expect("q"),
    );
    let qb = queued(
        s.queue_automated(bea, "Welcome", &greeting(), None, 20)
            .expect("q"),
    );
    let qc = queued(
        s.queue_automated(cid, "Welcome", &greeting(), None, 20)
            .expect("q"),
    );
    write(&mut s, a, "ann", "ann:2", 21);
    assert_eq!(
        s.outbox_begin(qa.outbox_id, &NO_CHECK, 22).expect("begin"),
        Begin::Send(ann)
    );
    s.set_opted_out(bea, true).expect("opt out");
    assert_eq!(
        s.outbox_begin(qb.outbox_id, &NO_CHECK, 22).expect("begin"),
        Begin::Held(bea, HoldReason::OptedOut)
    );
    let window = Recheck {
        window: ReplyWindow::SinceLastInbound {
            millis: 24 * HOUR,
            alternative: Some("an approved template".into()),
        },
        quiet: None,
        caps: None,
    };
    assert_eq!(
        s.outbox_begin(qc.outbox_id, &window, 10 + 25 * HOUR)
            .expect("begin"),
        Begin::Held(cid, HoldReason::WindowClosed)
    );
}

#[test]
fn the_context_says_whose_first_message_it_is_and_when_an_agent_answered() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    let first = write(&mut s, a, "ann", "ann:1", 10);
    let t = thread_of(&s, "ann");
    let m1 = first.new_messages[0].message_id;
    let c = s.automation_context(&[(t, m1)]).expect("context");
    assert_eq!(c.len(), 1);
    assert!(c[0].first_message_ever);
    assert_eq!(c[0].last_agent_reply_at, None);
    assert_eq!(c[0].last_inbound_at, Some(10));
    assert_eq!(c[0].channel, ChannelKind::Telegram);

    // A rule's message is no agent's answer; an agent's reply is.
    queued(
        s.queue_automated(t, "Welcome", &greeting(), None, 11)
            .expect("q"),
    );
    let second = write(&mut s, a, "ann", "ann:2", 20);
    let m2 = second.new_messages[0].message_id;
    let c = s.automation_context(&[(t, m2)]).expect("context");
    assert!(!c[0].first_message_ever);
    assert_eq!(c[0].last_agent_reply_at, None);
    s.queue_reply(t, "Hello Ann", "Bob", 30).expect("reply");
    let c = s
        .automation_context(&[(t, m2), (ThreadId(999), m2)])
        .expect("context");
    assert_eq!(c.len(), 1, "a thread that is gone is left out");
    assert_eq!(c[0].last_agent_reply_at, Some(30));
}
