//! Retention: exactly the conversations resolved before the cut-off go, whole, leaving no trace
//! in any file; a batch is one transaction; an interrupted run is finished by the next; a later
//! sync does not bring the deleted messages back.

use crate::common::{account, bot_account, files_holding, inbound};
use parley_domain::*;
use parley_store::*;

const MARK: &str = "qzvx-retention-4417";

/// `n` messages from the customer of `chat`, the first at `at`, one with a photo; its thread.
fn conversation(
    s: &mut Store,
    a: AccountId,
    chat: &str,
    text: &str,
    n: i64,
    at: Millis,
) -> ThreadId {
    let mut messages: Vec<IncomingMessage> = (0..n)
        .map(|i| {
            inbound(
                chat,
                &format!("{chat}:{i}"),
                chat,
                &format!("{text} {i}"),
                at + i,
            )
        })
        .collect();
    messages[0].attachments = vec![Attachment {
        kind: AttachmentKind::Photo,
        remote_ref: Some(format!("file-{chat}")),
        file_name: Some("receipt.jpg".into()),
        mime_type: Some("image/jpeg".into()),
        size: Some(10),
        description: None,
    }];
    let batch = IngestBatch {
        messages,
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at + n)
        .expect("ingest")
        .changed_threads[0]
}

fn resolve(s: &mut Store, t: ThreadId, at: Millis) {
    let out = s
        .change_threads(&[t], &ThreadChange::Resolve { send_queued: None }, at)
        .expect("resolve");
    assert!(out.applied);
}

fn exists(s: &Store, t: ThreadId) -> bool {
    s.thread_summaries(&[t]).expect("summaries").len() == 1
}

fn run(s: &mut Store, a: AccountId, cutoff: Millis, limit: u32, now: Millis) -> (i64, i64) {
    s.begin_retention_run(a, cutoff, now).expect("begin");
    let mut total = (0, 0);
    loop {
        let b = s.purge_resolved_batch(a, cutoff, limit).expect("batch");
        if b.conversations == 0 {
            break;
        }
        total.0 += b.conversations;
        total.1 += b.messages;
    }
    s.compact_after_purge().expect("compact");
    s.finish_retention_run(a, now, None).expect("finish");
    total
}

#[test]
fn exactly_the_conversations_resolved_before_the_cutoff_go_and_leave_no_trace() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open(&dir.path().join("parley.sqlite3")).expect("open");
    let a = bot_account(&mut s);
    let other = account(&mut s, ChannelKind::Sms, "+15550100");
    let cutoff: Millis = 10_000;

    let old = conversation(&mut s, a, "old", MARK, 5, 100);
    resolve(&mut s, old, 1_000);
    s.save_draft(old, &format!("draft {MARK}"), 1_001)
        .expect("draft");
    let just_before = conversation(&mut s, a, "before", "just before", 3, 200);
    resolve(&mut s, just_before, cutoff - 1);
    let at_cutoff = conversation(&mut s, a, "at", "at the cut-off", 2, 300);
    resolve(&mut s, at_cutoff, cutoff);
    let open = conversation(&mut s, a, "open", "never resolved", 2, 400);
    let reopened = conversation(&mut s, a, "reopened", "reopened", 2, 500);
    resolve(&mut s, reopened, 600);
    s.change_threads(&[reopened], &ThreadChange::Reopen, 700)
        .expect("reopen");
    let elsewhere = conversation(&mut s, other, "elsewhere", "other account", 2, 100);
    resolve(&mut s, elsewhere, 1_000);
    assert!(!s.search(MARK, 10).expect("search").is_empty());

    // The preview counts exactly what goes.
    let count = s.retention_count(a, cutoff).expect("count");
    assert_eq!(
        count,
        RetentionCount {
            conversations: 2,
            messages: 8,
            oldest_resolved_at: Some(1_000),
            newest_resolved_at: Some(cutoff - 1),
        }
    );
    // One conversation per batch: each batch takes whole conversations.
    assert_eq!(run(&mut s, a, cutoff, 1, 20_000), (2, 8));
    assert!(!exists(&s, old) && !exists(&s, just_before));
    for kept in [at_cutoff, open, reopened, elsewhere] {
        assert!(exists(&s, kept), "{kept:?} went");
    }
    assert_eq!(
        s.retention_count(a, cutoff).expect("count").conversations,
        0
    );
    let rows = s.retention_rows().expect("rows");
    let last = rows[0].last_run.clone().expect("run");
    assert_eq!(
        (
            last.conversations,
            last.messages,
            last.finished_at,
            last.cutoff
        ),
        (2, 8, Some(20_000), cutoff)
    );

    // Nothing of it is searchable or in any file; its files wait for the core to remove them.
    assert!(s.search(MARK, 10).expect("search").is_empty());
    assert_eq!(files_holding(dir.path(), MARK), Vec::<String>::new());
    let files = s.purged_files(10).expect("files");
    let mut keys: Vec<&str> = files.iter().map(|f| f.message_key.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["before:0", "old:0"]);
    assert_eq!(
        files[0].attachments[0].file_name.as_deref(),
        Some("receipt.jpg")
    );
    s.forget_purged_files(&files.iter().map(|f| f.id).collect::<Vec<_>>())
        .expect("forget");
    assert!(s.purged_files(10).expect("files").is_empty());

    // The provider hands the old messages again: they stay out. A new message comes in.
    let replay = IngestBatch {
        messages: (0..5)
            .map(|i| {
                inbound(
                    "old",
                    &format!("old:{i}"),
                    "old",
                    &format!("{MARK} {i}"),
                    100 + i,
                )
            })
            .collect(),
        ..Default::default()
    };
    let out = s.apply_batch(a, &replay, None, 30_000).expect("replay");
    assert!(out.changed_threads.is_empty());
    assert!(s.search(MARK, 10).expect("search").is_empty());
    let again = IngestBatch {
        messages: vec![inbound("old", "old:new", "old", "Hello again", 30_000)],
        ..Default::default()
    };
    let t = s
        .apply_batch(a, &again, None, 30_000)
        .expect("new")
        .changed_threads[0];
    assert_eq!(s.messages(t, None, 10).expect("messages").messages.len(), 1);
    // The same provider ids on another account are other messages.
    let elsewhere_replay = IngestBatch {
        messages: vec![inbound(
            "old",
            "old:0",
            "old",
            "same id, other account",
            100,
        )],
        ..Default::default()
    };
    let out = s
        .apply_batch(other, &elsewhere_replay, None, 30_000)
        .expect("other");
    assert_eq!(out.changed_threads.len(), 1);
}

