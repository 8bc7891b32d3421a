//! The outbox state machine: the re-checks that hold a reply, the agent's decisions, and a
//! model-based property test (random operations against a model of the machine: every move
//! the store allows is legal, every move it refuses is illegal, and no reply is lost).

use crate::common::{bot_account, inbound};
use parley_domain::*;
use parley_store::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn write(s: &mut Store, a: AccountId, chat: &str, id: &str, at: Millis) {
    let batch = IngestBatch {
        messages: vec![inbound(chat, id, chat, "hello", at)],
        edits: vec![],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at).expect("ingest");
}

/// A store with one account and `chats` threads, each opened by one customer message.
fn setup(chats: usize) -> (Store, AccountId, Vec<ThreadId>) {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    let mut threads = Vec::new();
    for c in 0..chats {
        let chat = format!("c{c}");
        write(&mut s, a, &chat, &format!("{chat}:1"), 10);
        let t = s
            .list_threads(None, 100)
            .expect("list")
            .threads
            .into_iter()
            .find(|t| !threads.contains(&t.id))
            .expect("new thread")
            .id;
        threads.push(t);
    }
    (s, a, threads)
}

fn held(s: &Store, m: MessageId) -> MessageView {
    let view = s.message(m).expect("read").expect("message");
    assert_eq!(view.delivery, DeliveryState::Held, "{view:?}");
    view
}

const NO_CHECK: Recheck = Recheck {
    window: ReplyWindow::None,
    quiet: None,
    caps: None,
};

// ---------- each re-check reason ----------

#[test]
fn a_customer_message_after_queueing_holds_the_reply() {
    let (mut s, a, t) = setup(1);
    let q = s
        .queue_reply(t[0], "On its way!", "Ann", 20)
        .expect("queue");
    write(&mut s, a, "c0", "c0:2", 25);
    let begun = s.outbox_begin(q.outbox_id, &NO_CHECK, 30).expect("begin");
    assert_eq!(begun, Begin::Held(t[0], HoldReason::CustomerWrote));
    let m = held(&s, q.message.id);
    assert_eq!(m.hold_reason, Some(HoldReason::CustomerWrote));
    assert!(m.delivery_note.expect("note").contains("wrote again"));
    // Nothing of that thread is due while it is held, not even a later reply.
    s.queue_reply(t[0], "second", "Ann", 31).expect("queue");
    assert!(s.due_outbox(a, 100, 10).expect("due").is_empty());

    // Send anyway: it goes, but a further customer message would hold it again.
    s.outbox_send_anyway(q.message.id, 40).expect("send anyway");
    let due = s.due_outbox(a, 40, 10).expect("due");
    assert_eq!(due[0].id, q.outbox_id);
    write(&mut s, a, "c0", "c0:3", 41);
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 42).expect("begin"),
        Begin::Held(t[0], HoldReason::CustomerWrote)
    );
    s.outbox_send_anyway(q.message.id, 43).expect("send anyway");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 44).expect("begin"),
        Begin::Send(t[0])
    );
}

#[test]
fn a_message_read_before_queueing_does_not_hold() {
    let (mut s, _a, t) = setup(1);
    let q = s.queue_reply(t[0], "Hi", "Ann", 20).expect("queue");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 21).expect("begin"),
        Begin::Send(t[0])
    );
}

#[test]
fn resolving_the_thread_while_waiting_holds_the_reply() {
    let (mut s, _a, t) = setup(2);
    let q = s
        .queue_reply(t[0], "Anything else?", "Ann", 20)
        .expect("queue");
    s.set_thread_status(t[0], ThreadStatus::Resolved)
        .expect("resolve");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 30).expect("begin"),
        Begin::Held(t[0], HoldReason::ThreadResolved)
    );
    let m = held(&s, q.message.id);
    assert!(m.delivery_note.expect("note").contains("resolved"));

    // A reply written into an already resolved thread is the agent's choice: not held.
    s.set_thread_status(t[1], ThreadStatus::Resolved)
        .expect("resolve");
    let q2 = s
        .queue_reply(t[1], "One more thing", "Ann", 40)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(q2.outbox_id, &NO_CHECK, 41).expect("begin"),
        Begin::Send(t[1])
    );
}

