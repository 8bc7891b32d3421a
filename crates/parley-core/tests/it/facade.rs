//! The facade as the window uses it, against the fake Telegram server.

use parley_core::{CoreConfig, DemoMode, MemorySecrets, Parley, Paths, SecretStore};
use parley_domain::{
    ChannelKind, ComposerWindow, ContactId, CoreEvent, DeliveryState, ErrorCode, ThreadSummary,
    TimeSource,
};
use parley_sim::eventually;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    app: Arc<Parley>,
    fake: FakeTelegram,
    secrets: Arc<MemorySecrets>,
    dir: tempfile::TempDir,
}

fn paths(dir: &std::path::Path) -> Paths {
    Paths {
        data_dir: dir.join("data"),
        config_dir: dir.join("config"),
        log_dir: dir.join("logs"),
    }
}

async fn rig(demo: DemoMode) -> Rig {
    let (fake, dir, secrets) = workspace().await;
    let mut config = CoreConfig::new(paths(dir.path()), secrets.clone());
    config.api_roots.set("telegram", fake.base_url());
    config.demo = demo;
    config.long_poll = Duration::from_secs(1);
    let app = Parley::start(config).await.expect("starts");
    Rig {
        app,
        fake,
        secrets,
        dir,
    }
}

/// A fake Telegram, an empty workspace folder and a keychain, for tests that start the core
/// more than once on the same workspace.
async fn workspace() -> (FakeTelegram, tempfile::TempDir, Arc<MemorySecrets>) {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    (fake, dir, Arc::new(MemorySecrets::default()))
}

/// Starts a core without the demo on `dir`'s workspace, syncing from `fake` (again and again:
/// the restart tests call it more than once).
fn start_on(
    fake: &FakeTelegram,
    dir: &std::path::Path,
    secrets: &Arc<MemorySecrets>,
) -> impl std::future::Future<Output = Result<Arc<Parley>, parley_domain::IpcError>> + use<> {
    let mut config = CoreConfig::new(paths(dir), secrets.clone());
    config.api_roots.set("telegram", fake.base_url());
    config.demo = DemoMode::Off;
    config.quiet_hours_by_default = false;
    config.long_poll = Duration::from_secs(1);
    Parley::start(config)
}

async fn threads(app: &Parley) -> Vec<ThreadSummary> {
    app.list_threads(None, 50).await.expect("threads").threads
}

