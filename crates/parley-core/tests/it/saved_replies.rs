//! Saved replies through the facade, against the fake Telegram: a reply with a file is filled
//! for the conversation, inserting it stages a copy of its file (the saved reply keeps its own),
//! counts the use, and the export imports into another workspace as it was.

use parley_core::{MemorySecrets, Parley};
use parley_domain::{
    AttributeKind, ChannelKind, ContactAttribute, ErrorCode, SavedReplyInput, SavedReplyVariant,
};
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

async fn start(dir: &Path, fake: &FakeTelegram) -> Arc<Parley> {
    let mut config = crate::common::test_config(dir, Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    Parley::start(config).await.expect("starts")
}

fn folders(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_saved_reply_is_filled_inserted_with_its_file_and_travels_as_json() {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tmp");
    let app = start(dir.path(), &fake).await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let customer = fake.customer("Anna", Some("Schmidt"), None);
    fake.inject_text(&customer, "Where is my order?")
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
    let contact = app
        .contact_context(thread)
        .await
        .expect("contact")
        .contact_id;
    app.set_contact_attribute(
        contact,
        ContactAttribute {
            key: "Order".into(),
            kind: AttributeKind::Text,
            value: "#77".into(),
        },
    )
    .await
    .expect("attribute");
    app.set_business_hours("Mon–Fri 9:00–17:00".into())
        .await
        .expect("hours");

    let input = SavedReplyInput {
        folder: "Orders".into(),
        title: "Where is my order".into(),
        body: "Hi {{first_name|there}}, {{Order|your order}} left today. Hours: {{business_hours}}. {{Tracking}}".into(),
        variants: vec![SavedReplyVariant {
            channel: ChannelKind::Sms,
            body: "Hi {{first_name|there}}, it left today.".into(),
        }],
    };
    let reply = app
        .create_saved_reply(input.clone())
        .await
        .expect("created");
    let again = app
        .create_saved_reply(input.clone())
        .await
        .expect_err("duplicate");
    assert_eq!(again.code, ErrorCode::Duplicate);
    assert!(
        again.message.contains("“Orders” already has"),
        "{}",
        again.message
    );

    let pdf = b"%PDF-1.4 rates".to_vec();
    let file = app
        .add_saved_reply_file(
            reply.id,
            "rates.pdf".into(),
            "application/pdf".into(),
            pdf.clone(),
        )
        .await
        .expect("file kept");
    let kept = dir.path().join("data/saved-replies");
    assert_eq!(folders(&kept), 1);

    // The picker's view of this conversation.
    let all = app.saved_replies_for_thread(thread).await.expect("filled");
    assert_eq!(all.len(), 1);
    let f = &all[0];
    assert_eq!(f.channel, ChannelKind::Telegram);
    assert!(!f.variant);
    assert_eq!(
        f.text,
        "Hi Anna, #77 left today. Hours: Mon–Fri 9:00–17:00. "
    );
    assert_eq!(f.missing, ["Tracking"]);
    assert_eq!(f.files, vec![file.clone()]);

    // Insert: the text, a staged copy of the file, one use.
    let inserted = app
        .insert_saved_reply(reply.id, thread)
        .await
        .expect("inserted");
    assert_eq!(inserted.filled.text, f.text);
    assert!(inserted.refused.is_empty(), "{:?}", inserted.refused);
    assert_eq!(inserted.staged.len(), 1);
    assert_eq!(inserted.staged[0].file_name, "rates.pdf");
    assert_eq!(inserted.filled.uses, 1);
    let staged = app
        .draft_attachments(thread)
        .await
        .expect("draft files")
        .staged;
    assert_eq!(staged, inserted.staged);
    assert_eq!(app.list_saved_replies().await.expect("list")[0].uses, 1);
    // Removing the staged copy leaves the saved reply's own file.
    app.remove_staged_attachment(staged[0].id)
        .await
        .expect("removed");
    assert_eq!(folders(&kept), 1);
    assert_eq!(
        app.list_saved_replies().await.expect("list")[0].files.len(),
        1
    );

    // Export, then import into a fresh workspace: the same reply with the same file.
    let export = app.export_saved_replies().await.expect("export");
    assert_eq!(export.count, 1);
    assert!(export.path.contains("exports"), "{}", export.path);
    let json = std::fs::read_to_string(&export.path).expect("read export");
    let dir2 = tempfile::tempdir().expect("tmp");
    let other = start(dir2.path(), &fake).await;
    let report = other
        .import_saved_replies(json.clone())
        .await
        .expect("import");
    assert_eq!((report.imported, report.skipped.len()), (1, 0));
    let theirs = &other.list_saved_replies().await.expect("list")[0];
    assert_eq!(
        (
            &theirs.folder,
            &theirs.title,
            &theirs.body,
            &theirs.variants
        ),
        (&reply.folder, &reply.title, &reply.body, &reply.variants)
    );
    assert_eq!(theirs.files.len(), 1);
    assert_eq!(theirs.uses, 0, "uses stay with the workspace");
    let (json2, _) = other.saved_replies_json().await.expect("json");
    assert_eq!(json2, json, "a round trip changes nothing");
    // Importing it again skips the reply already there, saying why.
    let report = other.import_saved_replies(json).await.expect("again");
    assert_eq!(report.imported, 0);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].position, 1);
    assert!(report.skipped[0].reason.contains("“Orders” already has"));
    assert_eq!(folders(&dir2.path().join("data/saved-replies")), 1);

    // Deleting the reply deletes its file.
    app.delete_saved_reply(reply.id).await.expect("deleted");
    assert_eq!(folders(&kept), 0);
    assert!(app.list_saved_replies().await.expect("list").is_empty());
}