#[test]
fn an_opted_out_contact_holds_the_reply() {
    let (mut s, _a, t) = setup(1);
    let q = s
        .queue_reply(t[0], "Our new offer", "Ann", 20)
        .expect("queue");
    s.set_opted_out(t[0], true).expect("opt out");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 30).expect("begin"),
        Begin::Held(t[0], HoldReason::OptedOut)
    );
    assert!(
        held(&s, q.message.id)
            .delivery_note
            .expect("note")
            .contains("opted out")
    );
    // The customer's word is not the agent's to waive: "Send anyway" refuses, in words, and
    // the reply stays held.
    let refused = s
        .outbox_send_anyway(q.message.id, 31)
        .expect_err("send anyway refused");
    assert!(
        matches!(&refused, StoreError::Invalid(why) if why == OPTED_OUT_REFUSAL),
        "{refused:?}"
    );
    held(&s, q.message.id);
    // Editing it requeues it, and the re-check holds it again: nothing reaches the customer.
    s.outbox_edit(q.message.id, "Our new offer!", 32)
        .expect("edit");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 33).expect("begin"),
        Begin::Held(t[0], HoldReason::OptedOut)
    );
    // Opted back in, the agent's choice sends it.
    s.set_opted_out(t[0], false).expect("opt in");
    s.outbox_send_anyway(q.message.id, 34).expect("send anyway");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &NO_CHECK, 35).expect("begin"),
        Begin::Send(t[0])
    );
}

#[test]
fn a_closed_reply_window_holds_the_reply_and_names_the_alternative() {
    let (mut s, _a, t) = setup(1);
    // The customer wrote at 10; a 24 h window.
    let window = Recheck {
        window: ReplyWindow::SinceLastInbound {
            millis: 86_400_000,
            alternative: Some("a message template".into()),
        },
        quiet: None,
        caps: None,
    };
    let q = s
        .queue_reply(t[0], "Sorry for the wait", "Ann", 20)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &window, 10 + 86_400_001)
            .expect("begin"),
        Begin::Held(t[0], HoldReason::WindowClosed)
    );
    let note = held(&s, q.message.id).delivery_note.expect("note");
    assert!(note.contains("window closed"), "{note}");
    assert!(note.contains("a message template"), "{note}");

    // Inside the window it goes.
    let (mut s, _a, t) = setup(1);
    let q = s
        .queue_reply(t[0], "Quick answer", "Ann", 20)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(q.outbox_id, &window, 86_400_000)
            .expect("begin"),
        Begin::Send(t[0])
    );
}

#[test]
fn an_approved_template_passes_a_closed_window_and_the_replies_held_for_it() {
    let (mut s, a, t) = setup(1);
    let window = Recheck {
        window: ReplyWindow::SinceLastInbound {
            millis: 86_400_000,
            alternative: Some("a message template".into()),
        },
        quiet: None,
        caps: None,
    };
    let late = 10 + 86_400_001;
    s.save_draft(t[0], "half-typed answer", 15).expect("draft");
    let free = s
        .queue_reply(t[0], "Sorry for the wait", "Ann", 20)
        .expect("queue");
    assert_eq!(
        s.outbox_begin(free.outbox_id, &window, late)
            .expect("begin"),
        Begin::Held(t[0], HoldReason::WindowClosed)
    );
    s.save_draft(t[0], "still typing", 25).expect("draft");
    let options = SendOptions {
        template: Some(TemplateSend {
            content_sid: "HX0123".into(),
            variables: BTreeMap::from([("1".to_owned(), "Ana".to_owned())]),
        }),
        media_urls: vec![],
    };
    let tpl = s
        .queue_reply_with_options(
            t[0],
            "Hi Ana, we answered your question",
            "Ann",
            &options,
            30,
        )
        .expect("queue template");
    // The template keeps the agent's draft, is due although an older reply is held, carries
    // its options, and is not held for the window.
    assert_eq!(
        s.draft(t[0]).expect("draft"),
        Some("still typing".to_owned())
    );
    let due = s.due_outbox(a, late, 10).expect("due");
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![tpl.outbox_id]
    );
    assert_eq!(due[0].send_options, options);
    assert_eq!(
        s.outbox_begin(tpl.outbox_id, &window, late).expect("begin"),
        Begin::Send(t[0])
    );
    // An ordinary reply queued after the held one still waits for it (order kept).
    let later = s
        .queue_reply(t[0], "And one more", "Ann", 40)
        .expect("queue");
    assert!(
        !s.due_outbox(a, late, 10)
            .expect("due")
            .iter()
            .any(|i| i.id == later.outbox_id)
    );
}