#[tokio::test]
async fn adding_a_bot_validates_the_token_and_keeps_it_only_in_the_keychain() {
    let rig = rig(DemoMode::Off).await;
    let err = rig
        .app
        .add_telegram_account("not a token".into())
        .await
        .expect_err("shape");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = rig
        .app
        .add_telegram_account("110201543:AAwrongwrongwrong".into())
        .await
        .expect_err("refused");
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert!(rig.app.list_accounts().await.expect("accounts").is_empty());

    let token = rig.fake.token().to_string();
    let account = rig
        .app
        .add_telegram_account(format!("  {token}\n"))
        .await
        .expect("added");
    assert_eq!(account.handle.as_deref(), Some("parley_test_bot"));
    assert_eq!(
        rig.secrets
            .get("telegram:110201543")
            .expect("get")
            .as_deref(),
        Some(token.as_str())
    );
    let err = rig
        .app
        .add_telegram_account(token.clone())
        .await
        .expect_err("duplicate");
    assert_eq!(err.code, ErrorCode::Duplicate);

    // The token is nowhere in the data folder (database, WAL, anything else).
    for entry in walk(&rig.dir.path().join("data")) {
        let bytes = std::fs::read(&entry).expect("read");
        let needle = token.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the token leaked into {}",
            entry.display()
        );
    }

    rig.app
        .remove_account(account.id, false)
        .await
        .expect("removed");
    assert_eq!(rig.secrets.get("telegram:110201543").expect("get"), None);
    assert!(rig.app.list_accounts().await.expect("accounts").is_empty());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn a_conversation_from_arrival_to_reply() {
    let rig = rig(DemoMode::Off).await;
    let mut events = rig.app.subscribe();
    rig.app
        .add_telegram_account(rig.fake.token().into())
        .await
        .expect("added");
    let anna = rig.fake.customer("Anna", Some("Müller"), Some("anna_m"));
    rig.fake
        .inject_text(
            &anna,
            "<img src=x onerror=alert(1)> Wo ist meine Bestellung?",
        )
        .expect("inject");
    eventually("the thread appears", Duration::from_secs(10), || async {
        threads(&rig.app).await.len() == 1
    })
    .await;
    let thread = threads(&rig.app).await.remove(0);
    assert_eq!(thread.contact_name, "Anna Müller");
    assert_eq!(thread.unread_count, 1);

    let mut saw_change = false;
    while let Ok(e) = events.try_recv() {
        saw_change |= matches!(e, CoreEvent::ThreadsChanged { .. });
    }
    assert!(saw_change, "the window was not told about the new thread");

    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert_eq!(detail.messages.messages.len(), 1);
    // Stored verbatim: rendering it as text is the window's job.
    assert!(detail.messages.messages[0].text.starts_with("<img src=x"));
    assert_eq!(threads(&rig.app).await[0].unread_count, 0);

    rig.app
        .save_draft(thread.id, "Hallo Anna, ".into())
        .await
        .expect("draft");
    assert_eq!(
        rig.app
            .open_thread(thread.id)
            .await
            .expect("open")
            .draft
            .as_deref(),
        Some("Hallo Anna, ")
    );

    let echo = rig
        .app
        .send_reply(thread.id, "Hallo Anna, sie kommt morgen.".into())
        .await
        .expect("queued");
    assert_eq!(echo.delivery, DeliveryState::Queued);
    eventually("the fake got the reply", Duration::from_secs(5), || async {
        rig.fake.sent_messages().len() == 1
    })
    .await;
    eventually("marked sent", Duration::from_secs(5), || async {
        rig.app
            .open_thread(thread.id)
            .await
            .expect("open")
            .messages
            .messages
            .iter()
            .any(|m| m.delivery == DeliveryState::Sent)
    })
    .await;
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert_eq!(detail.draft, None, "sending did not clear the draft");

    let err = rig
        .app
        .send_reply(thread.id, "   ".into())
        .await
        .expect_err("empty");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = rig
        .app
        .send_reply(thread.id, "x".repeat(5000))
        .await
        .expect_err("too long");
    assert!(err.message.contains("4096"));

    let hits = rig
        .app
        .search("bestellung".into(), 20)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.iter().any(|s| s.hit));
    assert!(
        rig.app
            .search("\"(".into(), 20)
            .await
            .expect("hostile query")
            .is_empty()
    );

    let context = rig.app.contact_context(thread.id).await.expect("context");
    assert_eq!(context.display_name, "Anna Müller");
    assert_eq!(context.identities[0].handle.as_deref(), Some("anna_m"));
    assert_eq!(context.message_count, 2);

    // The whole dialogue (issue 14): both messages, labelled, the reply going into this thread.
    let timeline = rig
        .app
        .contact_timeline(context.contact_id, None, 50)
        .await
        .expect("timeline");
    assert_eq!(timeline.items.len(), 2);
    assert!(timeline.older.is_none());
    assert!(
        timeline
            .items
            .iter()
            .all(|i| i.channel == ChannelKind::Telegram && i.message.thread_id == thread.id)
    );
    assert_eq!(
        timeline.items[1].message.text,
        "Hallo Anna, sie kommt morgen."
    );
    assert_eq!(timeline.default_thread, Some(thread.id));
    assert_eq!(timeline.channels[0].reply_window, ComposerWindow::Always);
    let paged = rig
        .app
        .contact_timeline(context.contact_id, None, 1)
        .await
        .expect("page");
    assert_eq!(paged.items.len(), 1);
    let older = rig
        .app
        .contact_timeline(context.contact_id, paged.older, 1)
        .await
        .expect("older");
    assert_eq!(older.items, timeline.items[..1]);
    let unknown = rig
        .app
        .contact_timeline(ContactId(context.contact_id.0 + 1000), None, 50)
        .await
        .expect_err("no such customer");
    assert_eq!(unknown.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_demo_runs_until_a_real_account_is_added() {
    let rig = rig(DemoMode::Auto).await;
    assert!(rig.app.workspace_info().await.is_demo);
    let accounts = rig.app.list_accounts().await.expect("accounts");
    // The demo bot, the demo Page's Messenger and Instagram accounts, the demo SMS number and
    // WhatsApp sender.
    assert_eq!(accounts.len(), 5);
    assert!(accounts.iter().any(|a| a.channel == ChannelKind::Sms));
    assert!(accounts.iter().any(|a| a.channel == ChannelKind::Whatsapp));
    assert!(accounts.iter().all(|a| a.is_demo));
    eventually(
        "the demo history appears",
        Duration::from_secs(10),
        || async { threads(&rig.app).await.len() >= 5 },
    )
    .await;
    // The demo's workflow marks one customer VIP, seen on their conversation and on the
    // Contacts screen.
    eventually(
        "the demo's VIP customer",
        Duration::from_secs(30),
        || async {
            threads(&rig.app)
                .await
                .iter()
                .any(|t| t.contact_name == "Chloé Dubois" && t.vip)
        },
    )
    .await;
    let vip = rig
        .app
        .list_contacts("chloé".into(), parley_domain::ContactSort::Name, None, 10)
        .await
        .expect("contacts");
    assert!(vip.contacts.iter().any(|c| c.vip), "{vip:?}");
    // Weeks of past conversations fill the Review screen's metrics (`demo_history.rs`).
    let now = parley_domain::Clock::now(&parley_domain::SystemClock);
    let last_weeks = parley_domain::MetricsQuery {
        from: now - 70 * 86_400_000,
        to: now,
        channels: vec![],
        accounts: vec![],
        business_hours: false,
    };
    eventually("the demo's history", Duration::from_secs(30), || async {
        rig.app
            .review_metrics(last_weeks.clone())
            .await
            .is_ok_and(|m| m.resolved >= 600 && m.first_response.count >= 600)
    })
    .await;
    // The demo's saved replies, in two folders, filled for one of its customers (her order is
    // a detail the demo's workflow gave her).
    let replies = rig.app.list_saved_replies().await.expect("saved replies");
    let folders: std::collections::BTreeSet<&str> =
        replies.iter().map(|r| r.folder.as_str()).collect();
    assert_eq!(
        folders.into_iter().collect::<Vec<_>>(),
        ["Bot", "Shipping", "Store"]
    );
    // The demo's FAQ bot: two rules, on for every demo account.
    let rules = rig.app.faq_rules().await.expect("rules");
    assert_eq!(
        rules
            .iter()
            .map(|r| (r.rule.name.as_str(), r.rule.enabled, r.rule.steps.len()))
            .collect::<Vec<_>>(),
        [("Where is my order", true, 2), ("Opening hours", true, 0)]
    );
    let bot = rig.app.bot_settings().await.expect("bot");
    assert_eq!(bot.accounts.len(), accounts.len());
    let maria = threads(&rig.app)
        .await
        .into_iter()
        .find(|t| t.contact_name == "María García" && t.channel == ChannelKind::Telegram)
        .expect("María's conversation");
    let filled = rig
        .app
        .saved_replies_for_thread(maria.id)
        .await
        .expect("filled");
    let order = filled
        .iter()
        .find(|f| f.title == "Where is my order")
        .expect("where is my order");
    assert!(
        order.text.starts_with(
            "Hi María, thanks for waiting! I checked on #4821 — linen tote bag: it is on its way"
        ),
        "{}",
        order.text
    );
    let hours = filled
        .iter()
        .find(|f| f.title == "Opening hours")
        .expect("opening hours");
    assert!(
        hours
            .text
            .starts_with("We are open Monday to Friday 9:00–18:00, Saturday 10:00–14:00. "),
        "{}",
        hours.text
    );
    // Tags on her, found by the Contacts search; María's local time from her phone's area
    // code; Kenji's set by hand.
    eventually("the demo's tags", Duration::from_secs(30), || async {
        rig.app
            .list_contacts(
                "wholesale".into(),
                parley_domain::ContactSort::Name,
                None,
                10,
            )
            .await
            .expect("contacts")
            .contacts
            .iter()
            .any(|c| c.display_name == "Chloé Dubois")
    })
    .await;
    let thread_of = |name: &'static str| {
        let app = &rig.app;
        async move {
            threads(app)
                .await
                .into_iter()
                .find(|t| t.contact_name == name)
                .map(|t| t.id)
                .expect(name)
        }
    };
    let maria = rig
        .app
        .contact_context(thread_of("María García").await)
        .await
        .expect("María");
    assert!(
        maria.tags.contains(&"repeat buyer".to_string()),
        "{:?}",
        maria.tags
    );
    let time = maria.local_time.expect("María's local time");
    assert_eq!(
        (time.zone.as_deref(), time.source, time.calling_code),
        (Some("America/Los_Angeles"), TimeSource::Phone, Some(1))
    );
    let kenji = rig
        .app
        .contact_context(thread_of("Kenji Watanabe").await)
        .await
        .expect("Kenji");
    let time = kenji.local_time.expect("Kenji's local time");
    assert_eq!(
        (time.zone.as_deref(), time.offset_minutes, time.source),
        (Some("Asia/Tokyo"), Some(540), TimeSource::SetByHand)
    );
    let endpoint = rig.app.demo_endpoint().await.expect("demo endpoint");
    assert!(endpoint.starts_with("http://127.0.0.1:"));
    // The demo's fakes run inside the app: their control API (inject, read what was sent)
    // answers only to this run's secret, kept in a file only this user can read.
    let file = rig.dir.path().join("data/demo/endpoint.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("endpoint file")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "endpoint.json is readable by others: {mode:o}"
        );
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let secret = written["control_secret"]
        .as_str()
        .expect("a control secret");
    assert!(secret.len() >= 32, "{secret}");
    let sent = format!(
        "{}/control/sent",
        written["telegram"].as_str().expect("telegram")
    );
    let client = reqwest::Client::new();
    for (auth, expected) in [(None, 401), (Some("wrong"), 401), (Some(secret), 200)] {
        let mut request = client.get(&sent);
        if let Some(auth) = auth {
            request = request.bearer_auth(auth);
        }
        let status = request.send().await.expect("control API").status().as_u16();
        assert_eq!(status, expected, "{auth:?}");
    }

    rig.app
        .add_telegram_account(rig.fake.token().into())
        .await
        .expect("added");
    assert!(!rig.app.workspace_info().await.is_demo);
    let accounts = rig.app.list_accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 1);
    assert!(!accounts[0].is_demo);
    assert!(
        threads(&rig.app).await.is_empty(),
        "demo conversations were left behind"
    );
    assert!(!rig.dir.path().join("data/demo").exists());
}

