//! Automated messages end to end against the fake Telegram (issue 15): the greeting and the
//! away message leave through the outbox, marked in the thread, once per customer; a failed
//! send is retried and arrives once; a greeting that waited while an agent answered is held
//! ("an agent answered first") and never sent, and keeps nothing of the agent's waiting.

use parley_core::{MemorySecrets, Parley};
use parley_domain::{
    AccountAutomation, AutomationKind, AutomationSettings, BusinessHours, DeliveryState,
    HoldReason, Holiday, MessageView, OpenSpan, RuleSettings, SavedReplyInput, SyncState, ThreadId,
};
use parley_sim::{FakeTelegram, FakeTelegramConfig, Fault, eventually};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

struct Rig {
    app: Arc<Parley>,
    fake: FakeTelegram,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    let app = Parley::start(config).await.expect("starts");
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    // A new account's first catch-up reads history, which no rule answers: wait until it is
    // live, as a customer writing later would find it.
    eventually("the account live", WAIT, || async {
        app.list_accounts().await.expect("accounts")[0].sync == SyncState::Live
    })
    .await;
    Rig {
        app,
        fake,
        _dir: dir,
    }
}

fn rule(text: &str) -> RuleSettings {
    RuleSettings {
        enabled: true,
        text: text.into(),
        period_hours: 24,
    }
}

/// Open around the clock except today and tomorrow (UTC holidays): closed now, whatever now is.
fn closed_until_the_day_after_tomorrow() -> BusinessHours {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let tomorrow = today.tomorrow().expect("date");
    BusinessHours {
        time_zone: "UTC".into(),
        spans: (1..=7)
            .map(|weekday| OpenSpan {
                weekday,
                start_minute: 0,
                end_minute: 1440,
            })
            .collect(),
        holidays: [today, tomorrow]
            .iter()
            .map(|d| Holiday {
                date: d.to_string(),
                name: "Closed".into(),
            })
            .collect(),
    }
}

async fn configure(rig: &Rig, greeting: Option<&str>, away: Option<(&str, BusinessHours)>) {
    let account = rig.app.list_accounts().await.expect("accounts")[0].id;
    let mut a = AccountAutomation {
        account_id: account,
        ..AccountAutomation::default()
    };
    if let Some(text) = greeting {
        a.greeting = rule(text);
    }
    let mut settings = AutomationSettings::default();
    if let Some((text, hours)) = away {
        a.away = rule(text);
        settings.hours = hours;
    }
    settings.accounts = vec![a];
    let saved = rig
        .app
        .set_automation_settings(settings)
        .await
        .expect("saved");
    assert!(saved.accounts[0].greeting.enabled == greeting.is_some());
}

async fn thread_of(app: &Parley, name: &str) -> ThreadId {
    let find = || async {
        app.list_threads(None, 100)
            .await
            .expect("threads")
            .threads
            .into_iter()
            .find(|t| t.contact_name == name)
            .map(|t| t.id)
    };
    eventually(&format!("the thread of {name}"), WAIT, || async {
        find().await.is_some()
    })
    .await;
    find().await.expect("thread")
}

async fn messages(app: &Parley, thread: ThreadId) -> Vec<MessageView> {
    app.open_thread(thread)
        .await
        .expect("open")
        .messages
        .messages
}

fn sent_to(fake: &FakeTelegram, chat: i64) -> Vec<String> {
    fake.sent_messages()
        .into_iter()
        .filter(|s| s.chat_id == chat)
        .map(|s| s.text)
        .collect()
}

#[tokio::test]
async fn a_new_customer_is_greeted_once_and_told_when_someone_answers() {
    let rig = rig().await;
    configure(
        &rig,
        Some("Hi {{first_name|there}}, welcome to the shop!"),
        Some((
            "We're closed; we answer from {{next_opening}}.",
            closed_until_the_day_after_tomorrow(),
        )),
    )
    .await;
    let ada = rig.fake.customer("Ada", Some("Lovelace"), None);
    rig.fake
        .inject_text(&ada, "Do you ship to London?")
        .expect("inject");
    let thread = thread_of(&rig.app, "Ada Lovelace").await;
    eventually(
        "greeting and away message at the provider",
        WAIT,
        || async {
            let n = sent_to(&rig.fake, ada.id).len();
            n == 2
        },
    )
    .await;
    let sent = sent_to(&rig.fake, ada.id);
    assert_eq!(sent[0], "Hi Ada, welcome to the shop!");
    assert!(
        sent[1].starts_with("We're closed; we answer from ") && sent[1].ends_with(" 00:00 (UTC)."),
        "{sent:?}"
    );
    eventually("both shown as sent", WAIT, || async {
        messages(&rig.app, thread)
            .await
            .iter()
            .filter(|m| m.delivery == DeliveryState::Sent)
            .count()
            == 2
    })
    .await;
    let shown = messages(&rig.app, thread).await;
    let kinds: Vec<Option<AutomationKind>> = shown
        .iter()
        .map(|m| m.automated.as_ref().map(|a| a.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            None,
            Some(AutomationKind::Greeting),
            Some(AutomationKind::Away)
        ]
    );
    assert_eq!(shown[1].author_name, "Greeting");
    // Still waiting for a person: no rule answers for the shop.
    let summary = rig
        .app
        .list_threads(None, 10)
        .await
        .expect("threads")
        .threads
        .into_iter()
        .find(|t| t.id == thread)
        .expect("thread");
    assert!(summary.waiting_since.is_some(), "{summary:?}");
    // Without a text set by hand, `{{business_hours}}` reads the schedule.
    let reply = rig
        .app
        .create_saved_reply(SavedReplyInput {
            folder: String::new(),
            title: "Hours".into(),
            body: "Our hours: {{business_hours}}".into(),
            variants: Vec::new(),
        })
        .await
        .expect("saved reply");
    let filled = rig
        .app
        .fill_saved_reply(reply.id, thread)
        .await
        .expect("filled");
    assert_eq!(filled.text, "Our hours: Mon–Sun 00:00–24:00 (UTC)");

    // Ada writes again: no second greeting (not her first message), no second away message
    // (once per customer per period). Grace's first message is greeted after Ada's second was
    // looked at: the rules run batch after batch, in order.
    rig.fake.inject_text(&ada, "Hello?").expect("inject");
    eventually("Ada's second message stored", WAIT, || async {
        messages(&rig.app, thread)
            .await
            .iter()
            .any(|m| m.text == "Hello?")
    })
    .await;
    let grace = rig.fake.customer("Grace", Some("Hopper"), None);
    rig.fake.inject_text(&grace, "Hi").expect("inject");
    eventually("Grace greeted", WAIT, || async {
        sent_to(&rig.fake, grace.id).len() == 2
    })
    .await;
    assert_eq!(sent_to(&rig.fake, ada.id).len(), 2, "Ada was greeted twice");
    assert_eq!(
        sent_to(&rig.fake, grace.id)[0],
        "Hi Grace, welcome to the shop!"
    );
}

