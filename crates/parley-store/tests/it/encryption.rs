//! Encryption at rest (issue 18): a keyed database keeps no message text readable in its file
//! or its WAL, a wrong key is told apart from a damaged file, and a plain workspace is encrypted
//! into a copy that replaces it whole.

use crate::common::{bot_account, inbound};
use parley_store::*;
use std::path::Path;

const SECRET_WORDS: [&str; 3] = [
    "Ottoline’s zebra-striped umbrella",
    "invoice 4471-QX for the walnut desk",
    "the spare key is under the geranium pot",
];

fn key(n: u8) -> DbKey {
    DbKey::from_bytes(std::array::from_fn(|i| (i as u8).wrapping_mul(31) ^ n))
}

fn fill(s: &mut Store) {
    let a = bot_account(s);
    for (i, text) in SECRET_WORDS.iter().enumerate() {
        let id = format!("c{i}:1");
        let batch = parley_domain::IngestBatch {
            messages: vec![inbound(
                &format!("c{i}"),
                &id,
                "Ottoline",
                text,
                10 + i as i64,
            )],
            ..Default::default()
        };
        s.apply_batch(a, &batch, None, 20).expect("ingest");
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every file of the folder (the database, its WAL and shared memory), read whole.
fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect()
}

#[test]
fn an_encrypted_database_and_its_wal_hold_no_message_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("parley.sqlite3");
    let mut s = Store::open_encrypted(&path, &key(1)).expect("open");
    fill(&mut s);
    // Still open: the messages are in the WAL, not yet checkpointed.
    let files = folder_bytes(dir.path());
    let wal = files
        .iter()
        .find(|(name, _)| name.ends_with("-wal"))
        .expect("a WAL beside the database");
    assert!(wal.1.len() > 4096, "the batches are in the WAL");
    for (name, bytes) in &files {
        for words in SECRET_WORDS {
            assert!(
                !contains(bytes, words),
                "{name} holds {words:?} in plain text"
            );
        }
        assert!(
            !contains(bytes, "SQLite format 3"),
            "{name} has a plain header"
        );
    }
    assert_eq!(database_file(&path).expect("kind"), DatabaseFile::Encrypted);
    // The same folder, kept plain, does show them: the check can fail.
    let plain_dir = tempfile::tempdir().expect("tmp");
    let mut p = Store::open(&plain_dir.path().join("parley.sqlite3")).expect("plain");
    fill(&mut p);
    assert!(
        folder_bytes(plain_dir.path())
            .iter()
            .any(|(_, b)| contains(b, SECRET_WORDS[0]))
    );
    drop(s);
    // After the last close (a checkpoint into the main file), still nothing.
    for (name, bytes) in folder_bytes(dir.path()) {
        for words in SECRET_WORDS {
            assert!(
                !contains(&bytes, words),
                "{name} holds {words:?} in plain text"
            );
        }
    }
    let s = Store::open_encrypted(&path, &key(1)).expect("reopen");
    assert_eq!(s.workspace_counts().expect("counts").messages, 3);
}

#[test]
fn a_wrong_key_or_none_is_refused_and_names_the_cause() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("parley.sqlite3");
    let mut s = Store::open_encrypted(&path, &key(1)).expect("open");
    fill(&mut s);
    drop(s);
    let err = Store::open_encrypted(&path, &key(2))
        .err()
        .expect("a wrong key fails");
    assert!(matches!(err, StoreError::KeyRejected), "{err:?}");
    assert!(err.to_string().contains("keychain"), "{err}");
    // Without a key the file is not a database at all.
    assert!(Store::open(&path).is_err());
    // The file is unharmed by the attempts.
    let s = Store::open_encrypted(&path, &key(1)).expect("the right key");
    assert_eq!(s.workspace_counts().expect("counts").messages, 3);
}

#[test]
fn a_plain_workspace_is_encrypted_in_place_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("parley.sqlite3");
    let mut s = Store::open(&path).expect("plain");
    fill(&mut s);
    let before = backup::dump_tables(&path, None).expect("dump");
    // Open while encrypting is refused by the caller's lock; here the store is closed first.
    drop(s);
    assert_eq!(database_file(&path).expect("kind"), DatabaseFile::Plain);
    // A copy left by a kill before the rename is not mistaken for anything.
    std::fs::write(encrypting_path(&path), b"half a copy").expect("leftover");
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: u64, total: u64| {
        assert!(done <= total);
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    assert!(encrypt_in_place(&path, &key(3), &progress).expect("encrypt"));
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    assert!(!encrypting_path(&path).exists());
    assert!(!dir.path().join("parley.sqlite3-wal").exists());
    assert_eq!(database_file(&path).expect("kind"), DatabaseFile::Encrypted);
    for (name, bytes) in folder_bytes(dir.path()) {
        for words in SECRET_WORDS {
            assert!(
                !contains(&bytes, words),
                "{name} holds {words:?} in plain text"
            );
        }
    }
    assert_eq!(
        backup::dump_tables(&path, Some(&key(3))).expect("dump"),
        before
    );
    let s = Store::open_encrypted(&path, &key(3)).expect("open");
    assert_eq!(s.schema_version().expect("version"), migrations::LATEST);
    drop(s);
    // Already encrypted: nothing to do.
    assert!(!encrypt_in_place(&path, &key(3), &|_, _| {}).expect("again"));
}

#[test]
fn a_snapshot_keeps_its_key_and_can_be_given_another() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("parley.sqlite3");
    let mut s = Store::open_encrypted(&path, &key(1)).expect("open");
    fill(&mut s);
    let copy = dir.path().join("copy.sqlite3");
    // Taken while the store is open and its pages are in the WAL.
    backup::snapshot_database(&path, Some(&key(1)), &copy).expect("snapshot");
    assert_eq!(
        backup::verify_database(&copy, Some(&key(1))).expect("verify"),
        migrations::LATEST
    );
    backup::rekey_database(&copy, &key(1), &key(9)).expect("rekey");
    assert!(backup::verify_database(&copy, Some(&key(1))).is_err());
    assert_eq!(
        backup::database_counts(&copy, Some(&key(9)))
            .expect("counts")
            .messages,
        3
    );
    assert_eq!(
        backup::dump_tables(&copy, Some(&key(9))).expect("copy"),
        backup::dump_tables(&path, Some(&key(1))).expect("live")
    );
}
