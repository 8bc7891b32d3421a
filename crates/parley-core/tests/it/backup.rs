//! Backup and restore through the facade (issue 18), against the fake Telegram: a backup made
//! while the sync writes restores into a fresh workspace; one made at rest restores equal to
//! the original, row by row and file by file; a wrong passphrase and a cut file are refused
//! with the target untouched; the file holds none of the messages' words; the daily schedule
//! keeps the newest N. And the per-customer export: every message of a merged customer across
//! conversations, their files and notes, with hostile text inert in the HTML.

use parley_core::review::export::SavePicker;
use parley_core::{CoreConfig, DemoMode, MemorySecrets, Parley, Paths};
use parley_domain::MergeChoice;
use parley_domain::*;
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

const PASS: &str = "correct horse battery staple";
const CANARY: &str = "CANARY-zebra-quokka-4471";

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

fn paths(dir: &Path) -> Paths {
    Paths {
        data_dir: dir.join("data"),
        config_dir: dir.join("config"),
        log_dir: dir.join("logs"),
    }
}

async fn start(
    dir: &Path,
    fake: Option<&FakeTelegram>,
    clock: Option<Arc<TestClock>>,
) -> Arc<Parley> {
    let mut config = CoreConfig::new(paths(dir), Arc::new(MemorySecrets::default()));
    if let Some(fake) = fake {
        config.api_roots.set("telegram", fake.base_url());
    }
    if let Some(clock) = clock {
        config.clock = clock;
    }
    config.demo = DemoMode::Off;
    config.long_poll = Duration::from_secs(1);
    Parley::start(config).await.expect("starts")
}

/// A save dialog that answers the path the test chose last (the core keeps the first picker
/// it is given, so the test changes its answer).
struct Picker(std::sync::Mutex<PathBuf>);

impl Picker {
    fn new(path: PathBuf) -> Arc<Picker> {
        Arc::new(Picker(std::sync::Mutex::new(path)))
    }

    fn answer(&self, path: PathBuf) {
        *self.0.lock().expect("picker") = path;
    }
}

impl SavePicker for Picker {
    fn pick(&self, _name: &str, _extension: &str) -> Option<PathBuf> {
        Some(self.0.lock().expect("picker").clone())
    }
}

/// The rows of the workspace database in `data`, opened with its key (the test processes'
/// keys outlive each app, as the keychain does: see `MemorySecrets`).
fn dump(data: &Path) -> Vec<(String, Vec<String>)> {
    let key = parley_core::workspace_key::stored_key(&MemorySecrets::default(), data)
        .expect("keychain")
        .expect("the workspace's key");
    parley_store::backup::dump_tables(&data.join("parley.sqlite3"), Some(&key)).expect("dump")
}

