//! The workflow against a model: random messages, replies, status changes, Undo, wake-ups and
//! label deletions on a few conversations; after every step each conversation's state, every
//! view (walked a page at a time) and every count must be what the model says. Then the cases
//! a model does not show well: labels, the queued-reply question, wake-ups across a restart,
//! and the views' query plans.

use crate::Store;
use parley_domain::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use crate::test_support::{account as add_account, write};

const THREADS: usize = 4;
const LABELS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    /// The customer of conversation `t` writes; time moves on by `dt`.
    Inbound {
        t: usize,
        dt: Millis,
    },
    /// The agent replies in `t` (the reply waits in the outbox: nothing dispatches here).
    Reply {
        t: usize,
        dt: Millis,
    },
    /// A change to the conversations of the bit mask `who`.
    Change {
        who: u8,
        change: Change,
    },
    /// Undo the newest change not yet undone.
    Undo,
    /// Time passes and snoozes that ended wake.
    Wake {
        dt: Millis,
    },
    DeleteLabel {
        l: usize,
    },
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Resolve(Option<bool>),
    Reopen,
    Pending,
    Snooze(Millis),
    Priority(i64),
    AddLabel(usize),
    RemoveLabel(usize),
    MarkRead,
    MarkUnread,
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..THREADS;
    let change = prop_oneof![
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))].prop_map(Change::Resolve),
        Just(Change::Reopen),
        Just(Change::Pending),
        (1..5_000i64).prop_map(Change::Snooze),
        (0..=4i64).prop_map(Change::Priority),
        (0..LABELS).prop_map(Change::AddLabel),
        (0..LABELS).prop_map(Change::RemoveLabel),
        Just(Change::MarkRead),
        Just(Change::MarkUnread),
    ];
    prop_oneof![
        3 => (t.clone(), 1..2_000i64).prop_map(|(t, dt)| Op::Inbound { t, dt }),
        2 => (t, 1..2_000i64).prop_map(|(t, dt)| Op::Reply { t, dt }),
        6 => (1..16u8, change).prop_map(|(who, change)| Op::Change { who, change }),
        2 => Just(Op::Undo),
        2 => (1..6_000i64).prop_map(|dt| Op::Wake { dt }),
        1 => (0..LABELS).prop_map(|l| Op::DeleteLabel { l }),
    ]
}

/// What the model keeps of a conversation.
#[derive(Debug, Clone, PartialEq)]
struct M {
    status: ThreadStatus,
    snoozed_until: Option<Millis>,
    priority: i64,
    labels: BTreeSet<usize>,
    unread: i64,
    /// (sent_at, inbound) of every message.
    messages: Vec<(Millis, bool)>,
    queued: i64,
    last_activity: Millis,
    events: usize,
}

impl M {
    fn waiting_since(&self) -> Option<Millis> {
        let last_out = self
            .messages
            .iter()
            .filter(|m| !m.1)
            .map(|m| m.0)
            .max()
            .unwrap_or(Millis::MIN);
        self.messages
            .iter()
            .filter(|m| m.1 && m.0 > last_out)
            .map(|m| m.0)
            .min()
    }
}

struct World {
    s: Store,
    account: AccountId,
    threads: Vec<ThreadId>,
    labels: Vec<Option<LabelId>>,
    model: Vec<M>,
    undo: Vec<(Vec<ThreadState>, Vec<M>)>,
    now: Millis,
    next_id: u32,
}

