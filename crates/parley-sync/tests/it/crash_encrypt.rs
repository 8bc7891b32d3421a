//! Encryption at rest (issue 18): a plain workspace is encrypted on its first start
//! (`parley_store::encrypt_in_place`) while this test kills the process doing it with SIGKILL
//! at random moments. After every kill the database is the plain one or the encrypted one,
//! never neither and never a mix: it passes `integrity_check` and holds exactly the rows it
//! held before (its committed WAL included), plain or under the key.
//!
//! Like `crash.rs`, the harness is this test binary re-executed (`PARLEY_ENCRYPT_CHILD`), kill
//! times and the run come from one seed (`PARLEY_CRASH_SEED`), and `PARLEY_CRASH_CYCLES` sets the
//! number of kills (8 by default; `bench/crash_soak.sh` runs more).

use parley_domain::{ChannelKind, Direction, IncomingMessage, IngestBatch, RemotePerson};
use parley_store::{DatabaseFile, DbKey, NewAccount, Store, backup};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PARLEY_ENCRYPT_CHILD";
const MESSAGES: usize = 2000;

fn key() -> DbKey {
    DbKey::from_bytes(std::array::from_fn(|i| (i as u8).wrapping_mul(113) ^ 0x5a))
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("parley.sqlite3")
}

/// The harness: encrypts the workspace in `dir`, then exits.
#[test]
fn encrypt_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // Not a harness run.
    };
    parley_store::encrypt_in_place(&db_path(Path::new(&dir)), &key(), &|_, _| {}).expect("encrypt");
}

fn run_child(dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash_encrypt::encrypt_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn harness")
}

/// A plain workspace whose last batches are still in its WAL (copied while the store is open,
/// as a crash of an older Parley leaves it), and its rows.
fn pristine(dir: &Path) -> Vec<(String, Vec<String>)> {
    let path = db_path(dir);
    let mut store = Store::open(&path).expect("plain store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Shop".into(),
                handle: None,
                external_id: "1".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    for batch in 0..MESSAGES / 200 {
        let messages = (0..200)
            .map(|i| {
                let n = batch * 200 + i;
                let customer = RemotePerson {
                    remote_id: format!("c{}", n % 97),
                    display_name: format!("Customer {}", n % 97),
                    handle: None,
                };
                IncomingMessage {
                    remote_thread_id: format!("c{}", n % 97),
                    remote_id: format!("m{n}"),
                    direction: Direction::Inbound,
                    sender: customer.clone(),
                    customer,
                    text: format!("plaintext order {n}: the blue teapot, size {}", n % 7),
                    attachments: vec![],
                    sent_at: n as i64,
                    reply_to_remote_id: None,
                    subject: None,
                    quoted_text: None,
                }
            })
            .collect();
        let batch = IngestBatch {
            messages,
            ..Default::default()
        };
        store.apply_batch(account, &batch, None, 1).expect("ingest");
    }
    let rows = backup::dump_tables(&path, None).expect("dump");
    let wal = dir.join("parley.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the workspace has a WAL to carry over"
    );
    // The files as a crash would leave them: the database and its WAL, no index.
    let keep = dir.join("pristine");
    std::fs::create_dir_all(&keep).expect("pristine dir");
    std::fs::copy(&path, keep.join("parley.sqlite3")).expect("copy db");
    std::fs::copy(&wal, keep.join("parley.sqlite3-wal")).expect("copy wal");
    drop(store);
    rows
}

fn reset(dir: &Path) {
    for name in ["parley.sqlite3", "parley.sqlite3-wal", "parley.sqlite3-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    for name in ["parley.sqlite3", "parley.sqlite3-wal"] {
        std::fs::copy(dir.join("pristine").join(name), dir.join(name)).expect("reset");
    }
}

/// Which database the folder holds, checked whole: its rows are `expected`.
fn check(dir: &Path, expected: &[(String, Vec<String>)]) -> Result<DatabaseFile, String> {
    let path = db_path(dir);
    let kind = parley_store::database_file(&path).map_err(|e| e.to_string())?;
    let key = match kind {
        DatabaseFile::Missing => return Err("the database is gone".into()),
        DatabaseFile::Plain => None,
        DatabaseFile::Encrypted => Some(key()),
    };
    backup::verify_database(&path, key.as_ref())
        .map_err(|e| format!("{kind:?} database unusable: {e}"))?;
    let rows = backup::dump_tables(&path, key.as_ref()).map_err(|e| e.to_string())?;
    if rows != expected {
        return Err(format!(
            "the {kind:?} database does not hold the rows it held"
        ));
    }
    Ok(kind)
}

#[test]
fn kill_nine_while_encrypting_leaves_the_plain_or_the_encrypted_workspace() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let cycles: u32 = std::env::var("PARLEY_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("PARLEY_CRASH_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!(
        "encryption crash test: seed {seed}, {cycles} cycles (replay with PARLEY_CRASH_SEED={seed})"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let expected = pristine(dir);

    // One run to the end: how long the encryption takes, and that it does finish whole.
    reset(dir);
    let started = Instant::now();
    let status = run_child(dir).wait().expect("wait");
    let full = started.elapsed();
    assert!(status.success(), "the harness failed: {status}");
    assert_eq!(check(dir, &expected), Ok(DatabaseFile::Encrypted));

    let (mut plain, mut encrypted) = (0, 0);
    for cycle in 0..cycles {
        reset(dir);
        // From right after the start to a little past the end, so every step can be hit.
        let wait = Duration::from_micros(rng.random_range(0..=full.as_micros() as u64 * 6 / 5));
        let mut child = run_child(dir);
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL on Unix; it may have finished already.
        let _ = child.wait().expect("wait");
        match check(dir, &expected) {
            Ok(DatabaseFile::Plain) => {
                plain += 1;
                // The next start encrypts it (a copy left behind included).
                let status = run_child(dir).wait().expect("wait");
                assert!(
                    status.success(),
                    "cycle {cycle}: the restart failed: {status}"
                );
                assert_eq!(
                    check(dir, &expected),
                    Ok(DatabaseFile::Encrypted),
                    "cycle {cycle}: after the restart (seed {seed})"
                );
                assert!(!parley_store::encrypting_path(&db_path(dir)).exists());
            }
            Ok(_) => encrypted += 1,
            Err(e) => panic!(
                "cycle {cycle}, killed after {wait:?} of {full:?}: {e} (replay with PARLEY_CRASH_SEED={seed})"
            ),
        }
    }
    eprintln!(
        "encryption crash test: {cycles} kills, {plain} left the plain workspace, {encrypted} the encrypted one; a full run took {full:?}"
    );
}