#[tokio::test]
async fn a_failed_greeting_is_retried_once_and_an_agent_answer_holds_a_waiting_one() {
    let rig = rig().await;
    configure(&rig, Some("Welcome, {{first_name|there}}!"), None).await;

    // A 502 on the first try: retried, received once.
    rig.fake
        .inject_fault("sendMessage", Fault::ServerError { status: 502 }, 1);
    let ada = rig.fake.customer("Ada", Some("Lovelace"), None);
    rig.fake.inject_text(&ada, "Hello").expect("inject");
    let ada_thread = thread_of(&rig.app, "Ada Lovelace").await;
    eventually("the greeting sent after a retry", WAIT, || async {
        messages(&rig.app, ada_thread)
            .await
            .iter()
            .any(|m| m.automated.is_some() && m.delivery == DeliveryState::Sent)
    })
    .await;
    assert_eq!(sent_to(&rig.fake, ada.id), ["Welcome, Ada!"]);

    // The provider fails every send while Grace's greeting waits; the agent answers meanwhile.
    rig.fake
        .inject_fault("sendMessage", Fault::ServerError { status: 502 }, 10_000);
    let grace = rig.fake.customer("Grace", Some("Hopper"), None);
    rig.fake.inject_text(&grace, "Anyone?").expect("inject");
    let thread = thread_of(&rig.app, "Grace Hopper").await;
    eventually("the greeting waits for a retry", WAIT, || async {
        messages(&rig.app, thread)
            .await
            .iter()
            .any(|m| m.automated.is_some() && m.delivery == DeliveryState::Retrying)
    })
    .await;
    rig.app
        .send_reply(thread, "Hi Grace, Bob here. How can I help?".into())
        .await
        .expect("reply");
    rig.fake.clear_faults();
    eventually("the agent's reply sent", WAIT, || async {
        sent_to(&rig.fake, grace.id) == ["Hi Grace, Bob here. How can I help?"]
    })
    .await;
    let shown = messages(&rig.app, thread).await;
    let greeting = shown
        .iter()
        .find(|m| m.automated.is_some())
        .expect("greeting");
    assert_eq!(greeting.delivery, DeliveryState::Held);
    assert_eq!(greeting.hold_reason, Some(HoldReason::AgentAnswered));
    // Not among the held replies the banner asks the agent about.
    assert_eq!(rig.app.outbox_status().await.expect("status").held, 0);
    // Discarded: gone, and the agent's draft is left alone.
    rig.app
        .save_draft(thread, "Anything else?".into())
        .await
        .expect("draft");
    rig.app.discard_reply(greeting.id).await.expect("discard");
    let detail = rig.app.open_thread(thread).await.expect("open");
    assert!(
        detail
            .messages
            .messages
            .iter()
            .all(|m| m.automated.is_none())
    );
    assert_eq!(detail.draft.as_deref(), Some("Anything else?"));
    assert_eq!(sent_to(&rig.fake, grace.id).len(), 1);
}

#[tokio::test]
async fn settings_are_checked_and_the_preview_says_when_we_open() {
    let rig = rig().await;
    let mut bad = AutomationSettings::default();
    bad.hours.time_zone = "Mars/Olympus".into();
    let err = rig
        .app
        .set_automation_settings(bad)
        .await
        .expect_err("zone");
    assert!(err.message.contains("not a time zone"), "{}", err.message);
    let account = rig.app.list_accounts().await.expect("accounts")[0].id;
    let empty = AutomationSettings {
        accounts: vec![AccountAutomation {
            account_id: account,
            greeting: rule("  "),
            ..AccountAutomation::default()
        }],
        ..AutomationSettings::default()
    };
    let err = rig
        .app
        .set_automation_settings(empty)
        .await
        .expect_err("no text");
    assert!(err.message.contains("has no text"), "{}", err.message);
    // Every account is listed, off until turned on.
    let listed = rig.app.automation_settings().await.expect("settings");
    assert_eq!(listed.accounts.len(), 1);
    assert!(!listed.accounts[0].greeting.enabled);
    let preview = rig
        .app
        .preview_business_hours(closed_until_the_day_after_tomorrow())
        .expect("preview");
    assert!(!preview.open_now);
    assert!(
        preview
            .words
            .starts_with("We're closed now — we'll answer from "),
        "{}",
        preview.words
    );
}