impl World {
    fn new() -> World {
        let mut s = Store::open_in_memory().expect("open");
        let account = add_account(&mut s, ChannelKind::Telegram, "shop");
        // Another account on another channel, so channel and account views differ.
        let other = add_account(&mut s, ChannelKind::Sms, "+15550100");
        let mut threads = Vec::new();
        let mut model = Vec::new();
        for t in 0..THREADS {
            let at = 1_000 + t as Millis;
            let a = if t == THREADS - 1 { other } else { account };
            threads.push(write(&mut s, a, &format!("c{t}"), &format!("first{t}"), at));
            model.push(M {
                status: ThreadStatus::Open,
                snoozed_until: None,
                priority: 0,
                labels: BTreeSet::new(),
                unread: 1,
                messages: vec![(at, true)],
                queued: 0,
                last_activity: at,
                events: 0,
            });
        }
        let labels = (0..LABELS)
            .map(|l| {
                Some(
                    s.create_label(&format!("label {l}"), "#336699", 0)
                        .expect("label")
                        .id,
                )
            })
            .collect();
        World {
            s,
            account,
            threads,
            labels,
            model,
            undo: Vec::new(),
            now: 2_000,
            next_id: 0,
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Inbound { t, dt } => {
                self.now += dt;
                self.next_id += 1;
                let a = self
                    .s
                    .thread(self.threads[t])
                    .expect("store")
                    .expect("store")
                    .account_id;
                write(
                    &mut self.s,
                    a,
                    &format!("c{t}"),
                    &format!("m{}", self.next_id),
                    self.now,
                );
                let m = &mut self.model[t];
                m.messages.push((self.now, true));
                m.unread += 1;
                m.last_activity = self.now;
                if m.status != ThreadStatus::Open {
                    m.status = ThreadStatus::Open;
                    m.snoozed_until = None;
                    m.events += 1;
                }
            }
            Op::Reply { t, dt } => {
                self.now += dt;
                self.s
                    .queue_reply(self.threads[t], "on it", "Agent", self.now)
                    .expect("reply");
                let m = &mut self.model[t];
                m.messages.push((self.now, false));
                m.queued += 1;
                m.last_activity = self.now;
            }
            Op::Change { who, change } => self.change(who, change),
            Op::Undo => {
                if let Some((before, model)) = self.undo.pop() {
                    self.s.restore_threads(&before).expect("undo");
                    for (t, m) in model.into_iter().enumerate() {
                        // Undo puts back the workflow fields, not messages or deleted labels.
                        let cur = &mut self.model[t];
                        if before.iter().any(|b| b.thread_id == self.threads[t]) {
                            cur.status = m.status;
                            cur.snoozed_until = m.snoozed_until;
                            cur.priority = m.priority;
                            cur.unread = m.unread;
                            cur.labels = m
                                .labels
                                .into_iter()
                                .filter(|l| self.labels[*l].is_some())
                                .collect();
                            cur.events = cur.events.min(m.events);
                        }
                    }
                }
            }
            Op::Wake { dt } => {
                self.now += dt;
                let woken = self.s.wake_snoozed(self.now).expect("wake");
                let mut due: Vec<(Millis, ThreadId)> = self
                    .model
                    .iter()
                    .enumerate()
                    .filter_map(|(t, m)| {
                        m.snoozed_until
                            .filter(|u| *u <= self.now && m.status == ThreadStatus::Snoozed)
                            .map(|u| (u, self.threads[t]))
                    })
                    .collect();
                due.sort();
                assert_eq!(
                    woken
                        .iter()
                        .map(|w| (w.snoozed_until, w.thread))
                        .collect::<Vec<_>>(),
                    due,
                    "woken in the order they were due"
                );
                for m in &mut self.model {
                    if m.status == ThreadStatus::Snoozed
                        && m.snoozed_until.is_some_and(|u| u <= self.now)
                    {
                        m.status = ThreadStatus::Open;
                        m.snoozed_until = None;
                        m.events += 1;
                    }
                }
            }
            Op::DeleteLabel { l } => {
                if let Some(id) = self.labels[l].take() {
                    let touched = self.s.delete_label(id).expect("delete");
                    let expected: Vec<ThreadId> = (0..THREADS)
                        .filter(|t| self.model[*t].labels.contains(&l))
                        .map(|t| self.threads[t])
                        .collect();
                    let mut touched = touched;
                    touched.sort();
                    assert_eq!(touched, expected);
                    for m in &mut self.model {
                        m.labels.remove(&l);
                    }
                }
            }
        }
    }

