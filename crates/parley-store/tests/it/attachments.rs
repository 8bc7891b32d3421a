//! Replies with files: staged files survive a reopen, queueing moves them to outbox items in the
//! same transaction, a reply is split into ordered items where the channel sends one file per
//! call, and discarding or unstaging says which files are no longer anyone's.

use crate::common::{bot_account, inbound};
use parley_domain::*;
use parley_store::*;
use std::path::PathBuf;

fn setup(path: &std::path::Path) -> (Store, AccountId, ThreadId) {
    let mut s = Store::open(path).expect("open");
    let a = bot_account(&mut s);
    let batch = IngestBatch {
        messages: vec![inbound("c1", "c1:1", "c1", "hello", 10)],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 10).expect("ingest");
    let t = s.list_threads(None, 10).expect("list").threads[0].id;
    (s, a, t)
}

fn file(n: u32, mime: &str) -> StoredFile {
    StoredFile {
        key: format!("f{n}/file{n}"),
        path: PathBuf::from(format!("/data/outgoing/f{n}/file{n}")),
        file_name: format!("file {n}"),
        mime_type: mime.into(),
        size: 100 + i64::from(n),
    }
}

#[test]
fn staged_files_survive_a_reopen_and_leave_when_unstaged() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("p.sqlite3");
    let (mut s, _, t) = setup(&db);
    let a = s.stage_file(t, &file(1, "image/png"), 20).expect("stage");
    let b = s
        .stage_file(t, &file(2, "application/pdf"), 21)
        .expect("stage");
    drop(s);

    let mut s = Store::open(&db).expect("reopen");
    let staged = s.staged_files(t).expect("staged");
    assert_eq!(staged, vec![a.clone(), b.clone()]);
    assert_eq!(staged[0].file_name, "file 1");

    let gone = s.unstage_file(a.id).expect("unstage");
    assert_eq!(
        gone.key, "f1/file1",
        "the caller is told which file to delete"
    );
    assert_eq!(s.staged_files(t).expect("staged"), vec![b]);
    assert!(matches!(s.unstage_file(a.id), Err(StoreError::NotFound(_))));
    assert_eq!(
        s.file_keys_in_use().expect("keys"),
        vec!["f2/file2".to_owned()]
    );
}

#[test]
fn one_per_file_splits_the_reply_into_ordered_items_in_one_transaction() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut s, a, t) = setup(&dir.path().join("p.sqlite3"));
    s.save_draft(t, "Here you go", 15).expect("draft");
    s.stage_file(t, &file(1, "image/png"), 20).expect("stage");
    s.stage_file(t, &file(2, "application/pdf"), 21)
        .expect("stage");

    let queued = s
        .queue_reply_with_files(t, "Here you go", "Bot", FileSplit::OnePerFile, 30)
        .expect("queue");
    assert_eq!(queued.len(), 3, "text, then one item per file");
    assert_eq!(queued[0].message.text, "Here you go");
    assert!(queued[0].message.attachments.is_empty());
    assert_eq!(queued[1].message.text, "");
    assert_eq!(queued[1].message.attachments[0].kind, AttachmentKind::Photo);
    assert_eq!(
        queued[1].message.attachments[0].remote_ref.as_deref(),
        Some("local:f1/file1")
    );
    assert_eq!(
        queued[2].message.attachments[0].kind,
        AttachmentKind::Document
    );
    assert!(
        queued
            .windows(2)
            .all(|w| w[0].outbox_id.0 < w[1].outbox_id.0)
    );

    // Each item carries its own file; the composer is empty again.
    assert!(
        s.outbox_files(queued[0].outbox_id)
            .expect("files")
            .is_empty()
    );
    assert_eq!(
        s.outbox_files(queued[1].outbox_id).expect("files"),
        vec![file(1, "image/png")]
    );
    assert_eq!(
        s.outbox_files(queued[2].outbox_id).expect("files"),
        vec![file(2, "application/pdf")]
    );
    assert!(s.staged_files(t).expect("staged").is_empty());
    assert_eq!(s.draft(t).expect("draft"), None);
    assert_eq!(s.thread(t).expect("t").expect("t").snippet, "📎 file 2");

    // They leave in order: the file waits while the text is in flight.
    let due = s.due_outbox(a, 40, 10).expect("due");
    assert_eq!(due.len(), 3);
    s.outbox_begin(due[0].id, &Recheck::default(), 40)
        .expect("begin");
    assert!(s.due_outbox(a, 40, 10).expect("due").is_empty());
    s.outbox_sent(due[0].id, "c1:2", 41, 41).expect("sent");
    assert_eq!(
        s.due_outbox(a, 42, 10).expect("due")[0].id,
        queued[1].outbox_id
    );
}