#[test]
fn media_links_are_kept_with_the_reply_and_shown_on_it() {
    let (mut s, a, t) = setup(1);
    let options = SendOptions {
        template: None,
        media_urls: vec!["https://cdn.example.com/menu.jpg?v=2".into()],
    };
    let q = s
        .queue_reply_with_options(t[0], "", "Ann", &options, 20)
        .expect("a reply of media alone is allowed");
    let shown = &q.message.attachments;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].kind, AttachmentKind::Photo);
    assert_eq!(shown[0].file_name.as_deref(), Some("menu.jpg"));
    assert_eq!(shown[0].remote_ref, None);
    let due = s.due_outbox(a, 20, 10).expect("due");
    assert_eq!(due[0].send_options, options);
    // Nothing at all is still refused.
    assert!(
        s.queue_reply_with_options(t[0], "  ", "Ann", &SendOptions::default(), 21)
            .is_err()
    );
}

#[test]
fn quiet_hours_hold_the_reply() {
    let (mut s, _a, t) = setup(1);
    let q = s.queue_reply(t[0], "Good night", "Ann", 20).expect("queue");
    let night = Recheck {
        window: ReplyWindow::None,
        quiet: Some(QuietHold {
            until: 1_000,
            note: "It is 23:10 for Ana (Europe/Madrid), within quiet hours.".into(),
        }),
        caps: None,
    };
    assert_eq!(
        s.outbox_begin(q.outbox_id, &night, 30).expect("begin"),
        Begin::Held(t[0], HoldReason::QuietHours)
    );
    assert!(
        held(&s, q.message.id)
            .delivery_note
            .expect("note")
            .contains("23:10 for Ana")
    );
}

// ---------- the agent's decisions ----------

#[test]
fn queued_replies_can_be_edited_and_discarded_until_they_leave() {
    let (mut s, a, t) = setup(1);
    let q = s.queue_reply(t[0], "Helo tehre", "Ann", 20).expect("queue");
    s.outbox_edit(q.message.id, "Hello there", 21)
        .expect("edit");
    let m = s.message(q.message.id).expect("read").expect("message");
    assert_eq!(
        (m.text.as_str(), m.delivery),
        ("Hello there", DeliveryState::Queued)
    );
    assert_eq!(s.due_outbox(a, 21, 10).expect("due")[0].body, "Hello there");
    assert_eq!(s.search("there", 10).expect("search").len(), 1);
    assert!(s.search("tehre", 10).expect("search").is_empty());
    assert!(matches!(
        s.outbox_edit(q.message.id, "  ", 22),
        Err(StoreError::Invalid(_))
    ));

    // Once sending, the provider may have the text: no edit, no discard.
    s.outbox_sending(q.outbox_id, 23).expect("sending");
    assert!(s.outbox_edit(q.message.id, "Hi", 24).is_err());
    assert!(s.outbox_discard(q.message.id).is_err());
    s.outbox_sent(q.outbox_id, "c0:2", 25, 25).expect("sent");
    assert!(s.outbox_discard(q.message.id).is_err());

    let q2 = s.queue_reply(t[0], "Oops", "Ann", 30).expect("queue");
    s.outbox_discard(q2.message.id).expect("discard");
    assert!(s.message(q2.message.id).expect("read").is_none());
    assert!(s.outbox_item(q2.outbox_id).expect("read").is_none());
    let thread = s.thread(t[0]).expect("read").expect("thread");
    assert_eq!(thread.snippet, "Hello there");
}