/// The tables whose rows a running app changes after a backup by design: the schedule's
/// last result (`settings`) and each account's last sync time (`accounts`).
fn stable(d: Vec<(String, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    d.into_iter()
        .filter(|(t, _)| t != "settings" && t != "accounts")
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn message_count(app: &Parley) -> i64 {
    app.list_threads(None, 100)
        .await
        .expect("threads")
        .threads
        .len() as i64
}

#[tokio::test]
async fn a_backup_made_while_the_sync_writes_restores_into_a_fresh_workspace() {
    let fake = Arc::new(
        FakeTelegram::start(FakeTelegramConfig::default())
            .await
            .expect("fake"),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let a_dir = dir.path().join("a");
    let app = start(&a_dir, Some(&fake), None).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", Some("Schmidt"), None);
    fake.inject_text(&anna, &format!("my secret words {CANARY}"))
        .expect("inject");
    eventually("Anna's thread", Duration::from_secs(10), || async {
        message_count(&app).await == 1
    })
    .await;
    let thread = app.list_threads(None, 10).await.expect("t").threads[0].clone();
    app.add_note(thread.contact_id, format!("note {CANARY}"))
        .await
        .expect("note");
    // A downloaded file of the workspace, and one of a saved reply.
    let data = a_dir.join("data");
    let file = data.join("attachments/telegram-bot/abc-0-ref-photo.jpg");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &photo).expect("write");

    // The writer: new customers keep writing while the backup is made.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, fake) = (stop.clone(), fake.clone());
        tokio::spawn(async move {
            let mut n = 0;
            // At most 80 (the count below reads one page of 100).
            while !stop.load(Ordering::SeqCst) && n < 80 {
                let c = fake.customer(&format!("Writer{n}"), None, None);
                fake.inject_text(&c, &format!("busy {n}")).expect("inject");
                n += 1;
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            n
        })
    };
    eventually(
        "the writer's first customers",
        Duration::from_secs(10),
        || async { message_count(&app).await > 3 },
    )
    .await;
    let first = dir.path().join("out/during.parley-backup");
    let picker = Picker::new(first.clone());
    app.set_save_picker(picker.clone());
    let during = app
        .backup_now(PASS.into())
        .await
        .expect("backup while writing");
    assert_eq!(during.path.as_deref(), Some(first.to_str().expect("utf8")));
    assert!(during.counts.messages >= 4, "{during:?}");
    assert_eq!(during.counts.files, 1);
    stop.store(true, Ordering::SeqCst);
    let written = writer.await.expect("writer");
    assert!(written > 0);

    // The file holds none of the words, and no partial file is left beside it.
    let bytes = std::fs::read(&first).expect("read");
    assert!(!contains(&bytes, CANARY.as_bytes()));
    assert!(!contains(&bytes, b"my secret words"));
    assert!(!contains(&bytes, b"SQLite format 3"));
    assert_eq!(
        std::fs::read_dir(first.parent().expect("dir"))
            .expect("ls")
            .count(),
        1
    );

    // At rest: every writer message stored, then a second backup.
    let total = 1 + written;
    eventually("every writer message", Duration::from_secs(20), || async {
        message_count(&app).await == total
    })
    .await;
    let second = dir.path().join("out/rest.parley-backup");
    picker.answer(second.clone());
    let rest = app.backup_now(PASS.into()).await.expect("backup at rest");
    assert_eq!(rest.counts.conversations, total);
    let original = stable(dump(&data));

    // A fresh workspace elsewhere.
    let b_dir = dir.path().join("b");
    let b = start(&b_dir, None, None).await;
    let b_data = b_dir.join("data");
    let before = dump(&b_data);
    let wrong = b
        .check_restore_file(&second, "not the passphrase".into())
        .await
        .expect_err("wrong passphrase");
    assert_eq!(wrong.code, ErrorCode::InvalidInput);
    assert!(wrong.message.contains("passphrase"), "{}", wrong.message);
    let cut = dir.path().join("out/cut.parley-backup");
    let all = std::fs::read(&second).expect("read");
    for len in [all.len() / 2, all.len() - 10, 20] {
        std::fs::write(&cut, &all[..len]).expect("write");
        let e = b
            .check_restore_file(&cut, PASS.into())
            .await
            .expect_err("cut file");
        assert!(e.message.contains("damaged"), "{len}: {}", e.message);
    }
    let mut flipped = all.clone();
    let at = flipped.len() * 3 / 4;
    flipped[at] ^= 0x40;
    std::fs::write(&cut, &flipped).expect("write");
    let e = b
        .check_restore_file(&cut, PASS.into())
        .await
        .expect_err("flipped");
    assert!(e.message.contains("damaged"), "{}", e.message);
    assert_eq!(b.restore_state().await, RestoreState::None);
    assert_eq!(
        dump(&b_data),
        before,
        "the refused restores changed nothing"
    );
    assert!(!b_data.join("restore-staging").exists());
    assert!(!b_data.join("restore-staging.part").exists());

    // The backup made during the writes checks out too (a consistent copy).
    let preview = b
        .check_restore_file(&first, PASS.into())
        .await
        .expect("during");
    assert_eq!(preview.backup, during.counts);
    b.cancel_restore().await.expect("cancel");

    // The one at rest: checked with exact counts, confirmed, swapped in at the next start.
    let preview = b
        .check_restore_file(&second, PASS.into())
        .await
        .expect("check");
    assert_eq!(preview.backup, rest.counts);
    assert_eq!(preview.current.messages, 0);
    assert_eq!(b.restore_state().await, RestoreState::Checked);
    assert_eq!(
        b.confirm_restore().await.expect("confirm"),
        RestoreState::Pending
    );
    drop(b);
    let b = start(&b_dir, None, None).await;
    assert_eq!(stable(dump(&b_data)), original);
    assert_eq!(
        std::fs::read(b_data.join("attachments/telegram-bot/abc-0-ref-photo.jpg")).expect("file"),
        photo
    );
    assert_eq!(b.restore_state().await, RestoreState::None);
    assert!(!b_data.join("restore-staging").exists());
    assert!(!b_data.join("restore-old").exists());
    let threads = b.list_threads(None, 200).await.expect("threads").threads;
    assert_eq!(threads.len() as i64, total);
}

/// A restore killed between any two of its renames is finished by the next start: the
/// interrupted swap is simulated by doing part of it by hand.
#[tokio::test]
async fn an_interrupted_swap_is_finished_at_the_next_start() {
    let dir = tempfile::tempdir().expect("tmp");
    let a_dir = dir.path().join("a");
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let a = start(&a_dir, Some(&fake), None).await;
    a.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", None, None);
    fake.inject_text(&anna, "hello").expect("inject");
    eventually("Anna's thread", Duration::from_secs(10), || async {
        message_count(&a).await == 1
    })
    .await;
    let contact = a.list_threads(None, 10).await.expect("t").threads[0].contact_id;
    a.add_note(contact, "kept across machines".into())
        .await
        .expect("note");
    let file = dir.path().join("a.parley-backup");
    a.set_save_picker(Picker::new(file.clone()));
    a.backup_now(PASS.into()).await.expect("backup");
    let original = stable(dump(&a_dir.join("data")));

    let b_dir = dir.path().join("b");
    let b = start(&b_dir, None, None).await;
    b.check_restore_file(&file, PASS.into())
        .await
        .expect("check");
    b.confirm_restore().await.expect("confirm");
    drop(b);
    // Killed after the old database's log and the database itself were moved: the old
    // database sits in restore-old, the new one in place, the folders not yet swapped.
    let data = b_dir.join("data");
    std::fs::create_dir_all(data.join("restore-old")).expect("mkdir");
    for name in ["parley.sqlite3-wal", "parley.sqlite3-shm", "parley.sqlite3"] {
        if data.join(name).exists() {
            std::fs::rename(data.join(name), data.join("restore-old").join(name)).expect("mv");
        }
    }
    std::fs::rename(
        data.join("restore-staging/parley.sqlite3"),
        data.join("parley.sqlite3"),
    )
    .expect("mv");
    let b = start(&b_dir, None, None).await;
    assert_eq!(stable(dump(&data)), original);
    assert!(!data.join("restore-staging").exists());
    drop(b);
}

#[tokio::test]
async fn the_daily_backup_keeps_the_newest_n() {
    let dir = tempfile::tempdir().expect("tmp");
    let clock = Arc::new(TestClock(AtomicI64::new(1_780_000_000_000)));
    let app = start(dir.path(), None, Some(clock.clone())).await;
    let folder = dir.path().join("synced");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("holiday.jpg"), b"not ours").expect("write");
    let refused = app
        .set_backup_schedule(BackupScheduleInput {
            enabled: true,
            folder: Some(folder.to_string_lossy().into_owned()),
            keep: 2,
            passphrase: Some("short".into()),
        })
        .await
        .expect_err("short passphrase");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    let s = app
        .set_backup_schedule(BackupScheduleInput {
            enabled: true,
            folder: Some(folder.to_string_lossy().into_owned()),
            keep: 2,
            passphrase: Some(PASS.into()),
        })
        .await
        .expect("scheduled");
    assert!(s.has_key && s.enabled);
    let backups = || {
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".parley-backup"))
            .collect();
        names.sort();
        names
    };
    // The scheduler makes the first one at once.
    eventually(
        "the first scheduled backup",
        Duration::from_secs(20),
        || async { backups().len() == 1 },
    )
    .await;
    eventually("its result kept", Duration::from_secs(20), || async {
        app.backup_settings()
            .await
            .expect("s")
            .last
            .is_some_and(|l| l.ok)
    })
    .await;
    assert!(!app.backup_if_due().await.expect("not due"), "one a day");
    for day in 1..=3 {
        clock.0.fetch_add(86_400_000, Ordering::SeqCst);
        assert!(app.backup_if_due().await.expect("due"), "day {day}");
    }
    let names = backups();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        folder.join("holiday.jpg").exists(),
        "only its own files rotate"
    );
    // The newest two are kept, and one opens with the passphrase (the key was made from it).
    let newest = folder.join(&names[1]);
    let other = dir.path().join("other");
    let b = start(&other, None, None).await;
    b.check_restore_file(&newest, PASS.into())
        .await
        .expect("opens");
    let settings = app.backup_settings().await.expect("s");
    assert_eq!(settings.next_at, Some(clock.now() + 86_400_000));
    // Nothing secret in the settings: no passphrase.
    for name in ["parley.sqlite3", "parley.sqlite3-wal"] {
        let mut db = Vec::new();
        if let Ok(mut f) = std::fs::File::open(dir.path().join("data").join(name)) {
            f.read_to_end(&mut db).expect("read");
        }
        assert!(!contains(&db, PASS.as_bytes()), "{name}");
    }
}

