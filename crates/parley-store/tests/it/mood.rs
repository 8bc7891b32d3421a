//! The customer's mood in the store: scored at ingest, a flag on the conversation until an
//! answer or resolving, priority raised and never lowered, the Mood view's order and paging,
//! and the queue and answered waits spike mode reads.

use crate::common::{bot_account, inbound};
use parley_domain::*;
use parley_store::Store;

const MIN: Millis = 60_000;

fn outbound(chat: &str, id: &str, cust: &str, text: &str, at: Millis) -> IncomingMessage {
    IncomingMessage {
        direction: Direction::Outbound,
        sender: RemotePerson {
            remote_id: "bot".into(),
            display_name: "Support".into(),
            handle: None,
        },
        ..inbound(chat, id, cust, text, at)
    }
}

fn ingest(s: &mut Store, a: AccountId, messages: Vec<IncomingMessage>) {
    let batch = IngestBatch {
        messages,
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 1).expect("ingest");
}

fn thread(s: &Store, chat_name: &str) -> ThreadSummary {
    s.list_threads(None, 100)
        .expect("list")
        .threads
        .into_iter()
        .find(|t| t.contact_name == format!("Customer {chat_name}"))
        .expect("thread")
}

#[test]
fn an_angry_message_flags_and_raises_priority_until_answered() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    ingest(
        &mut s,
        a,
        vec![inbound(
            "c1",
            "1",
            "1",
            "Hi, do you ship to Spain?",
            10 * MIN,
        )],
    );
    let t = thread(&s, "1");
    assert_eq!(t.mood, None);
    assert_eq!(t.priority, PRIORITY_NONE);

    ingest(
        &mut s,
        a,
        vec![inbound(
            "c1",
            "2",
            "1",
            "This is the worst service ever. I am furious!!",
            11 * MIN,
        )],
    );
    let t = thread(&s, "1");
    let mood = t.mood.expect("flagged");
    assert_eq!(mood.kind, MoodKind::Angry);
    assert!(mood.severity >= 45, "{mood:?}");
    assert_eq!(mood.since, 11 * MIN);
    assert_eq!(t.priority, 3, "raised to high");

    // A calmer message later keeps the flag (the most upset unanswered one counts).
    ingest(&mut s, a, vec![inbound("c1", "3", "1", "ok", 12 * MIN)]);
    assert!(thread(&s, "1").mood.is_some());

    // An automated message is no answer: the flag stays.
    let by = AutomatedBy::new(AutomationKind::SpikeAck, "Busy acknowledgement");
    s.queue_automated(t.id, "We got your message", &by, None, 12 * MIN + 1)
        .expect("automated");
    assert!(thread(&s, "1").mood.is_some());

    // The agent's answer clears it; the priority stays as raised.
    let queued = s.queue_reply(t.id, "So sorry, fixing it now", "Agent", 13 * MIN);
    queued.expect("reply");
    let t = thread(&s, "1");
    assert_eq!(t.mood, None);
    assert_eq!(t.priority, 3);
}

#[test]
fn priority_is_never_lowered_and_angry_plus_urgent_is_urgent() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    ingest(&mut s, a, vec![inbound("c1", "1", "1", "hello", MIN)]);
    let t = thread(&s, "1");
    s.change_threads(&[t.id], &ThreadChange::SetPriority { priority: 4 }, 2 * MIN)
        .expect("set priority");
    ingest(
        &mut s,
        a,
        vec![inbound(
            "c1",
            "2",
            "1",
            "Where is my order?? Need it ASAP",
            3 * MIN,
        )],
    );
    let t = thread(&s, "1");
    assert_eq!(t.mood.map(|m| m.kind), Some(MoodKind::Urgent));
    assert_eq!(t.priority, 4, "the agent's urgent stays");

    ingest(
        &mut s,
        a,
        vec![inbound(
            "c2",
            "3",
            "2",
            "Absolutely disgusting service, refund me immediately or my lawyer will call",
            4 * MIN,
        )],
    );
    let t = thread(&s, "2");
    assert!(t.mood.expect("flagged").angry_and_urgent);
    assert_eq!(t.priority, PRIORITY_URGENT);
}

#[test]
fn a_catch_up_that_holds_the_answer_leaves_no_flag_and_resolving_clears_one() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    ingest(
        &mut s,
        a,
        vec![
            inbound(
                "c1",
                "1",
                "1",
                "Terrible, the parcel arrived smashed 😡",
                MIN,
            ),
            outbound("c1", "2", "1", "Sorry! A new one is on its way.", 2 * MIN),
        ],
    );
    assert_eq!(thread(&s, "1").mood, None);

    ingest(
        &mut s,
        a,
        vec![inbound(
            "c2",
            "3",
            "2",
            "You people are useless 😡",
            3 * MIN,
        )],
    );
    let t = thread(&s, "2");
    assert!(t.mood.is_some());
    s.change_threads(
        &[t.id],
        &ThreadChange::Resolve { send_queued: None },
        4 * MIN,
    )
    .expect("resolve");
    assert_eq!(thread(&s, "2").mood, None);
}