#[tokio::test]
async fn everything_is_still_there_after_a_restart() {
    let (fake, dir, secrets) = workspace().await;
    let start = || start_on(&fake, dir.path(), &secrets);
    let app = start().await.expect("first start");
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let c = fake.customer("Kenji", Some("Watanabe"), None);
    fake.inject_text(&c, "one").expect("inject");
    fake.inject_text(&c, "two").expect("inject");
    eventually("stored", Duration::from_secs(10), || async {
        threads(&app)
            .await
            .first()
            .is_some_and(|t| t.unread_count == 2)
    })
    .await;
    let thread = threads(&app).await[0].id;
    app.open_thread(thread).await.expect("read");
    drop(app);
    tokio::time::sleep(Duration::from_millis(200)).await;

    fake.inject_text(&c, "three").expect("inject while closed");
    let app = start().await.expect("second start");
    eventually(
        "the message sent while closed arrives",
        Duration::from_secs(10),
        || async {
            threads(&app)
                .await
                .first()
                .is_some_and(|t| t.unread_count == 1)
        },
    )
    .await;
    let detail = app.open_thread(thread).await.expect("open");
    let texts: Vec<&str> = detail
        .messages
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(texts, vec!["one", "two", "three"]);
}

/// Records what would be shown on the desktop.
#[derive(Default)]
struct Recorder(
    std::sync::Mutex<Vec<parley_core::notify::Shown>>,
    std::sync::Mutex<Vec<String>>,
);