#[test]
fn all_in_one_keeps_every_file_in_one_item_and_text_is_optional() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut s, _, t) = setup(&dir.path().join("p.sqlite3"));
    s.stage_file(t, &file(1, "image/png"), 20).expect("stage");
    s.stage_file(t, &file(2, "text/plain"), 21).expect("stage");
    let queued = s
        .queue_reply_with_files(t, "  ", "Bot", FileSplit::AllInOne, 30)
        .expect("queue");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].message.attachments.len(), 2);
    assert_eq!(
        s.outbox_files(queued[0].outbox_id).expect("files"),
        vec![file(1, "image/png"), file(2, "text/plain")]
    );

    // Nothing staged and no text: still refused.
    assert!(matches!(
        s.queue_reply_with_files(t, " ", "Bot", FileSplit::AllInOne, 31),
        Err(StoreError::Invalid(_))
    ));
    // The plain path leaves staged files where they are.
    s.stage_file(t, &file(3, "image/png"), 32).expect("stage");
    let plain = s.queue_reply(t, "text only", "Bot", 33).expect("queue");
    assert!(plain.message.attachments.is_empty());
    assert_eq!(s.staged_files(t).expect("staged").len(), 1);
}

#[test]
fn a_failed_queue_moves_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut s, _, t) = setup(&dir.path().join("p.sqlite3"));
    s.stage_file(t, &file(1, "image/png"), 20).expect("stage");
    // A thread that does not exist: the transaction is refused as a whole.
    assert!(
        s.queue_reply_with_files(ThreadId(999), "x", "Bot", FileSplit::OnePerFile, 30)
            .is_err()
    );
    assert_eq!(s.staged_files(t).expect("staged").len(), 1);
}

#[test]
fn discarding_a_file_item_names_its_files_and_keeps_the_draft_clean() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut s, _, t) = setup(&dir.path().join("p.sqlite3"));
    s.stage_file(t, &file(1, "application/pdf"), 20)
        .expect("stage");
    let queued = s
        .queue_reply_with_files(t, "See attached", "Bot", FileSplit::OnePerFile, 30)
        .expect("queue");
    let file_item = &queued[1];
    let files = s.message_files(file_item.message.id).expect("files");
    assert_eq!(files, vec![file(1, "application/pdf")]);
    assert!(s.local_file("f1/file1").expect("local").is_some());

    s.outbox_discard(file_item.message.id).expect("discard");
    assert!(
        s.message_files(file_item.message.id)
            .expect("files")
            .is_empty()
    );
    assert!(s.local_file("f1/file1").expect("local").is_none());
    assert!(s.file_keys_in_use().expect("keys").is_empty());
    assert_eq!(
        s.draft(t).expect("draft"),
        None,
        "a file item has no text to put back"
    );

    // Discarding the text item puts its text back, as before.
    s.outbox_discard(queued[0].message.id).expect("discard");
    assert_eq!(s.draft(t).expect("draft").as_deref(), Some("See attached"));
}

