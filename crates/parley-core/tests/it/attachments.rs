//! Replies with files through the facade, as the window uses it, against the fake Telegram:
//! staging writes the file into the data folder and keeps it with the draft, the channel's
//! limit is enforced before anything is written, sending splits text and file into ordered
//! sends that the customer receives intact, the sent file opens from this computer, and
//! removing or discarding deletes Parley's copy.

use parley_core::{MemorySecrets, Parley, RawUpload};
use parley_domain::{AttachmentKind, DeliveryState, ErrorCode, ThreadId};
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn outgoing_folders(data: &Path) -> usize {
    std::fs::read_dir(data.join("outgoing"))
        .map(|d| d.flatten().count())
        .unwrap_or(0)
}

async fn start(dir: &Path, fake: &FakeTelegram) -> Arc<Parley> {
    let mut config = crate::common::test_config(dir, Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    Parley::start(config).await.expect("starts")
}

/// A core with a Telegram bot on a fresh workspace, and the thread of a customer `first_name`
/// who wrote `text`.
async fn telegram_thread(
    first_name: &str,
    text: &str,
) -> (
    FakeTelegram,
    tempfile::TempDir,
    Arc<Parley>,
    parley_sim::Customer,
    ThreadId,
) {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), &fake).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let customer = fake.customer(first_name, None, None);
    fake.inject_text(&customer, text).expect("inject");
    eventually("the thread appears", Duration::from_secs(10), || async {
        !app.list_threads(None, 10)
            .await
            .expect("threads")
            .threads
            .is_empty()
    })
    .await;
    let thread = app.list_threads(None, 10).await.expect("t").threads[0].id;
    (fake, dir, app, customer, thread)
}

#[tokio::test]
async fn a_file_goes_from_the_composer_to_the_customer_and_opens_from_here() {
    let (fake, dir, app, _anna, thread) =
        telegram_thread("Anna", "Can you send the invoice?").await;
    let data = dir.path().join("data");

    let rules = app.draft_attachments(thread).await.expect("rules");
    assert!(rules.allowed);
    assert_eq!(rules.max_file_bytes, Some(50 * 1024 * 1024));
    assert!(rules.note.contains("50 MB per file"), "{}", rules.note);

    // Over the limit: refused with the numbers, nothing written.
    let err = app
        .stage_attachment(
            thread,
            "huge.zip".into(),
            "application/zip".into(),
            vec![0; 50 * 1024 * 1024 + 1],
        )
        .await
        .expect_err("too large");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("50 MB"), "{}", err.message);
    assert_eq!(outgoing_folders(&data), 0);

    // The window's raw upload: name and type percent-encoded in headers.
    let pdf: Vec<u8> = b"%PDF-1.4\r\n--x\r\n\0\xff"
        .iter()
        .copied()
        .chain((0..100_000u32).map(|i| (i % 251) as u8))
        .collect();
    let tid = thread.0.to_string();
    let upload = RawUpload::from_parts(Some(pdf.clone()), |h| match h {
        "parley-thread-id" => Some(tid.as_str()),
        "parley-file-name" => Some("Rechnung%20M%C3%A4rz.pdf"),
        "parley-file-type" => Some("application%2Fpdf"),
        _ => None,
    })
    .expect("upload");
    let staged = app.stage_raw_attachment(upload).await.expect("staged");
    assert_eq!(staged.file_name, "Rechnung März.pdf");
    assert_eq!(staged.mime_type, "application/pdf");
    assert_eq!(staged.size, pdf.len() as i64);
    let extra = app
        .stage_attachment(thread, "notes.txt".into(), "".into(), b"x".to_vec())
        .await
        .expect("staged");
    assert_eq!(extra.mime_type, "text/plain", "guessed from the name");
    assert_eq!(outgoing_folders(&data), 2);
    app.remove_staged_attachment(extra.id)
        .await
        .expect("removed");
    assert_eq!(outgoing_folders(&data), 1, "the removed file is deleted");
    let rules = app.draft_attachments(thread).await.expect("rules");
    assert_eq!(rules.staged, vec![staged.clone()]);

    // A JSON body instead of raw bytes is refused with words.
    let err = RawUpload::from_parts(None, |_| Some("1")).expect_err("not raw");
    assert!(err.message.contains("raw body"), "{}", err.message);

    app.send_reply(thread, "Here it is.".into())
        .await
        .expect("queued");
    assert!(
        app.draft_attachments(thread)
            .await
            .expect("rules")
            .staged
            .is_empty()
    );
    eventually("both sends arrive", Duration::from_secs(10), || async {
        fake.sent_messages().len() == 2
    })
    .await;
    let sent = fake.sent_messages();
    assert_eq!(sent[0].text, "Here it is.", "the text first");
    let file = sent[1].file.clone().expect("then the file");
    assert_eq!(file.kind, "document");
    assert_eq!(file.file_name.as_deref(), Some("Rechnung März.pdf"));
    assert_eq!(fake.file_bytes(&file.file_id), Some(pdf.clone()));

    // The thread shows the file on an outbound message, sent, and it opens from this computer.
    eventually("both shown as sent", Duration::from_secs(10), || async {
        let d = app.open_thread(thread).await.expect("open");
        d.messages
            .messages
            .iter()
            .filter(|m| m.delivery == DeliveryState::Sent)
            .count()
            == 2
    })
    .await;
    let detail = app.open_thread(thread).await.expect("open");
    let with_file = detail
        .messages
        .messages
        .iter()
        .find(|m| !m.attachments.is_empty())
        .expect("the file's message");
    assert_eq!(with_file.attachments[0].kind, AttachmentKind::Document);
    assert_eq!(
        with_file.attachments[0].file_name.as_deref(),
        Some("Rechnung März.pdf")
    );
    let path = app.fetch_attachment(with_file.id, 0).await.expect("opens");
    assert_eq!(std::fs::read(&path).expect("read"), pdf);
    assert!(path.starts_with(&data));
    assert!(path.to_string_lossy().ends_with(".pdf"));
}

