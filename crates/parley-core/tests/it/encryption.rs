//! Encryption at rest through the facade (issue 18): a new workspace's database and WAL hold
//! none of the messages' words; a plain workspace from before is encrypted at its first start
//! and reads as before; a missing or wrong key stops the start with a sentence that says what
//! is wrong and what to do.

use parley_core::{MemorySecrets, Parley};
use parley_domain::*;
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use parley_store::{DatabaseFile, DbKey, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const CANARY: &str = "CANARY-walrus-teacup-9183";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The bytes of every file directly in the data folder (the database, its WAL and index).
fn data_files(data: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(data)
        .expect("data dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect()
}

fn stored_key(data: &Path) -> DbKey {
    parley_core::workspace_key::stored_key(&MemorySecrets::default(), data)
        .expect("keychain")
        .expect("the workspace's key")
}

#[tokio::test]
async fn a_new_workspace_keeps_no_message_text_in_its_database_or_wal() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    let app = Parley::start(config).await.expect("starts");
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", None, None);
    fake.inject_text(&anna, &format!("my card ends {CANARY}"))
        .expect("inject");
    eventually("Anna's message", Duration::from_secs(15), || async {
        app.search("walrus".into(), 10)
            .await
            .is_ok_and(|hits| !hits.is_empty())
    })
    .await;
    let data = dir.path().join("data");
    let thread = app.list_threads(None, 10).await.expect("threads").threads[0].clone();
    app.add_note(thread.contact_id, format!("note {CANARY}"))
        .await
        .expect("note");
    // While the app runs: the rows are in the WAL.
    let files = data_files(&data);
    assert!(
        files
            .iter()
            .any(|(n, b)| n.ends_with("-wal") && !b.is_empty()),
        "a WAL with the new rows"
    );
    for (name, bytes) in &files {
        assert!(
            !contains(bytes, CANARY),
            "{name} holds the message in plain text"
        );
        assert!(!contains(bytes, "Anna"), "{name} holds the customer's name");
    }
    let db = data.join("parley.sqlite3");
    assert_eq!(
        parley_store::database_file(&db).expect("kind"),
        DatabaseFile::Encrypted
    );
    // The words are there, under the key kept in the keychain: the check above can fail.
    let rows = parley_store::backup::dump_tables(&db, Some(&stored_key(&data))).expect("dump");
    assert!(rows.iter().flat_map(|(_, r)| r).any(|r| r.contains(CANARY)));
    assert!(parley_store::backup::dump_tables(&db, None).is_err());
}

#[tokio::test]
async fn a_plain_workspace_is_encrypted_at_its_first_start_and_reads_as_before() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let db = data.join("parley.sqlite3");
    {
        // As an older Parley left it: a plain database, its last batch still in the WAL.
        let mut s = Store::open(&db).expect("plain");
        let account = s
            .insert_account(
                &parley_store::NewAccount {
                    channel: ChannelKind::Telegram,
                    name: "Shop".into(),
                    handle: None,
                    external_id: "1".into(),
                    is_demo: false,
                },
                0,
            )
            .expect("account");
        let anna = RemotePerson {
            remote_id: "anna".into(),
            display_name: "Anna".into(),
            handle: None,
        };
        let batch = IngestBatch {
            messages: vec![IncomingMessage {
                remote_thread_id: "anna".into(),
                remote_id: "1".into(),
                direction: Direction::Inbound,
                sender: anna.clone(),
                customer: anna,
                text: format!("where is my order {CANARY}"),
                attachments: vec![],
                sent_at: 1_000,
                reply_to_remote_id: None,
                subject: None,
                quoted_text: None,
            }],
            ..Default::default()
        };
        s.apply_batch(account, &batch, None, 1_000).expect("ingest");
    }
    assert_eq!(
        parley_store::database_file(&db).expect("kind"),
        DatabaseFile::Plain
    );
    let steps = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    let seen = steps.clone();
    config.on_opening = Some(Arc::new(move |step| {
        seen.lock().expect("steps").push(step);
    }));
    let app = Parley::start(config).await.expect("starts");
    let threads = app.list_threads(None, 10).await.expect("threads").threads;
    assert_eq!(threads.len(), 1);
    assert!(
        threads[0].snippet.contains(CANARY),
        "{:?}",
        threads[0].snippet
    );
    assert!(
        !app.search("walrus".into(), 10)
            .await
            .expect("search")
            .is_empty(),
        "the search index came along"
    );
    let steps = steps.lock().expect("steps").clone();
    assert!(
        matches!(
            steps.last(),
            Some(parley_core::workspace_key::Opening::Encrypting { done, total }) if done == total
        ),
        "progress was reported to the end: {steps:?}"
    );
    assert_eq!(
        parley_store::database_file(&db).expect("kind"),
        DatabaseFile::Encrypted
    );
    for (name, bytes) in data_files(&data) {
        assert!(
            !contains(&bytes, CANARY),
            "{name} holds the message in plain text"
        );
    }
    assert!(!parley_store::encrypting_path(&db).exists());
}

#[tokio::test]
async fn a_missing_or_wrong_key_stops_the_start_with_what_to_do() {
    // Encrypted, and this keychain has no key for it (a folder copied from another computer).
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("data/parley.sqlite3");
    let elsewhere = DbKey::from_bytes([7; 32]);
    drop(Store::open_encrypted(&db, &elsewhere).expect("encrypted elsewhere"));
    let err = Parley::start(crate::common::test_config(
        dir.path(),
        Arc::new(MemorySecrets::default()),
    ))
    .await
    .err()
    .expect("no key: no start");
    assert_eq!(err.code, ErrorCode::Keychain);
    assert!(
        err.message.contains("not in this computer's keychain"),
        "{}",
        err.message
    );
    assert!(err.message.contains("restore a backup"), "{}", err.message);
    assert_eq!(
        parley_store::database_file(&db).expect("kind"),
        DatabaseFile::Encrypted
    );

    // A key kept for the workspace that does not open its file (replaced by another's).
    let dir = tempfile::tempdir().expect("tmp");
    let app = Parley::start(crate::common::test_config(
        dir.path(),
        Arc::new(MemorySecrets::default()),
    ))
    .await
    .expect("a new workspace");
    drop(app);
    let db = dir.path().join("data/parley.sqlite3");
    let other = dir.path().join("other.sqlite3");
    drop(Store::open_encrypted(&other, &elsewhere).expect("another workspace"));
    // The first app lets go of the folder shortly after it is dropped.
    let mut started = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::copy(&other, &db).expect("swap the file");
        match Parley::start(crate::common::test_config(
            dir.path(),
            Arc::new(MemorySecrets::default()),
        ))
        .await
        {
            Err(e) if e.code == ErrorCode::AlreadyRunning => continue,
            other => {
                started = Some(other);
                break;
            }
        }
    }
    let err = started
        .expect("the folder was let go")
        .err()
        .expect("a wrong key: no start");
    assert_eq!(err.code, ErrorCode::Keychain, "{}", err.message);
    assert!(
        err.message.contains("does not open with the key"),
        "{}",
        err.message
    );
}