    fn change(&mut self, who: u8, change: Change) {
        let ts: Vec<usize> = (0..THREADS).filter(|t| who & (1 << t) != 0).collect();
        let ids: Vec<ThreadId> = ts.iter().map(|t| self.threads[*t]).collect();
        let c = match change {
            Change::Resolve(send_queued) => ThreadChange::Resolve { send_queued },
            Change::Reopen => ThreadChange::Reopen,
            Change::Pending => ThreadChange::Pending,
            Change::Snooze(d) => ThreadChange::Snooze {
                until: self.now + d,
            },
            Change::Priority(priority) => ThreadChange::SetPriority { priority },
            Change::AddLabel(l) | Change::RemoveLabel(l) => {
                let Some(label) = self.labels[l] else {
                    if let Change::AddLabel(_) = change {
                        // A deleted label cannot be added.
                        let err = self
                            .s
                            .change_threads(
                                &ids,
                                &ThreadChange::AddLabel {
                                    label: LabelId(999),
                                },
                                self.now,
                            )
                            .expect_err("refused");
                        assert!(matches!(err, crate::StoreError::NotFound(_)), "{err:?}");
                    }
                    return;
                };
                if let Change::AddLabel(_) = change {
                    ThreadChange::AddLabel { label }
                } else {
                    ThreadChange::RemoveLabel { label }
                }
            }
            Change::MarkRead => ThreadChange::MarkRead,
            Change::MarkUnread => ThreadChange::MarkUnread,
        };
        let out = self.s.change_threads(&ids, &c, self.now).expect("change");
        let queued: i64 = ts.iter().map(|t| self.model[*t].queued).sum();
        assert_eq!(out.queued_replies, queued);
        if matches!(change, Change::Resolve(None)) && queued > 0 {
            assert!(!out.applied, "asks before resolving with queued replies");
            return;
        }
        assert!(out.applied);
        let snapshot = self.model.clone();
        for &t in &ts {
            let m = &mut self.model[t];
            let status = |m: &mut M, s: ThreadStatus, until: Option<Millis>| {
                if m.status != s || m.snoozed_until != until {
                    m.status = s;
                    m.snoozed_until = until;
                    m.events += 1;
                }
            };
            match change {
                Change::Resolve(_) => status(m, ThreadStatus::Resolved, None),
                Change::Reopen => status(m, ThreadStatus::Open, None),
                Change::Pending => status(m, ThreadStatus::Pending, None),
                Change::Snooze(d) => status(m, ThreadStatus::Snoozed, Some(self.now + d)),
                Change::Priority(p) => m.priority = p,
                Change::AddLabel(l) => {
                    m.labels.insert(l);
                }
                Change::RemoveLabel(l) => {
                    m.labels.remove(&l);
                }
                Change::MarkRead => m.unread = 0,
                Change::MarkUnread => m.unread = m.unread.max(1),
            }
        }
        self.undo.push((out.before, snapshot));
    }