#[tokio::test]
async fn a_discarded_file_reply_deletes_the_file_and_staged_files_survive_a_restart() {
    let (fake, dir, app, ben, thread) = telegram_thread("Ben", "hi").await;
    let data = dir.path().join("data");

    // Ben blocked the bot: the file's send is refused and waits for the agent.
    fake.block(&ben).expect("block");
    app.stage_attachment(
        thread,
        "photo.png".into(),
        "image/png".into(),
        vec![1, 2, 3],
    )
    .await
    .expect("staged");
    let echo = app.send_reply(thread, "".into()).await.expect("queued");
    assert!(echo.text.is_empty());
    assert_eq!(echo.attachments.len(), 1);
    eventually("the send failed", Duration::from_secs(10), || async {
        app.open_thread(thread)
            .await
            .expect("open")
            .messages
            .messages
            .iter()
            .any(|m| m.delivery == DeliveryState::Failed)
    })
    .await;
    assert_eq!(outgoing_folders(&data), 1);
    // A file sent on its own has no text to edit.
    let err = app
        .edit_reply(echo.id, "a caption".into())
        .await
        .expect_err("no text to edit");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("no text to edit"), "{}", err.message);
    app.discard_reply(echo.id).await.expect("discarded");
    assert_eq!(
        outgoing_folders(&data),
        0,
        "the discarded reply's file is deleted"
    );

    // A staged file outlives the app; a stray file nobody names is swept at start-up.
    app.stage_attachment(
        thread,
        "later.pdf".into(),
        "application/pdf".into(),
        vec![9; 10],
    )
    .await
    .expect("staged");
    std::fs::create_dir_all(data.join("outgoing/stray")).expect("mkdir");
    std::fs::write(data.join("outgoing/stray/x.bin"), b"x").expect("write");
    drop(app);
    let app = start(dir.path(), &fake).await;
    let staged = app.draft_attachments(thread).await.expect("rules").staged;
    assert_eq!(staged.len(), 1);
    assert_eq!(staged[0].file_name, "later.pdf");
    assert_eq!(outgoing_folders(&data), 1, "the stray file was swept");
}

/// A drop from the operating system: the shell remembers its paths, the window asks to stage
/// that drop. Files are staged like uploads; folders and unreadable paths are refused by name;
/// the drop is staged once.
#[tokio::test]
async fn dropped_files_are_staged_from_their_paths_once() {
    let (_fake, dir, app, _anna, thread) = telegram_thread("Anna", "Photos please").await;
    let data = dir.path().join("data");

    let err = app
        .stage_dropped_files(thread)
        .await
        .expect_err("nothing dropped");
    assert!(err.message.contains("Drop them"), "{}", err.message);

    let files = dir.path().join("desktop");
    std::fs::create_dir_all(files.join("Holiday photos")).expect("folder");
    std::fs::write(files.join("plan.pdf"), b"%PDF-1.4 plan").expect("file");
    std::fs::write(files.join("empty.txt"), b"").expect("file");
    app.remember_drop(vec![
        files.join("plan.pdf"),
        files.join("Holiday photos"),
        files.join("gone.png"),
        files.join("empty.txt"),
    ]);
    let dropped = app.stage_dropped_files(thread).await.expect("staged");
    assert_eq!(dropped.staged.len(), 1, "{dropped:?}");
    assert_eq!(dropped.staged[0].file_name, "plan.pdf");
    assert_eq!(dropped.staged[0].mime_type, "application/pdf");
    assert_eq!(dropped.staged[0].size, 13);
    assert_eq!(dropped.refused.len(), 3, "{dropped:?}");
    assert!(
        dropped.refused[0].contains("\"Holiday photos\" is a folder"),
        "{:?}",
        dropped.refused
    );
    assert!(
        dropped.refused[1].contains("\"gone.png\" could not be read"),
        "{:?}",
        dropped.refused
    );
    assert!(
        dropped.refused[2].contains("\"empty.txt\" is empty"),
        "{:?}",
        dropped.refused
    );
    // The same staging as the Attach button: a copy in the data folder, kept with the draft.
    assert_eq!(outgoing_folders(&data), 1);
    let rules = app.draft_attachments(thread).await.expect("rules");
    assert_eq!(rules.staged, dropped.staged);
    assert!(
        app.list_drafts()
            .await
            .expect("drafts")
            .iter()
            .any(|d| d.thread_id == thread && d.files == 1 && d.text.is_empty()),
        "a composer with only a file is a draft"
    );

    // Consumed: asking again does not stage it twice.
    assert!(app.stage_dropped_files(thread).await.is_err());
    assert_eq!(
        app.draft_attachments(thread).await.expect("r").staged.len(),
        1
    );
}