impl parley_core::notify::Notifier for Recorder {
    fn show(&self, n: &parley_core::notify::Shown) {
        self.0.lock().expect("recorder").push(n.clone());
    }
    fn summary(&self, text: &str, _: bool) {
        self.1.lock().expect("recorder").push(text.to_owned());
    }
    fn close(&self, _: &str) {}
}

impl Recorder {
    fn summaries(&self) -> Vec<String> {
        self.1.lock().expect("recorder").clone()
    }

    fn bodies(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("recorder")
            .iter()
            .map(|n| n.body.clone())
            .collect()
    }
}

async fn live(app: &Parley) {
    eventually("the account is live", Duration::from_secs(10), || async {
        app.list_accounts()
            .await
            .expect("accounts")
            .iter()
            .all(|a| a.sync == parley_domain::SyncState::Live)
    })
    .await;
}

#[tokio::test]
async fn a_muted_thread_stays_silent_and_stays_muted_after_a_restart() {
    let (fake, dir, secrets) = workspace().await;
    let start = |notifier: Arc<Recorder>| {
        let mut config = CoreConfig::new(paths(dir.path()), secrets.clone());
        config.api_roots.set("telegram", fake.base_url());
        config.demo = DemoMode::Off;
        config.quiet_hours_by_default = false;
        config.long_poll = Duration::from_secs(1);
        config.notifier = notifier;
        Parley::start(config)
    };
    let shown = Arc::new(Recorder::default());
    let app = start(shown.clone()).await.expect("first start");
    app.set_window_focused(false);
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    live(&app).await;
    let c = fake.customer("Grace", Some("Hopper"), None);
    fake.inject_text(&c, "first").expect("inject");
    eventually(
        "the first notification",
        Duration::from_secs(10),
        || async { shown.bodies() == ["first"] },
    )
    .await;
    let thread = threads(&app).await[0].id;

    let missing = app
        .set_thread_muted(parley_domain::ThreadId(thread.0 + 1000), true)
        .await
        .expect_err("no such thread");
    assert_eq!(missing.code, ErrorCode::NotFound);

    let mut events = app.subscribe();
    let prefs = app.set_thread_muted(thread, true).await.expect("muted");
    assert_eq!(prefs.muted_threads, vec![thread]);
    assert!(matches!(
        events.recv().await,
        Ok(CoreEvent::NotificationPrefsChanged { prefs }) if prefs.muted_threads == vec![thread]
    ));
    // Muting twice changes nothing.
    assert_eq!(
        app.set_thread_muted(thread, true)
            .await
            .expect("again")
            .muted_threads,
        vec![thread]
    );
    fake.inject_text(&c, "muted one").expect("inject");
    eventually(
        "the muted message stored",
        Duration::from_secs(10),
        || async { threads(&app).await[0].snippet == "muted one" },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shown.bodies(), ["first"], "a muted thread notified");

    drop(app);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let shown = Arc::new(Recorder::default());
    let app = start(shown.clone()).await.expect("second start");
    app.set_window_focused(false);
    assert_eq!(app.notification_prefs().await.muted_threads, vec![thread]);
    let prefs = app.set_thread_muted(thread, false).await.expect("unmuted");
    assert!(prefs.muted_threads.is_empty());
    live(&app).await;
    fake.inject_text(&c, "heard again").expect("inject");
    eventually(
        "the notification after unmuting",
        Duration::from_secs(10),
        || async { shown.bodies() == ["heard again"] },
    )
    .await;

    // Removing the account forgets its muted conversations and its own mute: row ids are
    // reused, and a new customer or a newly added account must not inherit a mute.
    app.set_thread_muted(thread, true).await.expect("muted");
    let account = app.list_accounts().await.expect("accounts")[0].id;
    let mut prefs = app.notification_prefs().await;
    prefs.muted_accounts = vec![account];
    app.set_notification_prefs(prefs)
        .await
        .expect("account muted");
    app.remove_account(account, false).await.expect("removed");
    let prefs = app.notification_prefs().await;
    assert!(prefs.muted_threads.is_empty());
    assert!(
        prefs.muted_accounts.is_empty(),
        "{:?}",
        prefs.muted_accounts
    );
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added again");
    let again = app.list_accounts().await.expect("accounts")[0].id;
    assert_eq!(
        again, account,
        "the row id is reused (what the test is about)"
    );
    assert!(app.notification_prefs().await.muted_accounts.is_empty());
}

