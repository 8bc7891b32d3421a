//! Email threads split by a newest-first sync (a reply stored before the mail it answers) are
//! joined when the parent arrives, in the batch's transaction, losing nothing that pointed at
//! the vanished thread.

use parley_domain::*;
use parley_store::{Begin, IngestOutcome, Recheck, Store, StoredFile, ThreadMerge};

use crate::common;
use common::{account, parents, thread_of};

/// A mail whose adapter proposed `thread` (the root it saw in References).
fn mail(id: &str, thread: &str, at: Millis) -> IncomingMessage {
    common::mail(id, thread, ("anna@x", "Anna"), at)
}

/// One page of a sync: `(id, proposed thread, time, parents)`.
fn page(s: &mut Store, a: AccountId, mails: &[(&str, &str, Millis, &[&str])]) -> IngestOutcome {
    s.apply_batch(
        a,
        &IngestBatch {
            messages: mails
                .iter()
                .map(|(id, t, at, _)| mail(id, t, *at))
                .collect(),
            reply_parents: mails
                .iter()
                .filter(|(_, _, _, p)| !p.is_empty())
                .map(|(id, _, _, p)| parents(id, p))
                .collect(),
            ..Default::default()
        },
        None,
        0,
    )
    .expect("batch")
}

fn threads(s: &Store) -> Vec<ThreadSummary> {
    s.list_threads(None, 100).expect("threads").threads
}

fn texts(s: &Store, t: ThreadId) -> Vec<String> {
    s.messages(t, None, 100)
        .expect("messages")
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect()
}

#[test]
fn a_reply_stored_before_its_parent_joins_the_parents_thread_when_it_arrives() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    // Newest page first: the reply names only its direct parent (p@x), which names the root.
    page(&mut s, a, &[("reply@x", "p@x", 30, &["p@x"])]);
    let split = thread_of(&s, "reply@x");
    page(&mut s, a, &[("root@x", "root@x", 10, &[])]);
    assert_eq!(threads(&s).len(), 2, "nothing to join yet");

    let out = page(&mut s, a, &[("p@x", "root@x", 20, &["root@x"])]);
    let root = thread_of(&s, "root@x");
    assert_eq!(threads(&s).len(), 1, "one conversation");
    assert_eq!(thread_of(&s, "reply@x"), root);
    assert_eq!(
        texts(&s, root),
        ["text of root@x", "text of p@x", "text of reply@x"]
    );
    assert_eq!(
        out.merged_threads,
        [ThreadMerge {
            from: split,
            into: root
        }]
    );
    assert!(out.changed_threads.contains(&root));
    assert!(!out.changed_threads.contains(&split));
    assert!(s.thread(split).expect("lookup").is_none());
    let summary = s.thread(root).expect("thread").expect("exists");
    assert_eq!(summary.unread_count, 3, "every unread mail still counts");
    assert_eq!(summary.snippet, "text of reply@x", "the newest message");
    assert_eq!(summary.last_activity_at, 30);
    // Nothing left waiting.
    let out = page(&mut s, a, &[("later@x", "root@x", 40, &["reply@x"])]);
    assert!(out.merged_threads.is_empty());
    assert_eq!(threads(&s).len(), 1);
}

#[test]
fn a_chain_arriving_in_reverse_order_ends_in_one_thread() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    // Each mail names only its direct parent; newest first, one per page.
    let mut merged = Vec::new();
    for mail in [
        ("d@x", "c@x", 40, &["c@x"][..]),
        ("c@x", "b@x", 30, &["b@x"][..]),
        ("b@x", "a@x", 20, &["a@x"][..]),
        ("a@x", "a@x", 10, &[][..]),
    ] {
        merged.extend(page(&mut s, a, &[mail]).merged_threads);
    }
    assert_eq!(threads(&s).len(), 1);
    let t = thread_of(&s, "a@x");
    assert_eq!(texts(&s, t).len(), 4);
    // d's thread joined c's when c came, that one a's when b came (b was filed under a@x).
    assert_eq!(merged.len(), 2, "{merged:?}");
    assert_eq!(merged[1].into, t);
    assert_eq!(s.thread(t).expect("t").expect("t").unread_count, 4);

    // The same chain reversed inside one page (newest first within the batch too).
    let b = account(&mut s, ChannelKind::Email, "other@shop.test");
    let out = page(
        &mut s,
        b,
        &[
            ("z4@x", "z3@x", 40, &["z3@x"]),
            ("z3@x", "z2@x", 30, &["z2@x"]),
            ("z2@x", "z1@x", 20, &["z1@x"]),
            ("z1@x", "z1@x", 10, &[]),
        ],
    );
    let z = thread_of(&s, "z1@x");
    for id in ["z2@x", "z3@x", "z4@x"] {
        assert_eq!(thread_of(&s, id), z, "{id}");
    }
    assert_eq!(out.merged_threads.len(), 2);
    assert!(out.merged_threads.iter().all(|m| m.into == z));
    assert!(out.new_messages.iter().all(|m| m.thread_id == z));
    assert_eq!(out.changed_threads, [z]);
    assert_eq!(threads(&s).len(), 2);
}