#[test]
fn a_failing_batch_deletes_nothing_and_an_interrupted_run_is_finished_by_the_next() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("parley.sqlite3");
    let mut s = Store::open(&path).expect("open");
    let a = bot_account(&mut s);
    let threads: Vec<ThreadId> = (0..4)
        .map(|i| {
            let t = conversation(&mut s, a, &format!("c{i}"), "words", 3, 100 * i);
            resolve(&mut s, t, 1_000 + i);
            t
        })
        .collect();
    // A failure in the middle of a batch (the third conversation's delete): the whole batch,
    // its remembered ids and queued files included, rolls back.
    {
        let side = rusqlite::Connection::open(&path).expect("side");
        side.execute_batch(&format!(
            "CREATE TRIGGER crash BEFORE DELETE ON threads WHEN OLD.id = {}
             BEGIN SELECT RAISE(ABORT, 'crash'); END;",
            threads[2].0
        ))
        .expect("trigger");
    }
    s.begin_retention_run(a, 5_000, 10_000).expect("begin");
    assert_eq!(
        s.purge_resolved_batch(a, 5_000, 2)
            .expect("first")
            .conversations,
        2
    );
    assert!(s.purge_resolved_batch(a, 5_000, 2).is_err());
    assert!(!exists(&s, threads[0]) && !exists(&s, threads[1]));
    for &t in &threads[2..] {
        assert!(exists(&s, t));
        assert_eq!(s.messages(t, None, 10).expect("messages").messages.len(), 3);
    }
    assert_eq!(s.purged_files(10).expect("files").len(), 2);
    // The process dies here: the run stays open with what it did.
    drop(s);
    {
        let side = rusqlite::Connection::open(&path).expect("side");
        side.execute_batch("DROP TRIGGER crash").expect("drop");
    }
    let mut s = Store::open(&path).expect("reopen");
    assert_eq!(
        s.unfinished_retention_runs().expect("open"),
        vec![(a, 5_000)]
    );
    let run = s.retention_rows().expect("rows")[0]
        .last_run
        .clone()
        .expect("run");
    assert_eq!(
        (run.conversations, run.messages, run.finished_at),
        (2, 6, None)
    );
    // The next pass carries on: the counts add up to the whole run.
    s.begin_retention_run(a, 5_000, 20_000).expect("resume");
    while s
        .purge_resolved_batch(a, 5_000, 2)
        .expect("batch")
        .conversations
        > 0
    {}
    s.finish_retention_run(a, 20_000, None).expect("finish");
    let run = s.retention_rows().expect("rows")[0]
        .last_run
        .clone()
        .expect("run");
    assert_eq!(
        (
            run.started_at,
            run.conversations,
            run.messages,
            run.finished_at
        ),
        (10_000, 4, 12, Some(20_000))
    );
    assert!(s.unfinished_retention_runs().expect("open").is_empty());
    assert!(threads.iter().all(|&t| !exists(&s, t)));
    // A new run starts its counts afresh.
    s.begin_retention_run(a, 5_000, 30_000).expect("again");
    let run = s.retention_rows().expect("rows")[0]
        .last_run
        .clone()
        .expect("run");
    assert_eq!((run.started_at, run.conversations), (30_000, 0));
}

#[test]
fn a_policy_is_months_within_range_on_a_known_account() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open(&dir.path().join("parley.sqlite3")).expect("open");
    let a = bot_account(&mut s);
    assert!(s.retention_rows().expect("rows").is_empty());
    s.set_retention_months(a, Some(6), 1).expect("set");
    assert!(matches!(
        s.set_retention_months(a, Some(0), 2),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.set_retention_months(a, Some(RETENTION_MONTHS_MAX + 1), 2),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.set_retention_months(AccountId(999), Some(6), 2),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.retention_rows().expect("rows")[0].months, Some(6));
    s.set_retention_months(a, None, 3).expect("off");
    assert_eq!(s.retention_rows().expect("rows")[0].months, None);
}
