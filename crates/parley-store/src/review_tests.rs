//! The review list and the measures it reads, against hand-computed fixtures.

use crate::Store;
use crate::review::targets_from_json;
use crate::test_support::{account, inbound};
use parley_domain::*;

const MIN: i64 = 60_000;
const T0: Millis = 1_780_000_000_000;

pub(crate) fn outbound(chat: &str, id: &str, text: &str, at: Millis) -> IncomingMessage {
    let mut m = inbound(chat, id, text, at);
    m.direction = Direction::Outbound;
    m.sender = RemotePerson {
        remote_id: "agent".into(),
        display_name: "Alex".into(),
        handle: None,
    };
    m
}

/// Stores `messages` (their ids are made unique per conversation: "{chat}-{id}").
pub(crate) fn ingest(
    s: &mut Store,
    a: AccountId,
    mut messages: Vec<IncomingMessage>,
) -> Vec<ThreadId> {
    for m in &mut messages {
        m.remote_id = format!("{}-{}", m.remote_thread_id, m.remote_id);
    }
    let batch = IngestBatch {
        messages,
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, T0)
        .expect("ingest")
        .changed_threads
}

pub(crate) fn row(s: &Store, t: ThreadId, now: Millis) -> ReviewRow {
    s.review_row(t, &targets_from_json(None), now, false)
        .expect("row")
        .expect("exists")
}

#[test]
fn first_response_is_the_first_answer_after_the_customer_wrote() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "bot");
    // The business wrote first (a greeting): not a response to anything.
    let t = ingest(&mut s, a, vec![outbound("1", "g", "Welcome!", T0)])[0];
    assert_eq!(row(&s, t, T0).first_response_ms, None);
    ingest(
        &mut s,
        a,
        vec![
            inbound("1", "q", "Where is my order?", T0 + 5 * MIN),
            outbound("1", "r", "On its way", T0 + 17 * MIN),
            outbound("1", "r2", "Anything else?", T0 + 18 * MIN),
        ],
    );
    let r = row(&s, t, T0 + 60 * MIN);
    assert_eq!(r.started_at, Some(T0));
    assert_eq!(r.first_response_ms, Some(12 * MIN));
    assert_eq!(r.first_responder.as_deref(), Some("Alex"));
    assert_eq!(r.message_count, 4);
    assert!(
        !r.slow,
        "12 minutes is within the 30-minute Telegram target"
    );
}

#[test]
fn a_rules_message_is_no_first_response() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "bot");
    let t = ingest(&mut s, a, vec![inbound("1", "q", "Where is my order?", T0)])[0];
    let bot = AutomatedBy::new(AutomationKind::FaqBot, "Where is my order");
    s.queue_automated(t, "What is your order number?", &bot, None, T0 + MIN)
        .expect("the bot's question");
    assert_eq!(
        row(&s, t, T0 + 2 * MIN).first_response_ms,
        None,
        "the bot is not a person"
    );
    ingest(
        &mut s,
        a,
        vec![outbound("1", "r", "On its way", T0 + 20 * MIN)],
    );
    assert_eq!(row(&s, t, T0 + 21 * MIN).first_response_ms, Some(20 * MIN));
}

#[test]
fn a_late_arriving_older_message_moves_the_measures() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Sms, "+1");
    let t = ingest(
        &mut s,
        a,
        vec![
            inbound("1", "q2", "hello?", T0 + 50 * MIN),
            outbound("1", "r", "Hi", T0 + 60 * MIN),
        ],
    )[0];
    assert_eq!(row(&s, t, T0).first_response_ms, Some(10 * MIN));
    // The customer's first message arrives late (out of order): it was written at T0.
    ingest(&mut s, a, vec![inbound("1", "q1", "hi", T0)]);
    let r = row(&s, t, T0 + 61 * MIN);
    assert_eq!(r.first_response_ms, Some(60 * MIN));
    assert!(r.slow, "an hour is slower than the 30-minute SMS target");
    assert_eq!(r.started_at, Some(T0));
}