#[tokio::test]
async fn a_blocked_customer_is_kept_but_hidden_and_never_notifies() {
    use parley_domain::{ContactMarks, ContactMarksChange, ContactSort, ThreadView};
    let (fake, dir, secrets) = workspace().await;
    let shown = Arc::new(Recorder::default());
    let mut config = CoreConfig::new(paths(dir.path()), secrets.clone());
    config.api_roots.set("telegram", fake.base_url());
    config.demo = DemoMode::Off;
    config.quiet_hours_by_default = false;
    config.long_poll = Duration::from_secs(1);
    config.notifier = shown.clone();
    let app = Parley::start(config).await.expect("starts");
    app.set_window_focused(false);
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    live(&app).await;
    let c = fake.customer("Mallory", Some("Spam"), Some("mallory_spam"));
    fake.inject_text(&c, "first").expect("inject");
    eventually(
        "the first notification",
        Duration::from_secs(10),
        || async { shown.bodies() == ["first"] },
    )
    .await;
    let thread = threads(&app).await[0].clone();

    // Found on the Contacts screen by handle, then blocked there.
    let page = app
        .list_contacts("@mallory".into(), ContactSort::LastContact, None, 20)
        .await
        .expect("contacts");
    assert_eq!(page.contacts.len(), 1);
    let contact = page.contacts[0].id;
    assert_eq!(contact, thread.contact_id);
    let mut events = app.subscribe();
    let marks = app
        .set_contact_marks(
            contact,
            ContactMarksChange {
                vip: None,
                blocked: Some(true),
            },
        )
        .await
        .expect("blocked");
    assert_eq!(
        marks,
        ContactMarks {
            vip: false,
            blocked: true
        }
    );
    // The window is told to re-read the customer's conversations.
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(CoreEvent::ThreadsChanged { thread_ids }) = events.recv().await
                && thread_ids == vec![thread.id]
            {
                return;
            }
        }
    })
    .await
    .expect("threadsChanged for the customer's conversations");
    let open = app
        .list_view(ThreadView::Open, None, 50)
        .await
        .expect("open view");
    assert!(open.threads.is_empty(), "a blocked conversation is listed");
    assert_eq!(app.view_counts().await.expect("counts").open, 0);

    fake.inject_text(&c, "blocked one").expect("inject");
    eventually(
        "the blocked customer's message stored",
        Duration::from_secs(10),
        || async { threads(&app).await[0].snippet == "blocked one" },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shown.bodies(), ["first"], "a blocked customer notified");
    assert_eq!(app.view_counts().await.expect("counts").unread, 0);
    assert_eq!(app.unread_total().await.expect("unread"), 0);
    let pane = app.contact_by_id(contact).await.expect("contact");
    assert!(pane.blocked);
    assert_eq!(pane.conversations.len(), 1);

    // Unblocked, they are back in the inbox and their next message notifies.
    app.set_contact_marks(
        contact,
        ContactMarksChange {
            vip: None,
            blocked: Some(false),
        },
    )
    .await
    .expect("unblocked");
    assert_eq!(app.view_counts().await.expect("counts").open, 1);
    fake.inject_text(&c, "heard again").expect("inject");
    eventually(
        "the notification after unblocking",
        Duration::from_secs(10),
        || async { shown.bodies() == ["first", "heard again"] },
    )
    .await;
    let missing = app
        .contact_by_id(parley_domain::ContactId(contact.0 + 1000))
        .await
        .expect_err("no such contact");
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_second_start_on_the_same_workspace_is_refused_and_touches_nothing() {
    let (fake, dir, secrets) = workspace().await;
    let start = || start_on(&fake, dir.path(), &secrets);
    let first = start().await.expect("first start");
    first
        .add_telegram_account(fake.token().into())
        .await
        .expect("added");
    let c = fake.customer("Hedy", Some("Lamarr"), None);
    fake.inject_text(&c, "one").expect("inject");
    eventually("stored", Duration::from_secs(10), || async {
        threads(&first).await.len() == 1
    })
    .await;

    let refused = match start().await {
        Ok(_) => panic!("a second Parley started on a workspace in use"),
        Err(e) => e,
    };
    assert_eq!(refused.code, ErrorCode::AlreadyRunning);
    assert!(
        refused
            .message
            .contains(&dir.path().join("data").display().to_string()),
        "{}",
        refused.message
    );

    // The first goes on alone: a new message arrives once.
    fake.inject_text(&c, "two").expect("inject");
    eventually("the next message", Duration::from_secs(10), || async {
        threads(&first)
            .await
            .first()
            .is_some_and(|t| t.snippet == "two" && t.unread_count == 2)
    })
    .await;

    // Closed, the workspace is free again, with everything in it.
    drop(first);
    let again = eventually_start(&start).await;
    assert_eq!(threads(&again).await[0].snippet, "two");
}

