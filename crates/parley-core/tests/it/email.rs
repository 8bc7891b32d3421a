//! Email through the facade, against a real Dovecot and an SMTP sink (the adapter's harness).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::thread_of;
use crate::email_harness;

use email_harness::{CUSTOMER, MailServers, PASSWORD, USER, mail};
use parley_core::{CoreConfig, DemoMode, MemorySecrets, Parley, Paths, SecretStore};
use parley_domain::{ChannelKind, DeliveryState, EmailSecurity, EmailServer, ErrorCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn app(dir: &tempfile::TempDir, secrets: Arc<MemorySecrets>) -> Arc<Parley> {
    let mut core = CoreConfig::new(
        Paths {
            data_dir: dir.path().join("data"),
            config_dir: dir.path().join("config"),
            log_dir: dir.path().join("logs"),
        },
        secrets,
    );
    core.demo = DemoMode::Off;
    core.quiet_hours_by_default = false;
    core.long_poll = Duration::from_secs(2);
    Parley::start(core).await.expect("starts")
}

fn server(port: u16, security: EmailSecurity) -> EmailServer {
    EmailServer {
        host: "127.0.0.1".into(),
        port,
        security,
    }
}

async fn add(
    app: &Parley,
    s: &MailServers,
    password: &str,
    imap: EmailServer,
) -> Result<parley_domain::AccountSummary, parley_domain::IpcError> {
    app.add_email_account(
        USER.into(),
        Some("Shop Support".into()),
        USER.into(),
        password.into(),
        imap,
        server(s.smtp_port, EmailSecurity::None),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_account_receive_and_reply_with_threading_headers() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let app = app(&dir, secrets.clone()).await;

    // Clear, distinct refusals, and nothing saved.
    let e = add(&app, &s, "wrong", server(s.imap_port, EmailSecurity::None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    let e = add(&app, &s, PASSWORD, server(s.imaps_port, EmailSecurity::Tls))
        .await
        .unwrap_err();
    assert!(e.message.to_lowercase().contains("certificate"), "{e:?}");
    let e = add(&app, &s, PASSWORD, server(1, EmailSecurity::None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Network, "{e:?}");
    let e = add(
        &app,
        &s,
        PASSWORD,
        server(s.imaps_port, EmailSecurity::StartTls),
    )
    .await
    .unwrap_err();
    assert_ne!(e.code, ErrorCode::AuthFailed, "{e:?}");
    assert!(app.list_accounts().await.unwrap().is_empty());

    let mut admin = s.admin();
    admin.append(
        "INBOX",
        &mail(
            &format!("Alice <{CUSTOMER}>"),
            USER,
            "Order 1042",
            Some("first@customer.test"),
            "",
            "Where is my parcel?\n\nOn Mon, someone wrote:\n> old text\n> more old text",
        ),
    );

    let account = add(&app, &s, PASSWORD, server(s.imap_port, EmailSecurity::None))
        .await
        .expect("added");
    assert_eq!(account.channel, ChannelKind::Email);
    assert_eq!(
        secrets.get(&format!("email:{USER}")).unwrap().as_deref(),
        Some(PASSWORD)
    );

    let t = thread_of(&app, "Alice").await;
    let detail = app.open_thread(t.id).await.unwrap();
    let first = &detail.messages.messages[0];
    assert_eq!(first.subject.as_deref(), Some("Order 1042"));
    assert!(first.text.contains("Where is my parcel?"));
    assert!(!first.text.contains("old text"), "{:?}", first.text);
    assert!(
        first
            .quoted_text
            .as_deref()
            .unwrap_or("")
            .contains("old text"),
        "{first:?}"
    );

    // A new mail arrives through IDLE.
    admin.append(
        "INBOX",
        &mail(
            &format!("Alice <{CUSTOMER}>"),
            USER,
            "Re: Order 1042",
            Some("second@customer.test"),
            "In-Reply-To: <first@customer.test>\r\nReferences: <first@customer.test>\r\n",
            "Any news?",
        ),
    );
    let start = Instant::now();
    loop {
        let d = app.open_thread(t.id).await.unwrap();
        if d.messages
            .messages
            .iter()
            .any(|m| m.text.contains("Any news"))
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "IDLE push");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Reply: the sink gets it with the threading headers and our Message-ID, Sent has a copy.
    app.send_reply(t.id, "It left today.".into()).await.unwrap();
    let start = Instant::now();
    let sent_id = loop {
        let d = app.open_thread(t.id).await.unwrap();
        if let Some(m) = d
            .messages
            .messages
            .iter()
            .find(|m| m.text == "It left today." && m.delivery == DeliveryState::Sent)
        {
            break m.id;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "reply sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = sent_id;
    let sink = s.sink_messages();
    assert_eq!(sink.len(), 1);
    let raw = String::from_utf8_lossy(&sink[0].1).to_string();
    assert!(raw.contains("In-Reply-To: <second@customer.test>"), "{raw}");
    assert!(raw.contains("<first@customer.test>"), "{raw}");
    assert!(raw.contains("Subject: Re: Order 1042"), "{raw}");
    let message_id = raw
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("Message-ID")
        .trim()
        .to_string();
    assert!(message_id.starts_with("<parley."), "{message_id}");
    let id = message_id.trim_matches(['<', '>']);
    assert_eq!(admin.search_header("Sent", "Message-ID", id), 1);
    // The Message-ID was the one committed in the outbox row before sending.
    let db = rusqlite_free_check(&dir);
    assert!(db.contains(id), "the outbox row kept the Message-ID");

    // The copy in Sent is not stored twice (the sync merges it with the reply).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let d = app.open_thread(t.id).await.unwrap();
    assert_eq!(
        d.messages
            .messages
            .iter()
            .filter(|m| m.text.contains("It left today."))
            .count(),
        1
    );

    // After a restart the account syncs again from the stored settings and keychain.
    drop(app);
    let app = app_again(&dir, secrets).await;
    let accounts = app.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].channel, ChannelKind::Email);
}

/// A reply whose SMTP answer is lost after DATA stays uncertain through the dispatcher's
/// reconciliation passes: its pending copy in Sent says "may have been sent", so it is never
/// queued again on its own, and the thread shows it once (the pending copy is not ingested).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_smtp_answer_stays_uncertain_and_is_not_sent_twice() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let app = app(&dir, secrets).await;
    let mut admin = s.admin();
    admin.append(
        "INBOX",
        &mail(
            "Dee <drop@customer.test>",
            USER,
            "Refund",
            Some("refund@customer.test"),
            "",
            "Where is my refund?",
        ),
    );
    add(&app, &s, PASSWORD, server(s.imap_port, EmailSecurity::None))
        .await
        .expect("added");
    let t = thread_of(&app, "Dee").await;
    app.send_reply(t.id, "Refunded today.".into())
        .await
        .unwrap();
    let replies = |d: &parley_domain::ThreadDetail| {
        d.messages
            .messages
            .iter()
            .filter(|m| m.text.contains("Refunded today."))
            .map(|m| m.delivery)
            .collect::<Vec<_>>()
    };
    let start = Instant::now();
    loop {
        let d = app.open_thread(t.id).await.unwrap();
        if replies(&d) == [DeliveryState::Uncertain] {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{:?}",
            replies(&d)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.sink_messages().len(), 1, "the server took it once");
    // Several dispatcher ticks (2 s each): the first reconciliation pass runs at once and finds
    // the pending copy; the sync runs meanwhile.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let d = app.open_thread(t.id).await.unwrap();
    assert_eq!(replies(&d), [DeliveryState::Uncertain]);
    assert_eq!(s.sink_messages().len(), 1, "never sent a second time");
    let raw = String::from_utf8_lossy(&s.sink_messages()[0].1).to_string();
    let id = raw
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("Message-ID")
        .trim()
        .trim_matches(['<', '>'])
        .to_string();
    assert_eq!(
        admin.search_header("Sent", "Message-ID", &id),
        1,
        "the pending copy"
    );
}

async fn app_again(dir: &tempfile::TempDir, secrets: Arc<MemorySecrets>) -> Arc<Parley> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    app(dir, secrets).await
}

/// Every row of the workspace database as text (enough to find a stored id), read with its
/// key (the database is encrypted at rest: its bytes hold no text).
fn rusqlite_free_check(dir: &tempfile::TempDir) -> String {
    let data = dir.path().join("data");
    let key = parley_core::workspace_key::stored_key(&MemorySecrets::default(), &data)
        .expect("keychain")
        .expect("the workspace's key");
    parley_store::backup::dump_tables(&data.join("parley.sqlite3"), Some(&key))
        .expect("dump")
        .into_iter()
        .flat_map(|(_, rows)| rows)
        .collect::<Vec<_>>()
        .join("\n")
}