#[test]
fn resolution_follows_the_last_resolve_of_a_reopened_conversation() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "bot");
    let t = ingest(
        &mut s,
        a,
        vec![
            inbound("1", "q", "broken", T0),
            outbound("1", "r", "fixed", T0 + 5 * MIN),
        ],
    )[0];
    let resolve = ThreadChange::Resolve { send_queued: None };
    s.change_threads(&[t], &resolve, T0 + 10 * MIN)
        .expect("resolve");
    assert_eq!(row(&s, t, T0).resolved_at, Some(T0 + 10 * MIN));
    // The customer writes again: open, not resolved any more.
    ingest(
        &mut s,
        a,
        vec![inbound("1", "q2", "still broken", T0 + 60 * MIN)],
    );
    let r = row(&s, t, T0);
    assert_eq!((r.status, r.resolved_at), (ThreadStatus::Open, None));
    // The first response stays the first one.
    assert_eq!(r.first_response_ms, Some(5 * MIN));
    s.change_threads(&[t], &resolve, T0 + 90 * MIN)
        .expect("resolve");
    assert_eq!(row(&s, t, T0).resolved_at, Some(T0 + 90 * MIN));
    // Undo of a reopen puts the earlier resolution back.
    let out = s
        .change_threads(&[t], &ThreadChange::Reopen, T0 + 95 * MIN)
        .expect("reopen");
    assert_eq!(row(&s, t, T0).resolved_at, None);
    s.restore_threads(&out.before).expect("undo");
    assert_eq!(row(&s, t, T0).resolved_at, Some(T0 + 90 * MIN));
}

fn page(s: &Store, f: &ReviewFilter) -> Vec<ThreadId> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let p = s
            .review_page(f, &targets_from_json(None), T0 + 1000 * MIN, after, 2)
            .expect("page");
        out.extend(p.rows.iter().map(|r| r.thread_id));
        match p.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

#[test]
fn the_filter_finds_what_each_condition_says_and_pages_cover_everything_once() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let mail = account(&mut s, ChannelKind::Email, "shop@example.com");
    // 1: quick answer; 2: slow answer; 3: no answer; 4: email, refund words.
    let t1 = ingest(
        &mut s,
        tg,
        vec![
            inbound("1", "a", "hi", T0),
            outbound("1", "b", "hello", T0 + MIN),
        ],
    )[0];
    let t2 = ingest(
        &mut s,
        tg,
        vec![
            inbound("2", "a", "hi", T0 + 10 * MIN),
            outbound("2", "b", "sorry", T0 + 100 * MIN),
        ],
    )[0];
    let t3 = ingest(
        &mut s,
        tg,
        vec![inbound("3", "a", "anyone?", T0 + 20 * MIN)],
    )[0];
    let t4 = ingest(
        &mut s,
        mail,
        vec![
            inbound("4", "a", "I want a refund", T0 + 30 * MIN),
            outbound("4", "b", "Refund sent", T0 + 200 * MIN),
            inbound("4", "c", "thanks", T0 + 210 * MIN),
        ],
    )[0];
    let all = ReviewFilter::default();
    assert_eq!(page(&s, &all), vec![t4, t3, t2, t1], "newest first");
    let oldest = ReviewFilter {
        descending: false,
        ..all.clone()
    };
    assert_eq!(page(&s, &oldest), vec![t1, t2, t3, t4]);
    let slow = ReviewFilter {
        slow_only: true,
        ..all.clone()
    };
    // t3 waits for ~16 hours (past its target); t4's 170 minutes are within email's 4 hours.
    assert_eq!(page(&s, &slow), vec![t3, t2]);
    let unanswered = ReviewFilter {
        unanswered_only: true,
        ..all.clone()
    };
    assert_eq!(page(&s, &unanswered), vec![t3]);
    let words = ReviewFilter {
        text: Some("refun".into()),
        ..all.clone()
    };
    assert_eq!(page(&s, &words), vec![t4]);
    let email = ReviewFilter {
        channels: vec![ChannelKind::Email],
        ..all.clone()
    };
    assert_eq!(page(&s, &email), vec![t4]);
    let by = ReviewFilter {
        responder: Some("Alex".into()),
        ..all.clone()
    };
    assert_eq!(page(&s, &by), vec![t4, t2, t1]);
    let period = ReviewFilter {
        from: Some(T0 + 5 * MIN),
        to: Some(T0 + 25 * MIN),
        ..all.clone()
    };
    assert_eq!(page(&s, &period), vec![t3, t2]);
    let slowest = ReviewFilter {
        sort: ReviewSort::FirstResponse,
        ..all.clone()
    };
    assert_eq!(
        page(&s, &slowest),
        vec![t4, t2, t1],
        "answered only, slowest first"
    );
    let longest = ReviewFilter {
        sort: ReviewSort::Length,
        ..all.clone()
    };
    assert_eq!(page(&s, &longest), vec![t4, t2, t1, t3]);
    let waiting = ReviewFilter {
        sort: ReviewSort::Wait,
        ..all.clone()
    };
    assert_eq!(page(&s, &waiting), vec![t3, t4], "longest wait first");
    s.add_annotation(
        &AnnotationInput {
            thread_id: t2,
            message_id: None,
            quote: String::new(),
            body: "too slow".into(),
        },
        "Manager",
        T0,
    )
    .expect("annotate");
    let annotated = ReviewFilter {
        annotated_only: true,
        ..all.clone()
    };
    assert_eq!(page(&s, &annotated), vec![t2]);
}