/// Starts once the previous core has let go of the workspace (its last tasks end shortly after
/// it is dropped).
async fn eventually_start<F, Fut>(start: &F) -> Arc<Parley>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Arc<Parley>, parley_domain::IpcError>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match start().await {
            Ok(app) => return app,
            Err(e)
                if e.code == ErrorCode::AlreadyRunning && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("start after close: {e}"),
        }
    }
}

/// The demo's five accounts read their history on the first start: the agent gets one summary
/// for all of it, whether the accounts go live together or one by one in another order.
#[tokio::test]
async fn the_first_start_gives_one_summary_whatever_order_the_accounts_go_live_in() {
    for stagger in [Duration::ZERO, Duration::from_millis(700)] {
        let (fake, dir, secrets) = workspace().await;
        let shown = Arc::new(Recorder::default());
        let mut config = CoreConfig::new(paths(dir.path()), secrets.clone());
        config.api_roots.set("telegram", fake.base_url());
        config.long_poll = Duration::from_secs(1);
        config.demo_stagger = stagger;
        config.notifier = shown.clone();
        let app = Parley::start(config).await.expect("starts");
        let accounts = app.list_accounts().await.expect("accounts");
        assert_eq!(accounts.len(), 5);
        live(&app).await;
        eventually("the summary", Duration::from_secs(10), || async {
            !shown.summaries().is_empty()
        })
        .await;
        let summaries = shown.summaries();
        assert_eq!(summaries.len(), 1, "stagger {stagger:?}: {summaries:?}");
        // Every demo thread read so far (a simulated customer may have written since).
        let n = threads(&app).await.len();
        let (count, rest) = summaries[0].split_once(' ').expect("a count");
        let count: usize = count.parse().expect("a number");
        assert!((5..=n).contains(&count), "{count} of {n} threads");
        assert_eq!(
            rest,
            "conversations synced from Telegram, Messenger, Instagram, SMS and WhatsApp"
        );
        drop(app);
    }
}

#[tokio::test]
async fn a_snooze_wakes_with_a_notification_and_a_customer_reopens_a_resolved_thread() {
    use parley_domain::{ThreadChange, ThreadEventKind, ThreadStatus, ThreadView};
    let (fake, dir, secrets) = workspace().await;
    let mut config = CoreConfig::new(paths(dir.path()), secrets.clone());
    config.api_roots.set("telegram", fake.base_url());
    config.demo = DemoMode::Off;
    config.quiet_hours_by_default = false;
    config.long_poll = Duration::from_secs(1);
    let shown = Arc::new(Recorder::default());
    config.notifier = shown.clone();
    let app = Parley::start(config).await.expect("starts");
    app.set_window_focused(false);
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    live(&app).await;
    let c = fake.customer("Ada", Some("Lovelace"), None);
    fake.inject_text(&c, "where is my parcel?").expect("inject");
    eventually("the message notified", Duration::from_secs(10), || async {
        shown.bodies().len() == 1
    })
    .await;
    let thread = threads(&app).await[0].id;

    // Snoozed for a moment: out of Open, into Snoozed, then back with a notification.
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
        + 1_500;
    let out = app
        .change_threads(vec![thread], ThreadChange::Snooze { until })
        .await
        .expect("snoozed");
    assert!(out.applied);
    let counts = app.view_counts().await.expect("counts");
    assert_eq!((counts.open, counts.snoozed), (0, 1));
    let snoozed = app
        .list_view(ThreadView::Snoozed, None, 50)
        .await
        .expect("view");
    assert_eq!(snoozed.threads[0].snoozed_until, Some(until));
    eventually("the snooze ended", Duration::from_secs(10), || async {
        shown.bodies().len() == 2
    })
    .await;
    assert_eq!(shown.bodies()[1], "Snooze ended · where is my parcel?");
    let detail = app.open_thread(thread).await.expect("open");
    assert_eq!(detail.thread.status, ThreadStatus::Open);
    assert!(matches!(
        detail.events.last().map(|e| &e.event),
        Some(ThreadEventKind::Woke)
    ));

    // Resolved, then the customer writes: open again, and the thread says why.
    app.change_threads(vec![thread], ThreadChange::Resolve { send_queued: None })
        .await
        .expect("resolved");
    assert_eq!(app.view_counts().await.expect("counts").resolved, 1);
    fake.inject_text(&c, "one more thing").expect("inject");
    eventually(
        "reopened by the customer",
        Duration::from_secs(10),
        || async { app.view_counts().await.expect("counts").open == 1 },
    )
    .await;
    let detail = app.open_thread(thread).await.expect("open");
    assert!(matches!(
        detail.events.last().map(|e| &e.event),
        Some(ThreadEventKind::ReopenedByCustomer {
            from: ThreadStatus::Resolved
        })
    ));
}