#[test]
fn an_uncertain_reply_is_resent_only_when_the_agent_says_so() {
    let (mut s, a, t) = setup(1);
    let q = s.queue_reply(t[0], "Did it go?", "Ann", 20).expect("queue");
    s.outbox_sending(q.outbox_id, 21).expect("sending");
    s.outbox_uncertain(q.outbox_id, "connection lost", 22)
        .expect("uncertain");
    // Nothing sends it by itself, and the machine refuses the usual ways back.
    assert!(s.due_outbox(a, i64::MAX, 10).expect("due").is_empty());
    assert!(s.outbox_sending(q.outbox_id, 23).is_err());
    assert!(s.outbox_retry(q.outbox_id, 24, "x", 23).is_err());
    assert!(s.outbox_send_anyway(q.message.id, 23).is_err());
    assert!(s.outbox_edit(q.message.id, "x", 23).is_err());

    s.outbox_send_again(q.message.id, 30).expect("send again");
    let item = s.outbox_item(q.outbox_id).expect("read").expect("item");
    assert_eq!((item.state, item.resends), (OutboxState::Queued, 1));
    s.outbox_sending(q.outbox_id, 31).expect("sending");
    s.outbox_uncertain(q.outbox_id, "lost again", 32)
        .expect("uncertain");
    s.outbox_mark_sent(q.message.id, 40).expect("mark sent");
    let m = s.message(q.message.id).expect("read").expect("message");
    assert_eq!(m.delivery, DeliveryState::Sent);
    assert!(m.delivery_note.expect("note").contains("marked"));
    assert!(s.outbox_send_again(q.message.id, 41).is_err());
}

#[test]
fn failed_replies_can_be_edited_into_the_queue() {
    let (mut s, a, t) = setup(1);
    let q = s.queue_reply(t[0], "too long", "Ann", 20).expect("queue");
    s.outbox_sending(q.outbox_id, 21).expect("sending");
    s.outbox_failed(q.outbox_id, "message is too long", 22)
        .expect("failed");
    s.outbox_edit(q.message.id, "short", 30).expect("edit");
    let due = s.due_outbox(a, 30, 10).expect("due");
    assert_eq!(
        (due[0].state, due[0].body.as_str()),
        (OutboxState::Queued, "short")
    );
}

#[test]
fn counts_for_the_banner() {
    let (mut s, _a, t) = setup(1);
    let q1 = s.queue_reply(t[0], "a", "Ann", 20).expect("queue");
    s.queue_reply(t[0], "b", "Ann", 21).expect("queue");
    assert_eq!(s.outbox_counts().expect("counts"), (2, 0, 0));
    s.set_opted_out(t[0], true).expect("opt out");
    s.outbox_begin(q1.outbox_id, &NO_CHECK, 22).expect("begin");
    assert_eq!(s.outbox_counts().expect("counts"), (1, 1, 0));
}

// ---------- the model ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Queued,
    Sending,
    Retrying,
    Held,
    Failed,
    Uncertain,
    Sent,
}

impl St {
    fn store(self) -> OutboxState {
        match self {
            St::Queued => OutboxState::Queued,
            St::Sending => OutboxState::Sending,
            St::Retrying => OutboxState::Retrying,
            St::Held => OutboxState::Held,
            St::Failed => OutboxState::Failed,
            St::Uncertain => OutboxState::Uncertain,
            St::Sent => OutboxState::Sent,
        }
    }

    fn delivery(self) -> DeliveryState {
        match self {
            St::Queued => DeliveryState::Queued,
            St::Sending => DeliveryState::Sending,
            St::Retrying => DeliveryState::Retrying,
            St::Held => DeliveryState::Held,
            St::Failed => DeliveryState::Failed,
            St::Uncertain => DeliveryState::Uncertain,
            St::Sent => DeliveryState::Sent,
        }
    }
}

#[derive(Debug, Clone)]
struct Reply {
    thread: usize,
    state: St,
    /// The customer messages of its thread the agent had seen.
    seen: u32,
    waived: bool,
    queued_resolved: bool,
    body: String,
    resends: i64,
    /// How often reconciliation proved it never arrived and queued it again.
    requeues_after_check: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Queue(usize),
    Begin(usize),
    Sent(usize),
    Retry(usize),
    Fail(usize),
    Uncertain(usize),
    SendAnyway(usize),
    Edit(usize),
    Discard(usize),
    MarkSent(usize),
    SendAgain(usize),
    RequeueAfterCheck(usize),
    CustomerWrites(usize),
    Resolve(usize, bool),
    Recover,
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0usize..8;
    prop_oneof![
        3 => (0usize..2).prop_map(Op::Queue),
        4 => r.clone().prop_map(Op::Begin),
        2 => r.clone().prop_map(Op::Sent),
        1 => r.clone().prop_map(Op::Retry),
        1 => r.clone().prop_map(Op::Fail),
        1 => r.clone().prop_map(Op::Uncertain),
        1 => r.clone().prop_map(Op::SendAnyway),
        1 => r.clone().prop_map(Op::Edit),
        1 => r.clone().prop_map(Op::Discard),
        1 => r.clone().prop_map(Op::MarkSent),
        1 => r.clone().prop_map(Op::SendAgain),
        1 => r.clone().prop_map(Op::RequeueAfterCheck),
        1 => (0usize..2).prop_map(Op::CustomerWrites),
        1 => ((0usize..2), any::<bool>()).prop_map(|(t, r)| Op::Resolve(t, r)),
        1 => Just(Op::Recover),
    ]
}