#[test]
fn the_drafts_list_shows_a_composer_that_holds_only_files_or_links() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut s, _, t) = setup(&dir.path().join("p.sqlite3"));
    assert!(s.draft_list(10).expect("list").is_empty());

    s.stage_file(t, &file(1, "image/png"), 20).expect("stage");
    s.stage_file(t, &file(2, "application/pdf"), 25)
        .expect("stage");
    let list = s.draft_list(10).expect("list");
    assert_eq!(list.len(), 1, "files alone make a draft: {list:?}");
    assert_eq!(list[0].thread_id, t);
    assert_eq!(list[0].text, "");
    assert_eq!((list[0].files, list[0].media_links), (2, 0));
    assert_eq!(list[0].updated_at, 25, "the newest change dates it");

    s.save_draft(t, "See attached", 30).expect("draft");
    let list = s.draft_list(10).expect("list");
    assert_eq!(list.len(), 1, "one row per thread");
    assert_eq!((list[0].text.as_str(), list[0].files), ("See attached", 2));
    assert_eq!(list[0].updated_at, 30);

    // Sending takes text and files: the thread leaves the list.
    s.queue_reply_with_files(t, "See attached", "Ann", FileSplit::AllInOne, 40)
        .expect("queue");
    assert!(s.draft_list(10).expect("list").is_empty());

    s.save_draft_media_links(t, &["https://cdn.example.com/a.jpg".into()], 50)
        .expect("links");
    let list = s.draft_list(10).expect("list");
    assert_eq!((list[0].files, list[0].media_links), (0, 1));
}

#[test]
fn media_links_are_kept_with_the_draft_and_go_with_the_reply() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("p.sqlite3");
    let (mut s, _, t) = setup(&db);
    let links: Vec<String> = vec![
        "https://cdn.example.com/b.jpg".into(),
        "https://cdn.example.com/a.pdf".into(),
    ];
    s.save_draft_media_links(t, &links, 20).expect("links");
    drop(s);

    // They survive a restart, in the order the agent added them.
    let mut s = Store::open(&db).expect("reopen");
    assert_eq!(s.draft_media_links(t).expect("links"), links);
    s.save_draft_media_links(t, &links[1..], 21)
        .expect("replace");
    assert_eq!(s.draft_media_links(t).expect("links"), links[1..].to_vec());
    s.save_draft_media_links(t, &links, 22).expect("links");

    // Unknown thread: refused, nothing kept.
    assert!(s.save_draft_media_links(ThreadId(999), &links, 23).is_err());

    // Queueing the reply with them clears them in the same transaction…
    let options = SendOptions {
        template: None,
        media_urls: links.clone(),
    };
    let queued = s
        .queue_reply_with_options(t, "Photos", "Ann", &options, 30)
        .expect("queue");
    assert!(s.draft_media_links(t).expect("links").is_empty());

    // …and discarding the reply puts them back with its text, after links added meanwhile
    // (a link already there is not doubled).
    s.save_draft_media_links(t, &["https://cdn.example.com/a.pdf".into()], 31)
        .expect("links");
    s.outbox_discard(queued.message.id).expect("discard");
    assert_eq!(
        s.draft_media_links(t).expect("links"),
        vec![
            "https://cdn.example.com/a.pdf".to_owned(),
            "https://cdn.example.com/b.jpg".to_owned()
        ]
    );
    assert_eq!(s.draft(t).expect("draft").as_deref(), Some("Photos"));
}

#[test]
fn a_file_name_with_direction_controls_reads_as_what_it_is() {
    let mut s = Store::open_in_memory().expect("open");
    let a = bot_account(&mut s);
    let mut m = inbound("c1", "c1:1", "c1", "", 10);
    m.attachments = vec![Attachment {
        kind: AttachmentKind::Document,
        remote_ref: Some("file-1".into()),
        file_name: Some("invoice\u{202E}fdp.exe".into()),
        mime_type: Some("application/pdf".into()),
        size: Some(10),
        description: None,
    }];
    let batch = IngestBatch {
        messages: vec![m],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 10).expect("ingest");
    let t = s.list_threads(None, 10).expect("list").threads[0].id;
    let shown = s.messages(t, None, 10).expect("messages").messages;
    assert_eq!(
        shown[0].attachments[0].file_name.as_deref(),
        Some("invoicefdp.exe")
    );
}