    fn check(&self) {
        let label_of = |id: LabelId| {
            self.labels
                .iter()
                .position(|l| *l == Some(id))
                .expect("a live label")
        };
        for (t, m) in self.model.iter().enumerate() {
            let id = self.threads[t];
            let got = self.s.thread(id).expect("store").expect("store");
            assert_eq!(got.status, m.status, "status of {t}");
            assert_eq!(got.snoozed_until, m.snoozed_until, "snooze of {t}");
            assert_eq!(got.priority, m.priority, "priority of {t}");
            assert_eq!(got.unread_count, m.unread, "unread of {t}");
            assert_eq!(got.waiting_since, m.waiting_since(), "waiting of {t}");
            let labels: BTreeSet<usize> = got.labels.iter().map(|l| label_of(*l)).collect();
            assert_eq!(labels, m.labels, "labels of {t}");
            assert_eq!(
                self.s.thread_events(id).expect("store").len(),
                m.events,
                "events of {t}"
            );
        }
        let open = |m: &M| m.status == ThreadStatus::Open;
        let count = |f: &dyn Fn(&M) -> bool| self.model.iter().filter(|m| f(m)).count() as i64;
        same_counts(&self.s);
        let c = self.s.view_counts().expect("store");
        assert_eq!(c.open, count(&open));
        assert_eq!(c.pending, count(&|m| m.status == ThreadStatus::Pending));
        assert_eq!(c.snoozed, count(&|m| m.status == ThreadStatus::Snoozed));
        assert_eq!(c.resolved, count(&|m| m.status == ThreadStatus::Resolved));
        assert_eq!(c.unread, count(&|m| m.unread > 0));
        assert_eq!(
            self.s.unread_total().expect("store"),
            self.model.iter().map(|m| m.unread).sum::<i64>(),
            "unread messages"
        );
        assert_eq!(
            c.waiting,
            count(&|m| open(m) && m.waiting_since().is_some())
        );
        let by_label: BTreeMap<usize, i64> = c
            .labels
            .iter()
            .map(|l| (label_of(l.label), l.count))
            .collect();
        let expected: BTreeMap<usize, i64> = (0..LABELS)
            .map(|l| (l, count(&|m| open(m) && m.labels.contains(&l))))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(by_label, expected, "label counts");
        let per_account: i64 = c.accounts.iter().map(|a| a.count).sum();
        assert_eq!(per_account, c.open);
        let per_channel: i64 = c.channels.iter().map(|a| a.count).sum();
        assert_eq!(per_channel, c.open);

        // Every view, a page of one or two at a time, lists exactly the model's conversations
        // in the view's order.
        let newest = |f: &dyn Fn(usize, &M) -> bool| -> Vec<ThreadId> {
            let mut v: Vec<(Millis, ThreadId)> = self
                .model
                .iter()
                .enumerate()
                .filter(|(t, m)| f(*t, m))
                .map(|(t, m)| (m.last_activity, self.threads[t]))
                .collect();
            v.sort_by(|a, b| b.cmp(a));
            v.into_iter().map(|x| x.1).collect()
        };
        let oldest_key = |key: &dyn Fn(&M) -> Option<Millis>| -> Vec<ThreadId> {
            let mut v: Vec<(Millis, ThreadId)> = self
                .model
                .iter()
                .enumerate()
                .filter_map(|(t, m)| key(m).map(|k| (k, self.threads[t])))
                .collect();
            v.sort();
            v.into_iter().map(|x| x.1).collect()
        };
        let mut views: Vec<(ThreadView, Vec<ThreadId>)> = vec![
            (ThreadView::Open, newest(&|_, m| open(m))),
            (
                ThreadView::Pending,
                newest(&|_, m| m.status == ThreadStatus::Pending),
            ),
            (
                ThreadView::Resolved,
                newest(&|_, m| m.status == ThreadStatus::Resolved),
            ),
            (ThreadView::Unread, newest(&|_, m| m.unread > 0)),
            (
                ThreadView::Waiting,
                oldest_key(&|m| m.waiting_since().filter(|_| open(m))),
            ),
            (
                ThreadView::Snoozed,
                oldest_key(&|m| {
                    m.snoozed_until
                        .filter(|_| m.status == ThreadStatus::Snoozed)
                }),
            ),
            (
                ThreadView::Channel {
                    channel: ChannelKind::Sms,
                },
                newest(&|t, m| open(m) && t == THREADS - 1),
            ),
            (
                ThreadView::Account {
                    account: self.account,
                },
                newest(&|t, m| open(m) && t != THREADS - 1),
            ),
        ];
        for (l, id) in self.labels.iter().enumerate() {
            if let Some(label) = id {
                views.push((
                    ThreadView::Label { label: *label },
                    newest(&|_, m| open(m) && m.labels.contains(&l)),
                ));
            }
        }
        for (view, expected) in views {
            for page in [1, 2] {
                let mut got = Vec::new();
                let mut cursor = None;
                loop {
                    let p = self.s.list_view(view, cursor, page).expect("store");
                    got.extend(p.threads.iter().map(|t| t.id));
                    match p.next {
                        Some(n) => cursor = Some(n),
                        None => break,
                    }
                    assert!(got.len() <= THREADS, "{view:?} does not end");
                }
                assert_eq!(got, expected, "{view:?}, pages of {page}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn workflow_matches_its_model(ops in proptest::collection::vec(op(), 1..40)) {
        let mut w = World::new();
        w.check();
        for op in &ops {
            w.apply(op);
            w.check();
        }
    }
}

#[test]
fn labels_are_named_once_coloured_and_leave_every_conversation_when_deleted() {
    let mut s = Store::open_in_memory().expect("store");
    let a = add_account(&mut s, ChannelKind::Telegram, "shop");
    let t1 = write(&mut s, a, "1", "1", 10);
    let t2 = write(&mut s, a, "2", "2", 11);
    let vip = s.create_label("  VIP ", "#AA00ff", 5).expect("store");
    assert_eq!((vip.name.as_str(), vip.color.as_str()), ("VIP", "#aa00ff"));
    assert!(matches!(
        s.create_label("vip", "#000000", 6),
        Err(crate::StoreError::Duplicate)
    ));
    assert!(matches!(
        s.create_label("Refund", "red", 6),
        Err(crate::StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_label("   ", "#000000", 6),
        Err(crate::StoreError::Invalid(_))
    ));
    let refund = s.create_label("Refund", "#ff0000", 6).expect("store");
    assert!(matches!(
        s.update_label(refund.id, "Vip", "#ff0000"),
        Err(crate::StoreError::Duplicate)
    ));
    let renamed = s
        .update_label(refund.id, "Refunds", "#00ff00")
        .expect("store");
    assert_eq!(renamed.name, "Refunds");
    s.change_threads(&[t1, t2], &ThreadChange::AddLabel { label: vip.id }, 20)
        .expect("store");
    s.change_threads(&[t2], &ThreadChange::AddLabel { label: refund.id }, 20)
        .expect("store");
    let listed = s.labels().expect("store");
    assert_eq!(
        listed
            .iter()
            .map(|l| (l.name.as_str(), l.thread_count))
            .collect::<Vec<_>>(),
        [("Refunds", 1), ("VIP", 2)]
    );
    let mut touched = s.delete_label(vip.id).expect("store");
    touched.sort();
    assert_eq!(touched, [t1, t2]);
    assert!(
        s.thread(t1)
            .expect("store")
            .expect("store")
            .labels
            .is_empty()
    );
    assert_eq!(
        s.thread(t2).expect("store").expect("store").labels,
        [refund.id]
    );
    assert!(matches!(
        s.delete_label(vip.id),
        Err(crate::StoreError::NotFound(_))
    ));
}

#[test]
fn thread_summaries_are_the_threads_as_they_are_now_in_the_order_asked() {
    let mut s = Store::open_in_memory().expect("store");
    let a = add_account(&mut s, ChannelKind::Telegram, "shop");
    let t1 = write(&mut s, a, "1", "1", 10);
    let t2 = write(&mut s, a, "2", "2", 11);
    let t3 = write(&mut s, a, "3", "3", 12);
    let vip = s.create_label("VIP", "#7c3aed", 5).expect("store");
    s.change_threads(&[t2], &ThreadChange::AddLabel { label: vip.id }, 20)
        .expect("store");
    s.change_threads(&[t3], &ThreadChange::Snooze { until: 5_000 }, 20)
        .expect("store");
    let missing = ThreadId(t3.0 + 1000);
    let got = s
        .thread_summaries(&[t3, missing, t2, t3, t1])
        .expect("store");
    assert_eq!(
        got.iter().map(|t| t.id).collect::<Vec<_>>(),
        [t3, t2, t1],
        "in the order asked, each once, the missing one left out"
    );
    assert_eq!(got[0].status, ThreadStatus::Snoozed);
    assert_eq!(got[0].snoozed_until, Some(5_000));
    assert_eq!(got[1].labels, [vip.id]);
    // The same rows a view lists.
    let listed = s.list_view(ThreadView::Open, None, 10).expect("store");
    assert_eq!(
        listed.threads,
        s.thread_summaries(&[t2, t1]).expect("store")
    );
    assert!(s.thread_summaries(&[]).expect("store").is_empty());
    assert!(matches!(
        s.thread_summaries(&vec![t1; 1001]),
        Err(crate::StoreError::Invalid(_))
    ));
}

#[test]
fn resolving_with_a_queued_reply_asks_and_then_sends_or_holds_it() {
    let mut s = Store::open_in_memory().expect("store");
    let a = add_account(&mut s, ChannelKind::Telegram, "shop");
    let t = write(&mut s, a, "1", "1", 10);
    let send = s
        .queue_reply(t, "Your parcel left today", "Agent", 20)
        .expect("store");
    let asked = s
        .change_threads(&[t], &ThreadChange::Resolve { send_queued: None }, 30)
        .expect("store");
    assert!(!asked.applied);
    assert_eq!(asked.queued_replies, 1);
    assert_eq!(
        s.thread(t).expect("store").expect("store").status,
        ThreadStatus::Open
    );

    // "Hold it": the outbox's re-check finds the conversation resolved.
    s.change_threads(
        &[t],
        &ThreadChange::Resolve {
            send_queued: Some(false),
        },
        30,
    )
    .expect("store");
    let begin = s
        .outbox_begin(send.outbox_id, &crate::Recheck::default(), 40)
        .expect("store");
    assert!(
        matches!(begin, crate::Begin::Held(_, HoldReason::ThreadResolved)),
        "{begin:?}"
    );

    // "Send it": the reply goes although the conversation is resolved.
    let t2 = write(&mut s, a, "2", "2", 50);
    let second = s
        .queue_reply(t2, "Refund done", "Agent", 60)
        .expect("store");
    s.change_threads(
        &[t2],
        &ThreadChange::Resolve {
            send_queued: Some(true),
        },
        70,
    )
    .expect("store");
    let begin = s
        .outbox_begin(second.outbox_id, &crate::Recheck::default(), 80)
        .expect("store");
    assert!(matches!(begin, crate::Begin::Send(_)), "{begin:?}");
}

#[test]
fn snoozes_due_while_closed_wake_at_the_next_start_in_order() {
    let dir = tempfile::tempdir().expect("store");
    let path = dir.path().join("parley.db");
    let (t1, t2, t3);
    {
        let mut s = Store::open(&path).expect("store");
        let a = add_account(&mut s, ChannelKind::Telegram, "shop");
        t1 = write(&mut s, a, "1", "1", 10);
        t2 = write(&mut s, a, "2", "2", 11);
        t3 = write(&mut s, a, "3", "3", 12);
        s.change_threads(&[t1], &ThreadChange::Snooze { until: 500 }, 100)
            .expect("store");
        s.change_threads(&[t2], &ThreadChange::Snooze { until: 300 }, 100)
            .expect("store");
        s.change_threads(&[t3], &ThreadChange::Snooze { until: 9_000 }, 100)
            .expect("store");
        assert_eq!(s.next_wake().expect("store"), Some(300));
    }
    let mut s = Store::open(&path).expect("store");
    let woken = s.wake_snoozed(1_000).expect("store");
    assert_eq!(
        woken
            .iter()
            .map(|w| (w.thread, w.snoozed_until))
            .collect::<Vec<_>>(),
        [(t2, 300), (t1, 500)]
    );
    assert_eq!(woken[0].contact_name, "Customer 2");
    assert_eq!(
        s.thread(t1).expect("store").expect("store").status,
        ThreadStatus::Open
    );
    assert_eq!(
        s.thread(t3).expect("store").expect("store").status,
        ThreadStatus::Snoozed
    );
    // The thread says when it woke: at its time, not at the start.
    let events = s.thread_events(t2).expect("store");
    assert_eq!(
        events.last(),
        Some(&ThreadEvent {
            at: 300,
            event: ThreadEventKind::Woke
        })
    );
    assert_eq!(s.next_wake().expect("store"), Some(9_000));
    assert!(
        s.wake_snoozed(1_000).expect("store").is_empty(),
        "woken once"
    );
}

#[test]
fn a_customer_message_reopens_a_snoozed_conversation_and_says_so() {
    let mut s = Store::open_in_memory().expect("store");
    let a = add_account(&mut s, ChannelKind::Telegram, "shop");
    let t = write(&mut s, a, "1", "1", 10);
    s.change_threads(&[t], &ThreadChange::Snooze { until: 5_000 }, 20)
        .expect("store");
    write(&mut s, a, "1", "2", 30);
    let now = s.thread(t).expect("store").expect("store");
    assert_eq!(now.status, ThreadStatus::Open);
    assert_eq!(now.snoozed_until, None);
    assert_eq!(
        s.thread_events(t).expect("store").last(),
        Some(&ThreadEvent {
            at: 30,
            event: ThreadEventKind::ReopenedByCustomer {
                from: ThreadStatus::Snoozed
            }
        })
    );
    assert!(
        s.wake_snoozed(6_000).expect("store").is_empty(),
        "nothing left to wake"
    );
}

#[test]
fn views_walk_their_indexes() {
    let s = Store::open_in_memory().expect("store");
    for view in [
        ThreadView::Open,
        ThreadView::Waiting,
        ThreadView::Unread,
        ThreadView::Snoozed,
        ThreadView::Resolved,
        ThreadView::Mood,
    ] {
        let cursor = Some(PageCursor { at: 1, id: 2 });
        let params = crate::views::page_params(view, cursor, 50);
        let plan = crate::test_support::query_plan(
            &s,
            &crate::views::page_sql(view, true),
            rusqlite::params_from_iter(params),
        );
        assert!(plan.contains("USING INDEX threads_"), "{view:?}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{view:?}: {plan}");
    }
}

/// The counts as a scan finds them (what migration 15's triggers must keep).
fn recounted(s: &Store) -> ViewCounts {
    let mut counts = ViewCounts::default();
    let n = |sql: &str| -> i64 { s.conn.query_row(sql, [], |r| r.get(0)).expect("count") };
    counts.open = n("SELECT COUNT(*) FROM threads WHERE status = 'open'");
    counts.pending = n("SELECT COUNT(*) FROM threads WHERE status = 'pending'");
    counts.snoozed = n("SELECT COUNT(*) FROM threads WHERE status = 'snoozed'");
    counts.resolved = n("SELECT COUNT(*) FROM threads WHERE status = 'resolved'");
    counts.unread = n("SELECT COUNT(*) FROM threads WHERE unread_count > 0");
    counts.waiting =
        n("SELECT COUNT(*) FROM threads WHERE status = 'open' AND waiting_since IS NOT NULL");
    let mut stmt = s
        .conn
        .prepare(
            "SELECT account_id, COUNT(*) FROM threads WHERE status = 'open'
             GROUP BY account_id ORDER BY account_id",
        )
        .expect("prepare");
    counts.accounts = stmt
        .query_map([], |r| {
            Ok(AccountCount {
                account: AccountId(r.get(0)?),
                count: r.get(1)?,
            })
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let mut stmt = s
        .conn
        .prepare(
            "SELECT tl.label_id, COUNT(*) FROM thread_labels tl
               JOIN threads t ON t.id = tl.thread_id AND t.status = 'open'
             GROUP BY tl.label_id ORDER BY tl.label_id",
        )
        .expect("prepare");
    counts.labels = stmt
        .query_map([], |r| {
            Ok(LabelCount {
                label: LabelId(r.get(0)?),
                count: r.get(1)?,
            })
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    counts
}

fn same_counts(s: &Store) {
    let mut kept = s.view_counts().expect("counts");
    kept.channels.clear();
    assert_eq!(kept, recounted(s));
}

#[test]
fn counts_stay_right_when_conversations_accounts_and_labels_go() {
    let mut s = Store::open_in_memory().expect("open");
    let shop = add_account(&mut s, ChannelKind::Telegram, "shop");
    let sms = add_account(&mut s, ChannelKind::Sms, "+15550100");
    let vip = s.create_label("VIP", "#7c3aed", 0).expect("label");
    let mut all = Vec::new();
    for i in 0..6 {
        let a = if i % 2 == 0 { shop } else { sms };
        all.push(write(&mut s, a, &format!("c{i}"), &format!("m{i}"), 10 + i));
    }
    s.change_threads(&all, &ThreadChange::AddLabel { label: vip.id }, 20)
        .expect("label");
    s.change_threads(&all[..2], &ThreadChange::Resolve { send_queued: None }, 21)
        .expect("resolve");
    s.queue_reply(all[3], "on it", "Agent", 22).expect("reply");
    same_counts(&s);
    let before = s.view_counts().expect("counts");
    assert_eq!((before.open, before.resolved, before.waiting), (4, 2, 3));
    assert_eq!(
        before.labels,
        [LabelCount {
            label: vip.id,
            count: 4
        }]
    );
    assert_eq!(
        before.channels,
        [
            ChannelCount {
                channel: ChannelKind::Telegram,
                count: 2
            },
            ChannelCount {
                channel: ChannelKind::Sms,
                count: 2
            }
        ]
    );

    // A conversation deleted (an email thread merged into another does this).
    s.conn
        .execute("DELETE FROM threads WHERE id = ?1", [all[2].0])
        .expect("delete");
    same_counts(&s);
    // A whole account removed: its conversations and their labels go with it.
    s.remove_account(sms).expect("remove");
    same_counts(&s);
    let after = s.view_counts().expect("counts");
    assert_eq!(after.open, 1);
    assert_eq!(after.accounts.len(), 1);
    s.delete_label(vip.id).expect("delete label");
    same_counts(&s);
    assert!(s.view_counts().expect("counts").labels.is_empty());
}

#[test]
fn the_waiting_time_is_two_seeks_whatever_the_conversation_length() {
    let s = Store::open_in_memory().expect("open");
    let plan = crate::test_support::query_plan(&s, crate::workflow::WAITING_SINCE, [1]);
    assert!(
        plan.contains("COVERING INDEX messages_thread_outbound (thread_id=?)"),
        "{plan}"
    );
    assert!(
        plan.contains("USING INDEX messages_thread_time (thread_id=? AND sent_at>?)"),
        "{plan}"
    );
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}