struct World {
    s: Store,
    a: AccountId,
    threads: Vec<ThreadId>,
    /// Customer messages per thread so far.
    inbound: Vec<u32>,
    resolved: Vec<bool>,
    /// Every reply ever queued, by index; `None` once discarded.
    replies: Vec<Option<(QueuedReply, Reply)>>,
    now: Millis,
    next_remote: u64,
}

impl World {
    fn new() -> Self {
        let (s, a, threads) = setup(2);
        World {
            s,
            a,
            threads,
            inbound: vec![1, 1],
            resolved: vec![false, false],
            replies: vec![],
            now: 100,
            next_remote: 1000,
        }
    }

    /// Applies `op` to the store and the model; checks the store accepted exactly the legal
    /// moves.
    fn step(&mut self, op: &Op) {
        self.now += 1;
        let now = self.now;
        let pick = |i: usize, n: usize| if n == 0 { None } else { Some(i % n) };
        let n = self.replies.len();
        match *op {
            Op::Queue(t) => {
                let body = format!("reply {n}");
                let q = self
                    .s
                    .queue_reply(self.threads[t], &body, "Ann", now)
                    .expect("queue");
                let reply = Reply {
                    thread: t,
                    state: St::Queued,
                    seen: self.inbound[t],
                    waived: false,
                    queued_resolved: self.resolved[t],
                    body,
                    resends: 0,
                    requeues_after_check: 0,
                };
                self.replies.push(Some((q, reply)));
            }
            Op::CustomerWrites(t) => {
                self.inbound[t] += 1;
                // A new customer message reopens a resolved thread (ingest does that).
                self.resolved[t] = false;
                let chat = format!("c{t}");
                let id = format!("{chat}:{}", 100 + self.inbound[t]);
                write(&mut self.s, self.a, &chat, &id, now);
            }
            Op::Resolve(t, resolved) => {
                self.resolved[t] = resolved;
                let status = if resolved {
                    ThreadStatus::Resolved
                } else {
                    ThreadStatus::Open
                };
                self.s
                    .set_thread_status(self.threads[t], status)
                    .expect("status");
            }
            Op::Recover => {
                self.s.recover_interrupted(now).expect("recover");
                for (_, r) in self.replies.iter_mut().flatten() {
                    if r.state == St::Sending {
                        r.state = St::Uncertain;
                    }
                }
            }
            Op::Begin(i)
            | Op::Sent(i)
            | Op::Retry(i)
            | Op::Fail(i)
            | Op::Uncertain(i)
            | Op::SendAnyway(i)
            | Op::Edit(i)
            | Op::Discard(i)
            | Op::MarkSent(i)
            | Op::SendAgain(i)
            | Op::RequeueAfterCheck(i) => {
                let Some(i) = pick(i, n) else { return };
                let Some((q, r)) = self.replies[i].clone() else {
                    return;
                };
                let (id, m) = (q.outbox_id, q.message.id);
                let st = r.state;
                let mut r2 = r.clone();
                let (legal, result): (bool, Result<()>) = match *op {
                    Op::Begin(_) => {
                        let legal = matches!(st, St::Queued | St::Retrying);
                        let res = self.s.outbox_begin(id, &NO_CHECK, now);
                        if legal {
                            let t = r.thread;
                            let hold = self.inbound[t] > r.seen
                                || (!r.waived && self.resolved[t] && !r.queued_resolved);
                            let got = res.as_ref().ok().copied();
                            r2.state = if hold { St::Held } else { St::Sending };
                            assert_eq!(
                                matches!(got, Some(Begin::Held(..))),
                                hold,
                                "hold decision for {r:?}: {got:?}"
                            );
                        }
                        (legal, res.map(|_| ()))
                    }
                    Op::Sent(_) => {
                        self.next_remote += 1;
                        let remote = format!("x:{}", self.next_remote);
                        let legal = matches!(st, St::Sending | St::Uncertain | St::Retrying);
                        r2.state = St::Sent;
                        (legal, self.s.outbox_sent(id, &remote, now, now).map(|_| ()))
                    }
                    Op::Retry(_) => {
                        r2.state = St::Retrying;
                        (
                            matches!(st, St::Queued | St::Sending | St::Retrying),
                            self.s.outbox_retry(id, now, "later", now).map(|_| ()),
                        )
                    }
                    Op::Fail(_) => {
                        r2.state = St::Failed;
                        (
                            matches!(st, St::Queued | St::Sending | St::Retrying),
                            self.s.outbox_failed(id, "no", now).map(|_| ()),
                        )
                    }
                    Op::Uncertain(_) => {
                        r2.state = St::Uncertain;
                        (
                            st == St::Sending,
                            self.s.outbox_uncertain(id, "lost", now).map(|_| ()),
                        )
                    }
                    Op::SendAnyway(_) => {
                        r2.state = St::Queued;
                        r2.waived = true;
                        r2.seen = self.inbound[r.thread];
                        (
                            matches!(st, St::Held | St::Failed),
                            self.s.outbox_send_anyway(m, now).map(|_| ()),
                        )
                    }
                    Op::Edit(_) => {
                        let legal = matches!(st, St::Queued | St::Retrying | St::Held | St::Failed);
                        r2.body = format!("{} (edited)", r.body);
                        if matches!(st, St::Held | St::Failed) {
                            r2.state = St::Queued;
                            r2.waived = true;
                            r2.seen = self.inbound[r.thread];
                        }
                        (legal, self.s.outbox_edit(m, &r2.body, now).map(|_| ()))
                    }
                    Op::Discard(_) => (
                        matches!(
                            st,
                            St::Queued | St::Retrying | St::Held | St::Failed | St::Uncertain
                        ),
                        self.s.outbox_discard(m).map(|_| ()),
                    ),
                    Op::MarkSent(_) => {
                        r2.state = St::Sent;
                        (
                            st == St::Uncertain,
                            self.s.outbox_mark_sent(m, now).map(|_| ()),
                        )
                    }
                    Op::SendAgain(_) => {
                        r2.state = St::Queued;
                        r2.waived = true;
                        r2.seen = self.inbound[r.thread];
                        r2.resends += 1;
                        (
                            st == St::Uncertain,
                            self.s.outbox_send_again(m, now).map(|_| ()),
                        )
                    }
                    Op::RequeueAfterCheck(_) => {
                        // The provider proved it never arrived: queued again, with the
                        // re-checks (nothing waived, the watermark kept).
                        r2.state = St::Queued;
                        r2.requeues_after_check += 1;
                        (
                            st == St::Uncertain,
                            self.s
                                .outbox_requeue_after_check(id, "never arrived", now)
                                .map(|_| ()),
                        )
                    }
                    _ => unreachable!(),
                };
                assert_eq!(
                    result.is_ok(),
                    legal,
                    "{op:?} on {st:?} was {}: {result:?}",
                    if legal { "refused" } else { "allowed" }
                );
                if legal {
                    self.replies[i] = if matches!(op, Op::Discard(_)) {
                        None
                    } else {
                        Some((q, r2))
                    };
                }
            }
        }
    }