/// A save dialog answering one path.
struct SaveTo(std::path::PathBuf);

impl parley_core::review::export::SavePicker for SaveTo {
    fn pick(&self, _name: &str, extension: &str) -> Option<std::path::PathBuf> {
        assert_eq!(extension, "zip");
        Some(self.0.clone())
    }
}

#[tokio::test]
async fn an_export_with_attachments_zips_the_downloaded_files_and_lists_the_others() {
    use parley_domain::{ExportFormat, ExportRequest, ExportScope};
    use std::io::Read;
    let (fake, dir, app, customer, thread) = telegram_thread("Chloé", "my invoice?").await;
    let doc = |name: &str, bytes: &[u8]| parley_sim::InboundContent::Document {
        file_name: name.into(),
        mime_type: "application/pdf".into(),
        bytes: bytes.to_vec(),
    };
    fake.inject_message(&customer, doc("Lieferschein.pdf", b"%PDF-1.4 delivery"))
        .expect("inject");
    fake.inject_message(&customer, doc("../../not-here.pdf", b"%PDF-1.4 other"))
        .expect("inject");
    let with_files = || async {
        app.open_thread(thread)
            .await
            .expect("open")
            .messages
            .messages
            .into_iter()
            .filter(|m| !m.attachments.is_empty())
            .collect::<Vec<_>>()
    };
    eventually("both files arrive", Duration::from_secs(10), || async {
        with_files().await.len() == 2
    })
    .await;
    // Only the first is opened (downloaded) before the export.
    let first = with_files().await[0].clone();
    assert_eq!(
        first.attachments[0].file_name.as_deref(),
        Some("Lieferschein.pdf")
    );
    app.fetch_attachment(first.id, 0).await.expect("downloaded");

    let target = dir.path().join("chosen").join("chloe.zip");
    std::fs::create_dir_all(target.parent().expect("dir")).expect("dir");
    app.set_save_picker(Arc::new(SaveTo(target.clone())));
    let out = app
        .export_review(ExportRequest {
            format: ExportFormat::Csv,
            scope: ExportScope::Threads {
                threads: vec![thread],
            },
            attachments: true,
            business_hours: false,
        })
        .await
        .expect("exported");
    assert_eq!(out.path.as_deref(), Some(target.to_string_lossy().as_ref()));
    assert_eq!(out.conversations, 1);

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&target).expect("zip")).expect("reads");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], "chloe.csv");
    let attachment = names
        .iter()
        .find(|n| n.starts_with("attachments/"))
        .expect("the downloaded file")
        .clone();
    assert!(attachment.ends_with("Lieferschein.pdf"), "{attachment}");
    assert!(names.contains(&"attachments-not-downloaded.txt".to_owned()));
    // Every name stays inside the folder the zip is unpacked into.
    for i in 0..zip.len() {
        let f = zip.by_index(i).expect("entry");
        assert!(f.enclosed_name().is_some(), "{:?}", f.name());
    }
    let read = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = Vec::new();
        zip.by_name(name)
            .expect("entry")
            .read_to_end(&mut s)
            .expect("read");
        s
    };
    assert_eq!(read(&mut zip, &attachment), b"%PDF-1.4 delivery");
    let csv = String::from_utf8(read(&mut zip, "chloe.csv")).expect("utf-8");
    assert!(csv.contains("my invoice?"), "{csv}");
    let missing =
        String::from_utf8(read(&mut zip, "attachments-not-downloaded.txt")).expect("utf-8");
    assert!(missing.contains("../../not-here.pdf"), "{missing}");
    assert!(!missing.contains("Lieferschein"), "{missing}");
    // Nothing but the zip beside it.
    let files: Vec<_> = std::fs::read_dir(target.parent().expect("dir"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
}