#[tokio::test]
async fn a_customer_export_holds_every_message_file_and_note_of_the_merged_customer() {
    use parley_sim::telegram::InboundContent;
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), Some(&fake), None).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let anna = fake.customer("Anna", None, None);
    let work = fake.customer("Anna (work)", None, None);
    let other = fake.customer("Carl", None, None);
    fake.inject_text(
        &anna,
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
    )
    .expect("inject");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..500u32).map(|i| (i % 256) as u8));
    fake.inject_message(
        &work,
        InboundContent::Document {
            file_name: "receipt.png".into(),
            mime_type: "image/png".into(),
            bytes: png.clone(),
        },
    )
    .expect("doc");
    fake.inject_text(&work, "from my work phone")
        .expect("inject");
    fake.inject_text(&other, "Carl's private words")
        .expect("inject");
    eventually("three conversations", Duration::from_secs(10), || async {
        message_count(&app).await == 3
    })
    .await;
    let threads = app.list_threads(None, 10).await.expect("t").threads;
    let of = |name: &str| {
        threads
            .iter()
            .find(|t| t.contact_name == name)
            .expect("thread")
            .clone()
    };
    let (a, w) = (of("Anna"), of("Anna (work)"));
    eventually("the work messages", Duration::from_secs(10), || async {
        app.open_thread(w.id)
            .await
            .expect("open")
            .messages
            .messages
            .len()
            == 2
    })
    .await;
    let doc = app.open_thread(w.id).await.expect("open").messages.messages[0].clone();
    // Downloaded into the workspace (what the pane's preview does).
    app.media_image(doc.id, 0).await.expect("downloaded");
    app.add_note(w.contact_id, "Prefers <b>email</b>".into())
        .await
        .expect("note");
    app.merge_contacts(MergeChoice {
        survivor: a.contact_id,
        absorbed: w.contact_id,
        name_from: a.contact_id,
        attributes_from: a.contact_id,
    })
    .await
    .expect("merge");

    let target = dir.path().join("out/anna.zip");
    app.set_save_picker(Picker::new(target.clone()));
    let out = app.export_customer(a.contact_id).await.expect("export");
    assert_eq!(out.path.as_deref(), Some(target.to_str().expect("utf8")));
    assert_eq!((out.conversations, out.messages, out.files), (2, 3, 1));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&target).expect("zip")).expect("zip");
    let mut read = |name: &str| {
        let mut s = Vec::new();
        zip.by_name(name)
            .expect(name)
            .read_to_end(&mut s)
            .expect("read");
        s
    };
    let json: serde_json::Value = serde_json::from_slice(&read("customer.json")).expect("json");
    assert_eq!(json["schema"], "parley.customer");
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["customer"]["identities"]
            .as_array()
            .expect("ids")
            .len(),
        2
    );
    assert_eq!(json["customer"]["mergedContacts"][0]["name"], "Anna (work)");
    assert_eq!(json["customer"]["notes"][0]["body"], "Prefers <b>email</b>");
    let texts: Vec<String> = json["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .flat_map(|c| c["messages"].as_array().expect("messages").clone())
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(texts.iter().any(|t| t.contains("<script>")));
    assert!(texts.iter().any(|t| t == "from my work phone"));
    let file_path = json["files"][0]["path"].as_str().expect("path").to_owned();
    assert_eq!(read(&file_path), png);
    let html = String::from_utf8(read("customer.html")).expect("utf8");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<b>email"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("from my work phone"));
    assert!(html.contains("default-src 'none'"));
    // Nobody else's words.
    let all = std::fs::read(&target).expect("bytes");
    assert!(!contains(&all, b"Carl's private words"));
    assert!(!html.contains("Carl"));
}