#[test]
fn a_merged_customer_is_one_customer_in_the_filter() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let sms = account(&mut s, ChannelKind::Sms, "+1");
    let t1 = ingest(&mut s, tg, vec![inbound("1", "a", "hi", T0)])[0];
    let t2 = ingest(&mut s, sms, vec![inbound("2", "a", "hi again", T0 + MIN)])[0];
    let (c1, c2) = (row(&s, t1, T0).contact_id, row(&s, t2, T0).contact_id);
    s.merge_contacts(
        &MergeChoice {
            survivor: c1,
            absorbed: c2,
            name_from: c1,
            attributes_from: c1,
        },
        T0,
    )
    .expect("merge");
    let f = ReviewFilter {
        contact: Some(c1),
        ..ReviewFilter::default()
    };
    assert_eq!(page(&s, &f), vec![t2, t1]);
    let threads = s.contact_thread_ids(c1).expect("threads");
    let transcript = s.transcript_page(&threads, None, 10).expect("transcript");
    let texts: Vec<&str> = transcript
        .messages
        .iter()
        .map(|m| m.message.text.as_str())
        .collect();
    assert_eq!(texts, vec!["hi", "hi again"]);
    assert_eq!(
        transcript
            .messages
            .iter()
            .map(|m| m.channel)
            .collect::<Vec<_>>(),
        vec![ChannelKind::Telegram, ChannelKind::Sms]
    );
}

#[test]
fn the_first_page_walks_an_index() {
    let s = Store::open_in_memory().expect("open");
    let (sql, p) = super::review_sql(
        &ReviewFilter::default(),
        &targets_from_json(None),
        T0,
        None,
        Some(51),
        super::WordsPlan::Rare,
    )
    .expect("sql");
    let plan = crate::test_support::query_plan(&s, &sql, rusqlite::params_from_iter(p));
    assert!(plan.contains("threads_review_started"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}

#[test]
fn annotations_and_scores_are_kept_and_checked() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let t = ingest(&mut s, tg, vec![inbound("1", "a", "hi", T0)])[0];
    let other = ingest(&mut s, tg, vec![inbound("2", "a", "x", T0)])[0];
    let m = s.transcript_page(&[t], None, 5).expect("page").messages[0]
        .message
        .id;
    let foreign = s.transcript_page(&[other], None, 5).expect("page").messages[0]
        .message
        .id;
    let note = |message_id, body: &str| AnnotationInput {
        thread_id: t,
        message_id,
        quote: "hi".into(),
        body: body.into(),
    };
    assert!(
        s.add_annotation(&note(Some(foreign), "x"), "M", T0)
            .is_err(),
        "another conversation's message"
    );
    assert!(
        s.add_annotation(&note(Some(m), "  "), "M", T0).is_err(),
        "empty"
    );
    let a = s
        .add_annotation(&note(Some(m), "should have offered a refund"), "M", T0)
        .expect("add");
    assert_eq!((a.message_id, a.quote.as_str()), (Some(m), "hi"));
    let found = s
        .annotations(
            &AnnotationFilter {
                text: Some("REFUND".into()),
                ..Default::default()
            },
            10,
        )
        .expect("list");
    assert_eq!(found, vec![a.clone()]);
    let edited = s
        .update_annotation(a.id, "offer a refund next time", T0 + 1)
        .expect("edit");
    assert_eq!(edited.updated_at, T0 + 1);
    let greeted = s
        .add_checklist_item("Greeted", ChecklistKind::YesNo, T0)
        .expect("item");
    let polite = s
        .add_checklist_item("Polite", ChecklistKind::Scale, T0)
        .expect("item");
    assert!(s.set_score(t, greeted.id, Some(2), "M", T0).is_err());
    assert!(s.set_score(t, polite.id, Some(0), "M", T0).is_err());
    s.set_score(t, greeted.id, Some(1), "M", T0).expect("score");
    s.set_score(t, polite.id, Some(4), "M", T0).expect("score");
    s.set_score(t, polite.id, Some(5), "M", T0 + 1)
        .expect("rescore");
    let scores: Vec<(i64, i64)> = s
        .scores(t)
        .expect("scores")
        .iter()
        .map(|x| (x.item_id, x.score))
        .collect();
    assert_eq!(scores, vec![(greeted.id, 1), (polite.id, 5)]);
    assert_eq!(row(&s, t, T0).annotations, 3);
    s.remove_checklist_item(polite.id).expect("remove");
    assert_eq!(s.scores(t).expect("scores").len(), 1);
    s.delete_annotation(a.id).expect("delete");
    assert_eq!(row(&s, t, T0).annotations, 1);
}