#[tokio::test]
async fn a_suggested_merge_is_reviewed_merged_undone_and_dismissed() {
    use parley_domain::{AttributeKind, ContactAttribute, MergeChoice, MergeReason};
    let rig = rig(DemoMode::Off).await;
    rig.app
        .add_telegram_account(rig.fake.token().into())
        .await
        .expect("added");
    let anna = rig.fake.customer("Anna", Some("Müller"), Some("anna_m"));
    let work = rig.fake.customer("A.", Some("Müller (work)"), None);
    let other = rig.fake.customer("Kofi", Some("Mensah"), None);
    for (who, text) in [
        (&anna, "Wo ist meine Bestellung?"),
        (&work, "Invoice please"),
        (&other, "Hi"),
    ] {
        rig.fake.inject_text(who, text).expect("inject");
    }
    eventually("three threads", Duration::from_secs(10), || async {
        threads(&rig.app).await.len() == 3
    })
    .await;
    let contact = |name: &'static str| {
        let app = rig.app.clone();
        async move {
            let all = app.list_threads(None, 50).await.expect("threads").threads;
            let t = all
                .into_iter()
                .find(|t| t.contact_name == name)
                .expect(name);
            (t.id, t.contact_id)
        }
    };
    let (anna_thread, anna_id) = contact("Anna Müller").await;
    let (_, work_id) = contact("A. Müller (work)").await;
    let (_, kofi_id) = contact("Kofi Mensah").await;
    assert!(
        rig.app
            .merge_suggestions(None, 10)
            .await
            .expect("none yet")
            .is_empty()
    );

    // The same phone, written two ways, on both: a strong suggestion; Kofi has another number.
    for (c, phone) in [
        (anna_id, "+49 151 23456789"),
        (work_id, "0049 1512 3456789"),
        (kofi_id, "+233 20 123 4567"),
    ] {
        rig.app
            .set_contact_attribute(
                c,
                ContactAttribute {
                    key: "Phone".into(),
                    kind: AttributeKind::Text,
                    value: phone.into(),
                },
            )
            .await
            .expect("phone");
    }
    let found = rig
        .app
        .merge_suggestions(Some(anna_id), 5)
        .await
        .expect("suggestions");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].a, found[0].b),
        (anna_id.min(work_id), anna_id.max(work_id))
    );
    assert_eq!(
        found[0].reasons[0],
        MergeReason::SamePhone {
            phone: "+4915123456789".into()
        }
    );
    assert!(
        rig.app
            .merge_suggestions(Some(kofi_id), 5)
            .await
            .expect("kofi")
            .is_empty()
    );

    let mut events = rig.app.subscribe();
    let change = rig
        .app
        .merge_contacts(MergeChoice {
            survivor: anna_id,
            absorbed: work_id,
            name_from: anna_id,
            attributes_from: anna_id,
        })
        .await
        .expect("merge");
    let ctx = rig.app.contact_context(anna_thread).await.expect("pane");
    assert_eq!(ctx.conversations.len(), 2);
    assert_eq!(ctx.identities.len(), 2);
    assert!(
        matches!(events.try_recv(), Ok(CoreEvent::ThreadsChanged { thread_ids }) if thread_ids.len() == 2)
    );
    assert_eq!(
        threads(&rig.app)
            .await
            .iter()
            .filter(|t| t.contact_name == "Anna Müller")
            .count(),
        2,
        "both rows show the merged customer's name"
    );
    assert!(
        rig.app
            .merge_suggestions(None, 10)
            .await
            .expect("merged")
            .is_empty()
    );

    rig.app.undo_contact_change(change.id).await.expect("undo");
    assert_eq!(
        rig.app
            .merge_suggestions(None, 10)
            .await
            .expect("back")
            .len(),
        1
    );
    rig.app
        .dismiss_merge_suggestion(work_id, anna_id)
        .await
        .expect("dismiss");
    assert!(
        rig.app
            .merge_suggestions(None, 10)
            .await
            .expect("dismissed")
            .is_empty()
    );
}

