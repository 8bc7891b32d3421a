//! The manager's review through the facade, against the fake Telegram: a conversation answered
//! by the agent shows in the review list with its first response, its transcript is annotated
//! and scored, the metrics count it, and exports land complete under the chosen name (or, when
//! the save dialog is cancelled, nowhere).

use parley_core::review::export::SavePicker;
use parley_core::{MemorySecrets, Parley};
use parley_domain::*;
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn start(dir: &Path, fake: &FakeTelegram) -> Arc<Parley> {
    let mut config = crate::common::test_config(dir, Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    Parley::start(config).await.expect("starts")
}

/// A save dialog that answers what the test set (`None`: the user cancelled).
struct Picker(Mutex<Option<PathBuf>>, Mutex<Vec<String>>);

impl SavePicker for Picker {
    fn pick(&self, name: &str, _extension: &str) -> Option<PathBuf> {
        self.1.lock().expect("names").push(name.to_owned());
        self.0.lock().expect("path").clone()
    }
}

#[tokio::test]
async fn a_conversation_is_reviewed_annotated_measured_and_exported() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), &fake).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let customer = fake.customer("Anna", Some("Schmidt"), None);
    fake.inject_text(&customer, "=HYPERLINK(\"http://evil\") where is my order?")
        .expect("inject");
    eventually("the thread appears", Duration::from_secs(10), || async {
        !app.list_threads(None, 10)
            .await
            .expect("threads")
            .threads
            .is_empty()
    })
    .await;
    let thread = app.list_threads(None, 10).await.expect("t").threads[0].id;
    app.send_reply(thread, "It left today.".into())
        .await
        .expect("reply");

    // The review list: answered, by the agent, within the target.
    let page = app
        .review_page(ReviewFilter::default(), None, 50)
        .await
        .expect("page");
    assert_eq!(page.rows.len(), 1);
    let row = &page.rows[0];
    assert_eq!(row.thread_id, thread);
    assert!(row.first_response_ms.is_some_and(|ms| ms >= 0));
    assert!(!row.slow);
    let unanswered = app
        .review_page(
            ReviewFilter {
                unanswered_only: true,
                ..ReviewFilter::default()
            },
            None,
            50,
        )
        .await
        .expect("page");
    assert!(unanswered.rows.is_empty());

    // The transcript, annotated and scored.
    let t = app
        .review_transcript(thread, true)
        .await
        .expect("transcript");
    assert_eq!(t.first_page.messages.len(), 2);
    assert_eq!(t.first_page.messages[0].author_kind, AuthorKind::Customer);
    assert_eq!(t.first_page.messages[1].author_kind, AuthorKind::Agent);
    let m = t.first_page.messages[0].message.id;
    app.add_annotation(AnnotationInput {
        thread_id: thread,
        message_id: Some(m),
        quote: "where is my order".into(),
        body: "Should have given the tracking link.".into(),
    })
    .await
    .expect("annotation");
    let item = app
        .add_checklist_item("Greeted".into(), ChecklistKind::YesNo)
        .await
        .expect("item");
    let scores = app
        .set_checklist_score(thread, item.id, Some(0))
        .await
        .expect("score");
    assert_eq!(scores.len(), 1);
    let bad = app.set_checklist_score(thread, item.id, Some(4)).await;
    assert_eq!(bad.expect_err("out of range").code, ErrorCode::InvalidInput);

    // The metrics of today.
    let now = parley_domain::SystemClock.now();
    let metrics = app
        .review_metrics(MetricsQuery {
            from: now - 86_400_000,
            to: now + 86_400_000,
            channels: vec![],
            accounts: vec![],
            business_hours: false,
        })
        .await
        .expect("metrics");
    assert_eq!((metrics.started, metrics.first_response.count), (1, 1));
    assert_eq!(metrics.heatmap.iter().flatten().sum::<i64>(), 1);

    // Exports: cancelled in the dialog (nothing), then CSV and JSON where chosen.
    let out_dir = dir.path().join("chosen");
    std::fs::create_dir_all(&out_dir).expect("dir");
    let picker = Arc::new(Picker(Mutex::new(None), Mutex::new(Vec::new())));
    app.set_save_picker(picker.clone());
    let request = |format| ExportRequest {
        format,
        scope: ExportScope::Threads {
            threads: vec![thread],
        },
        attachments: false,
        business_hours: false,
    };
    let cancelled = app
        .export_review(request(ExportFormat::Csv))
        .await
        .expect("export");
    assert!(cancelled.cancelled && cancelled.path.is_none());
    assert_eq!(
        picker.1.lock().expect("names")[0],
        "parley-Anna-Schmidt.csv"
    );
    let target = out_dir.join("anna.csv");
    *picker.0.lock().expect("path") = Some(target.clone());
    let done = app
        .export_review(request(ExportFormat::Csv))
        .await
        .expect("export");
    assert_eq!(
        (done.conversations, done.messages, done.cancelled),
        (1, 2, false)
    );
    let csv = std::fs::read_to_string(&target).expect("csv");
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("It left today."));
    let json_target = out_dir.join("anna.json");
    *picker.0.lock().expect("path") = Some(json_target.clone());
    let filter = ExportRequest {
        format: ExportFormat::Json,
        scope: ExportScope::Filter {
            filter: ReviewFilter::default(),
        },
        attachments: false,
        business_hours: false,
    };
    app.export_review(filter).await.expect("export");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_target).expect("json"))
            .expect("parses");
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["conversations"][0]["annotations"][0]["body"],
        "Should have given the tracking link."
    );
    // PDF: two passes (pages counted, then drawn), the same outcome.
    let pdf_target = out_dir.join("anna.pdf");
    *picker.0.lock().expect("path") = Some(pdf_target.clone());
    let done = app
        .export_review(request(ExportFormat::Pdf))
        .await
        .expect("export");
    assert_eq!(
        (done.conversations, done.messages, done.cancelled),
        (1, 2, false)
    );
    assert_eq!(done.path.as_deref(), pdf_target.to_str());
    assert!(
        std::fs::read(&pdf_target)
            .expect("pdf")
            .starts_with(b"%PDF-")
    );
    // Only the finished files: no temporary file is left beside them.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["anna.csv", "anna.json", "anna.pdf"]);
}