#[test]
fn drafts_outbox_items_staged_files_and_mutes_move_with_the_thread() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    page(&mut s, a, &[("reply@x", "p@x", 30, &["p@x"])]);
    page(&mut s, a, &[("root@x", "root@x", 10, &[])]);
    let split = thread_of(&s, "reply@x");
    let root = thread_of(&s, "root@x");

    // Both threads hold a draft; each a queued reply (the root's written first); the split one
    // a staged file and media links, and it is muted.
    s.save_draft(root, "Draft on the root", 5).expect("draft");
    s.save_draft(split, "Draft on the reply", 6).expect("draft");
    let first = s.queue_reply(root, "first reply", "Agent", 7).expect("q1");
    s.save_draft(root, "Draft on the root", 8)
        .expect("draft again");
    let second = s
        .queue_reply(split, "second reply", "Agent", 9)
        .expect("q2");
    s.save_draft(split, "Draft on the reply", 10)
        .expect("draft again");
    let file = StoredFile {
        key: "u1/invoice.pdf".into(),
        path: "/tmp/u1/invoice.pdf".into(),
        file_name: "invoice.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 3,
    };
    let staged = s.stage_file(split, &file, 11).expect("stage");
    s.save_draft_media_links(root, &["https://x.test/a.png".into()], 12)
        .expect("links");
    s.save_draft_media_links(split, &["https://x.test/b.png".into()], 12)
        .expect("links");
    s.set_setting(
        parley_store::NOTIFICATION_PREFS_KEY,
        &format!(r#"{{"enabled":true,"mutedThreads":[{}]}}"#, split.0),
        12,
    )
    .expect("mute");

    let out = page(&mut s, a, &[("p@x", "root@x", 20, &["root@x"])]);
    assert_eq!(out.merged_threads.len(), 1);
    assert_eq!(threads(&s).len(), 1);

    // Both texts kept, the surviving thread's first.
    assert_eq!(
        s.draft(root).expect("draft").as_deref(),
        Some("Draft on the root\n\nDraft on the reply")
    );
    assert_eq!(s.draft(split).expect("draft"), None);
    // The queued replies: both in the root thread, due in the order they were written.
    let due = s.due_outbox(a, 100, 10).expect("due");
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        [first.outbox_id, second.outbox_id]
    );
    assert!(due.iter().all(|i| i.thread_id == root));
    // The second waits while the first is sending (one thread, one order).
    s.outbox_sending(first.outbox_id, 13).expect("sending");
    assert!(s.due_outbox(a, 100, 10).expect("due").is_empty());
    assert!(
        texts(&s, root).iter().any(|t| t == "second reply"),
        "the reply's message moved too"
    );
    // The staged file and the media links follow the draft.
    assert_eq!(s.staged_files(root).expect("files"), [staged]);
    assert_eq!(
        s.draft_media_links(root).expect("links"),
        ["https://x.test/a.png", "https://x.test/b.png"]
    );
    // The mute went with the conversation.
    let prefs = s
        .setting(parley_store::NOTIFICATION_PREFS_KEY)
        .expect("prefs")
        .expect("stored");
    assert_eq!(
        prefs,
        format!(r#"{{"enabled":true,"mutedThreads":[{}]}}"#, root.0)
    );
    // Search still finds the moved mail, in its new thread.
    let hits = s.search("reply", 10).expect("search");
    assert!(hits.iter().all(|h| h.thread_id == root));
    assert!(!hits.is_empty());
}

#[test]
fn replays_merge_nothing_and_other_accounts_and_channels_are_left_alone() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    let b = account(&mut s, ChannelKind::Email, "other@shop.test");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    // The other account holds a reply waiting for p@x; so does a Telegram "thread".
    page(&mut s, b, &[("reply@x", "p@x", 30, &["p@x"])]);
    page(&mut s, tg, &[("1:2", "1", 30, &["1:1"])]);
    page(&mut s, a, &[("reply@x", "p@x", 30, &["p@x"])]);
    let batch = [("p@x", "p0@x", 20, &[][..])];
    let out = page(&mut s, a, &batch);
    assert_eq!(out.merged_threads.len(), 1);
    let joined = thread_of(&s, "p@x");
    // A replay of the parent's page: nothing new, nothing merged.
    let again = page(&mut s, a, &batch);
    assert!(again.new_messages.is_empty());
    assert!(again.merged_threads.is_empty());
    // Account b's reply still waits in its own thread; Telegram never merges.
    let out = page(&mut s, tg, &[("1:1", "9", 10, &[])]);
    assert!(out.merged_threads.is_empty());
    let all = threads(&s);
    assert_eq!(all.len(), 4, "a's one, b's one, Telegram's two");
    assert_eq!(
        all.iter().filter(|t| t.account_id == b).count(),
        1,
        "b untouched"
    );
    assert!(all.iter().any(|t| t.id == joined));
    // b's parent arrives: b joins within b only.
    let out = page(&mut s, b, &batch);
    assert_eq!(out.merged_threads.len(), 1);
    assert_eq!(threads(&s).iter().filter(|t| t.account_id == b).count(), 1);
    assert_eq!(threads(&s).iter().filter(|t| t.account_id == a).count(), 1);
}