#[tokio::test]
async fn profile_pictures_are_fetched_once_kept_only_when_they_are_images_and_served() {
    let rig = rig(DemoMode::Off).await;
    rig.app
        .add_telegram_account(rig.fake.token().into())
        .await
        .expect("added");
    let ana = rig.fake.customer("Ana", Some("Lima"), None);
    let bo = rig.fake.customer("Bo", Some("Berg"), None);
    let cy = rig.fake.customer("Cy", Some("Cole"), None);
    rig.fake
        .set_profile_photo(&ana, parley_sim::demo::pictures::TEAL, 128, 128);
    // Bytes that are no raster image (an SVG, which could carry script): never kept.
    rig.fake
        .set_profile_photo(&cy, b"<svg xmlns='http://www.w3.org/2000/svg'/>", 128, 128);
    for who in [&ana, &bo, &cy] {
        rig.fake.inject_text(who, "hello").expect("inject");
    }
    eventually("three threads", Duration::from_secs(10), || async {
        threads(&rig.app).await.len() == 3
    })
    .await;
    let context_of = |name: &'static str| {
        let app = rig.app.clone();
        async move {
            let all = app.list_threads(None, 50).await.expect("threads").threads;
            let t = all
                .into_iter()
                .find(|t| t.contact_name == name)
                .expect(name);
            app.contact_context(t.id).await.expect("pane")
        }
    };
    let ana_ctx = context_of("Ana Lima").await;
    assert_eq!(ana_ctx.avatar, None, "not asked yet");
    assert!(
        rig.app
            .refresh_avatars(ana_ctx.contact_id)
            .await
            .expect("refresh")
    );
    let ana_ctx = context_of("Ana Lima").await;
    let identity = ana_ctx.avatar.expect("her picture");
    assert_eq!(identity, ana_ctx.identities[0].id);
    let image = rig.app.avatar_image(identity).await.expect("served");
    assert_eq!(image.content_type, "image/png");
    assert_eq!(image.bytes, parley_sim::demo::pictures::TEAL);
    // Asked once a week at most: now it is not due.
    assert!(
        !rig.app
            .refresh_avatars(ana_ctx.contact_id)
            .await
            .expect("again")
    );

    for name in ["Bo Berg", "Cy Cole"] {
        let ctx = context_of(name).await;
        assert!(
            !rig.app
                .refresh_avatars(ctx.contact_id)
                .await
                .expect("refresh"),
            "{name}"
        );
        assert_eq!(context_of(name).await.avatar, None, "{name}");
        assert!(
            rig.app.avatar_image(ctx.identities[0].id).await.is_err(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_account_removed_with_its_conversations_kept_is_read_only_until_added_again() {
    let (fake, dir, secrets) = workspace().await;
    let app = start_on(&fake, dir.path(), &secrets).await.expect("starts");
    let token = fake.token().to_string();
    let account = app
        .add_telegram_account(token.clone())
        .await
        .expect("added");
    let ada = fake.customer("Ada", None, None);
    fake.inject_text(&ada, "Invoice 7731 please")
        .expect("inject");
    let thread = crate::common::thread_of(&app, "Ada").await;

    app.remove_account(account.id, true).await.expect("removed");
    assert_eq!(
        secrets.get("telegram:110201543").expect("get"),
        None,
        "the token left the keychain"
    );
    let listed = app.list_accounts().await.expect("accounts");
    assert!(listed[0].removed_at.is_some(), "listed, as removed");
    // Kept: listed, opened, found by search; never answered through the removed account.
    assert!(threads(&app).await.iter().any(|t| t.id == thread.id));
    assert_eq!(
        app.search("7731".into(), 10).await.expect("search").len(),
        1
    );
    let err = app
        .send_reply(thread.id, "Here it is".into())
        .await
        .expect_err("read-only");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("removed"), "{}", err.message);

    // After a restart it does not run, and still holds its conversation.
    drop(app);
    // The first core lets go of the workspace once its tasks have ended.
    let started = std::time::Instant::now();
    let app = loop {
        match start_on(&fake, dir.path(), &secrets).await {
            Ok(app) => break app,
            Err(e) => {
                assert!(started.elapsed() < Duration::from_secs(10), "{}", e.message);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let before = fake.request_log().len();
    fake.inject_text(&ada, "Hello?").expect("inject");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fake.request_log().len(),
        before,
        "a removed account does not poll"
    );
    assert!(threads(&app).await.iter().any(|t| t.id == thread.id));

    // Added again, it comes back with the same conversation and syncs what it missed.
    let again = app.add_telegram_account(token).await.expect("added again");
    assert_eq!(again.id, account.id);
    assert_eq!(again.removed_at, None);
    eventually("the missed message", Duration::from_secs(10), || async {
        app.open_thread(thread.id)
            .await
            .is_ok_and(|d| d.messages.messages.iter().any(|m| m.text == "Hello?"))
    })
    .await;
    app.send_reply(thread.id, "Here it is".into())
        .await
        .expect("answers again");
}