#[test]
fn the_mood_view_lists_flagged_first_then_longest_waiting_page_by_page() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    // Five calm customers and three upset ones, at different times.
    let texts = [
        ("1", "Do you have this in blue?", 1),
        ("2", "I'm furious, nobody answers me!!", 2),
        ("3", "What are your opening hours?", 3),
        (
            "4",
            "Still waiting for my refund, please process it asap",
            4,
        ),
        ("5", "thanks", 5),
        (
            "6",
            "Worst company ever, refund me now or I call my lawyer",
            6,
        ),
        ("7", "Can I pay by card?", 7),
        ("8", "Is shipping free?", 8),
    ];
    for (c, text, at) in texts {
        ingest(
            &mut s,
            a,
            vec![inbound(&format!("c{c}"), c, c, text, at * MIN)],
        );
    }
    let mut order = Vec::new();
    let mut cursor = None;
    loop {
        let page = s.list_view(ThreadView::Mood, cursor, 3).expect("page");
        order.extend(
            page.threads
                .iter()
                .map(|t| t.contact_name.replace("Customer ", "")),
        );
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    // Angry and pressing first, then flagged by longest wait, then the rest by longest wait.
    assert_eq!(order, ["6", "2", "4", "1", "3", "5", "7", "8"]);
}

#[test]
fn the_queue_and_the_answered_waits() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    ingest(&mut s, a, vec![inbound("c1", "1", "1", "hello", 10 * MIN)]);
    ingest(&mut s, a, vec![inbound("c2", "2", "2", "hi", 20 * MIN)]);
    ingest(&mut s, a, vec![inbound("c3", "3", "3", "hey", 30 * MIN)]);
    let q = s.queue_stats(18 * MIN).expect("queue");
    assert_eq!(
        (q.waiting, q.longest_since, q.arrivals),
        (3, Some(10 * MIN), 2)
    );
    // A blocked customer is in no queue: the longest wait is then the next one's.
    let first = thread(&s, "1").contact_id;
    let block = |blocked| parley_domain::ContactMarksChange {
        vip: None,
        blocked: Some(blocked),
    };
    s.set_contact_marks(first, block(true)).expect("block");
    let q = s.queue_stats(18 * MIN).expect("queue");
    assert_eq!(
        (q.waiting, q.longest_since, q.arrivals),
        (2, Some(20 * MIN), 2)
    );
    let second = thread(&s, "2").contact_id;
    s.set_contact_marks(second, block(true)).expect("block");
    let q = s.queue_stats(18 * MIN).expect("queue");
    assert_eq!(
        (q.waiting, q.longest_since, q.arrivals),
        (1, Some(30 * MIN), 1)
    );
    s.set_contact_marks(first, block(false)).expect("unblock");
    s.set_contact_marks(second, block(false)).expect("unblock");

    let t1 = thread(&s, "1");
    // An automated acknowledgement is no answer: the customer still waits, nothing is recorded.
    let by = AutomatedBy::new(AutomationKind::SpikeAck, "Busy acknowledgement");
    s.queue_automated(t1.id, "We got your message", &by, None, 31 * MIN)
        .expect("automated");
    assert_eq!(s.queue_stats(18 * MIN).expect("queue").waiting, 3);
    assert!(s.recent_response_waits(0, 10).expect("waits").is_empty());
    s.queue_reply(t1.id, "answer", "Agent", 35 * MIN)
        .expect("reply");
    s.queue_reply(t1.id, "and more", "Agent", 36 * MIN)
        .expect("reply");
    ingest(
        &mut s,
        a,
        vec![outbound("c2", "4", "2", "answered elsewhere", 28 * MIN)],
    );
    assert_eq!(s.queue_stats(18 * MIN).expect("queue").waiting, 1);
    // One wait per answer to it: 25 and 8 minutes, newest first.
    assert_eq!(
        s.recent_response_waits(0, 10).expect("waits"),
        [25 * MIN, 8 * MIN]
    );
}

#[test]
fn a_happy_message_after_the_flagged_ones_clears_the_flag() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    ingest(
        &mut s,
        a,
        vec![inbound(
            "c1",
            "1",
            "1",
            "Terrible service, I'm furious!",
            MIN,
        )],
    );
    assert!(thread(&s, "1").mood.is_some());
    ingest(
        &mut s,
        a,
        vec![inbound(
            "c1",
            "2",
            "1",
            "Oh it arrived, perfect, thank you so much!",
            2 * MIN,
        )],
    );
    assert_eq!(thread(&s, "1").mood, None);
    // In one batch: angry, then happy leaves no flag; happy, then angry does.
    ingest(
        &mut s,
        a,
        vec![
            inbound("c2", "3", "2", "Worst company ever 😡", 3 * MIN),
            inbound("c2", "4", "2", "sorted now, thanks, great help!", 4 * MIN),
            inbound("c3", "5", "3", "thanks, great help!", 3 * MIN),
            inbound(
                "c3",
                "6",
                "3",
                "no wait, it's broken again. Unacceptable!",
                4 * MIN,
            ),
        ],
    );
    assert_eq!(thread(&s, "2").mood, None);
    assert!(thread(&s, "3").mood.is_some());
}