#[test]
fn a_database_from_before_the_merge_remembers_in_reply_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Simulate mail stored by an older build: written at v11, then upgraded.
    let path2 = dir.path().join("old.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path2).expect("open");
        parley_store::migrations::migrate(&mut conn, Some(11)).expect("v11");
        conn.execute_batch(
            "INSERT INTO accounts (id, channel, name, external_id, created_at)
                 VALUES (1, 'email', 'a', 'a', 0);
             INSERT INTO contacts (id, display_name, first_seen_at) VALUES (1, 'Anna', 0);
             INSERT INTO identities (id, contact_id, account_id, remote_id, display_name)
                 VALUES (1, 1, 1, 'anna@x', 'Anna');
             INSERT INTO threads (id, account_id, contact_id, identity_id, remote_thread_id,
                                  last_activity_at) VALUES (1, 1, 1, 1, 'p@x', 30);
             INSERT INTO messages (thread_id, account_id, remote_id, direction, author_name,
                                   text, sent_at, delivery, reply_to_remote_id)
                 VALUES (1, 1, 'reply@x', 'inbound', 'Anna', 'text of reply@x', 30,
                         'received', 'p@x');",
        )
        .expect("old rows");
    }
    let mut s = Store::open(&path2).expect("upgrade");
    let out = page(&mut s, AccountId(1), &[("p@x", "root@x", 20, &["root@x"])]);
    assert_eq!(out.merged_threads.len(), 1);
    assert_eq!(threads(&s).len(), 1);
}

#[test]
fn a_merge_alone_does_not_hold_a_waiting_reply_but_new_mail_still_does() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    // The root is stored, then a reply to a missing middle mail starts its own thread.
    page(&mut s, a, &[("root@x", "root@x", 10, &[])]);
    page(&mut s, a, &[("reply@x", "p@x", 30, &["p@x"])]);
    let root = thread_of(&s, "root@x");
    let split = thread_of(&s, "reply@x");
    // The agent answers in each thread while they are apart.
    let in_root = s
        .queue_reply(root, "answer in root", "Agent", 40)
        .expect("q");
    let in_split = s
        .queue_reply(split, "answer in split", "Agent", 41)
        .expect("q");
    // The middle mail arrives (older, already read elsewhere): the threads join.
    page(&mut s, a, &[("p@x", "root@x", 20, &["root@x"])]);
    assert_eq!(threads(&s).len(), 1);
    let begin = |s: &mut Store, id| s.outbox_begin(id, &Recheck::default(), 50).expect("begin");
    // Both replies saw everything that was stored before they were queued; only the mail that
    // arrived with the merge is new to them.
    let held = [begin(&mut s, in_root.outbox_id)];
    assert_eq!(
        held,
        [Begin::Held(root, HoldReason::CustomerWrote)],
        "the middle mail arrived after the reply was queued"
    );
    s.outbox_send_anyway(in_root.message.id, 51)
        .expect("send anyway");
    assert_eq!(begin(&mut s, in_root.outbox_id), Begin::Send(root));
    s.outbox_sent(in_root.outbox_id, "sent-1@shop.test", 52, 52)
        .expect("sent");
    assert_eq!(
        begin(&mut s, in_split.outbox_id),
        Begin::Held(root, HoldReason::CustomerWrote),
        "the same mail is new to the second reply too"
    );

    // Without new mail, a merge of two threads that both existed before queueing holds nothing.
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Email, "agent@shop.test");
    page(&mut s, a, &[("root@x", "root@x", 10, &[])]);
    page(&mut s, a, &[("reply@x", "p@x", 30, &["p@x"])]);
    // The agent answers the root while the reply sits apart; then the middle mail arrives as an
    // outbound copy (from Sent), so nothing inbound arrives with it.
    let root = thread_of(&s, "root@x");
    let waiting = s.queue_reply(root, "answer", "Agent", 40).expect("q");
    let mut middle = mail("p@x", "root@x", 20);
    middle.direction = Direction::Outbound;
    s.apply_batch(
        a,
        &IngestBatch {
            messages: vec![middle],
            reply_parents: vec![parents("p@x", &["root@x"])],
            ..Default::default()
        },
        None,
        0,
    )
    .expect("batch");
    assert_eq!(threads(&s).len(), 1);
    assert_eq!(thread_of(&s, "reply@x"), root);
    assert_eq!(
        s.outbox_begin(waiting.outbox_id, &Recheck::default(), 50)
            .expect("begin"),
        Begin::Send(root),
        "the customer's reply was stored before the answer was queued"
    );
}