    /// The store agrees with the model: every reply not discarded is there, in its state, with
    /// its text, and its message shows the matching delivery state.
    fn check(&self) {
        let mut expected: BTreeMap<i64, &Reply> = BTreeMap::new();
        for (q, r) in self.replies.iter().flatten() {
            expected.insert(q.outbox_id.0, r);
            let item = self
                .s
                .outbox_item(q.outbox_id)
                .expect("read")
                .unwrap_or_else(|| panic!("reply lost: {r:?}"));
            assert_eq!(item.state, r.state.store(), "{r:?}");
            assert_eq!(item.body, r.body);
            assert_eq!(item.resends, r.resends);
            assert_eq!(
                self.s
                    .outbox_requeues_after_check(q.outbox_id)
                    .expect("read"),
                r.requeues_after_check
            );
            assert_eq!(item.hold_reason.is_some(), r.state == St::Held, "{item:?}");
            let m = self
                .s
                .message(q.message.id)
                .expect("read")
                .expect("message of a reply");
            assert_eq!(m.delivery, r.state.delivery());
            assert_eq!(m.text, r.body);
        }
        let waiting = expected
            .values()
            .filter(|r| matches!(r.state, St::Queued | St::Sending | St::Retrying))
            .count() as i64;
        let held = expected.values().filter(|r| r.state == St::Held).count() as i64;
        let uncertain = expected
            .values()
            .filter(|r| r.state == St::Uncertain)
            .count() as i64;
        assert_eq!(
            self.s.outbox_counts().expect("counts"),
            (waiting, held, uncertain)
        );
        // Order: nothing due overtakes an earlier reply of its thread that is held or in flight.
        let due = self.s.due_outbox(self.a, i64::MAX, 100).expect("due");
        for d in &due {
            for (q, r) in self.replies.iter().flatten() {
                if q.outbox_id < d.id
                    && self.threads[r.thread] == d.thread_id
                    && matches!(r.state, St::Held | St::Sending)
                {
                    panic!("{d:?} is due ahead of an earlier {r:?}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn the_outbox_follows_its_state_machine(ops in proptest::collection::vec(op(), 1..60)) {
        let mut world = World::new();
        for op in &ops {
            world.step(op);
            world.check();
        }
    }
}

#[test]
fn a_discarded_reply_goes_back_into_the_draft() {
    let (mut s, _a, threads) = setup(1);
    let t = threads[0];
    let q = s.queue_reply(t, "first words", "Ann", 10).expect("queue");
    s.save_draft(t, "half a thought", 11).expect("draft");
    s.outbox_discard(q.message.id).expect("discard");
    assert_eq!(
        s.draft(t).expect("read").as_deref(),
        Some("first words\n\nhalf a thought")
    );
    assert!(s.message(q.message.id).expect("read").is_none());
}

#[test]
fn an_account_removed_with_its_conversations_kept_fails_what_waited_and_takes_no_more() {
    let (mut s, a, t) = setup(1);
    let waiting = s
        .queue_reply(t[0], "On its way!", "Ann", 20)
        .expect("queue");
    let sent = s.queue_reply(t[0], "Thanks", "Ann", 21).expect("queue");
    let begun = s
        .outbox_begin(sent.outbox_id, &NO_CHECK, 22)
        .expect("begin");
    assert!(matches!(begun, Begin::Send(_)), "{begun:?}");
    s.outbox_sent(sent.outbox_id, "c0:9", 23, 23).expect("sent");

    s.keep_removed_account(a, 30).expect("removed, kept");
    let row = s.account(a).expect("read").expect("still there");
    assert_eq!(row.removed_at, Some(30));
    // What waited failed with the reason, its text kept; what was sent stays sent.
    let m = s.message(waiting.message.id).expect("read").expect("kept");
    assert_eq!(m.delivery, DeliveryState::Failed);
    assert_eq!(m.text, "On its way!");
    assert!(
        m.delivery_note
            .expect("note")
            .contains("account was removed")
    );
    let m = s.message(sent.message.id).expect("read").expect("kept");
    assert_eq!(m.delivery, DeliveryState::Sent);
    assert!(s.due_outbox(a, 100, 10).expect("due").is_empty());
    // Nothing more goes through it: no new reply, no "send anyway".
    assert!(matches!(
        s.queue_reply(t[0], "again", "Ann", 31),
        Err(StoreError::AccountRemoved)
    ));
    assert!(matches!(
        s.outbox_send_anyway(waiting.message.id, 32),
        Err(StoreError::AccountRemoved)
    ));
    // Added again, it is the same account, running again.
    let again = s
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Renamed Bot".into(),
                handle: None,
                external_id: row.external_id.clone(),
                is_demo: false,
            },
            40,
        )
        .expect("revived");
    assert_eq!(again, a);
    assert_eq!(s.account(a).expect("read").expect("row").removed_at, None);
    s.queue_reply(t[0], "again", "Ann", 41)
        .expect("answers again");
    // Adding it once more is a duplicate, as before.
    assert!(matches!(
        s.insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "x".into(),
                handle: None,
                external_id: row.external_id,
                is_demo: false,
            },
            42,
        ),
        Err(StoreError::Duplicate)
    ));
}
