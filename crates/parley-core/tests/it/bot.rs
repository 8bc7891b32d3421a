//! The FAQ bot through the facade, against the fake Telegram server (and the fake Graph API for
//! the Handover Protocol): gather steps with a bad then a good answer, hand offs, when it stays
//! quiet, the rate limit, and its messages through the outbox under faults.
//!
//! Absence is proved by order, never by a sleep: the automation hook handles sync batches one
//! after another, so once a later message has been answered, an earlier one was decided.

use crate::common::thread_of;
use parley_core::notify::{Notifier, Shown};
use parley_core::{MemorySecrets, Parley};
use parley_domain::*;
use parley_sim::eventually;
use parley_sim::telegram::{Customer, Fault};
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records what would be shown on the desktop.
#[derive(Default)]
struct Shows(Mutex<Vec<Shown>>);

impl Notifier for Shows {
    fn show(&self, n: &Shown) {
        self.0.lock().expect("shows").push(n.clone());
    }
    fn summary(&self, _: &str, _: bool) {}
    fn close(&self, _: &str) {}
}

struct Rig {
    app: Arc<Parley>,
    fake: FakeTelegram,
    shows: Arc<Shows>,
    account: AccountId,
    _dir: tempfile::TempDir,
}

const Q_ORDER: &str = "What is your order number?";
const Q_EMAIL: &str = "And the email you ordered with?";
const RETRY: &str = "That is not an order number; it looks like #4821.";

fn order_rule(answer: SavedReplyId) -> FaqRuleInput {
    FaqRuleInput {
        name: "Where is my order".into(),
        enabled: true,
        phrases: vec!["where is my order".into(), "dónde está mi pedido".into()],
        saved_reply_id: Some(answer),
        steps: vec![
            GatherStep {
                question: Q_ORDER.into(),
                check: AnswerCheck::OrderNumber,
                attribute: "Order".into(),
                retry_message: RETRY.into(),
                max_retries: 1,
            },
            GatherStep {
                question: Q_EMAIL.into(),
                check: AnswerCheck::Email,
                attribute: "Email".into(),
                retry_message: "That is not an email address.".into(),
                max_retries: 1,
            },
        ],
    }
}

/// A core with one Telegram account, the bot on for it and the order rule; `max_per_hour`.
async fn rig(max_per_hour: u32) -> Rig {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let shows = Arc::new(Shows::default());
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    config.notifier = shows.clone();
    let app = Parley::start(config).await.expect("starts");
    let account = app
        .add_telegram_account(fake.token().into())
        .await
        .expect("account")
        .id;
    let answer = app
        .create_saved_reply(SavedReplyInput {
            folder: "Bot".into(),
            title: "Order noted".into(),
            body: "Thanks {{first_name|there}}! Order {{Order}} ({{Email}}) is noted; a person will answer you here shortly.".into(),
            variants: vec![],
        })
        .await
        .expect("reply")
        .id;
    app.create_faq_rule(order_rule(answer)).await.expect("rule");
    app.set_bot_settings(BotSettings {
        accounts: vec![account],
        max_per_hour,
        ..BotSettings::default()
    })
    .await
    .expect("settings");
    // A new account's first catch-up reads history, which no rule answers: wait until it is
    // live, as a customer writing later would find it (else a message racing the first fetch
    // is history and the bot stays quiet).
    eventually("the account live", Duration::from_secs(20), || async {
        app.list_accounts().await.expect("accounts")[0].sync == parley_domain::SyncState::Live
    })
    .await;
    Rig {
        app,
        fake,
        shows,
        account,
        _dir: dir,
    }
}

impl Rig {
    fn sent_to(&self, c: &Customer) -> Vec<String> {
        self.fake
            .sent_messages()
            .into_iter()
            .filter(|s| s.chat_id == c.id)
            .map(|s| s.text)
            .collect()
    }

    /// Waits until the customer has received exactly `texts`, in order.
    async fn until_sent(&self, c: &Customer, texts: &[&str]) {
        eventually(
            &format!("{} got {texts:?}", c.first_name),
            Duration::from_secs(20),
            || async { self.sent_to(c) == texts },
        )
        .await;
    }

    async fn thread(&self, name: &str) -> ThreadSummary {
        thread_of(&self.app, name).await
    }
}

#[tokio::test]
async fn the_bot_asks_takes_a_bad_then_a_good_answer_and_hands_over_with_a_note() {
    let rig = rig(10).await;
    let ana = rig.fake.customer("Ana", Some("Pérez"), None);
    rig.fake
        .inject_text(&ana, "Hola! ¿Dónde está mi pedido?")
        .expect("inject");
    rig.until_sent(&ana, &[Q_ORDER]).await;
    rig.fake.inject_text(&ana, "no sé").expect("inject");
    rig.until_sent(&ana, &[Q_ORDER, RETRY]).await;
    rig.fake.inject_text(&ana, "it's #4821").expect("inject");
    rig.until_sent(&ana, &[Q_ORDER, RETRY, Q_EMAIL]).await;
    rig.fake
        .inject_text(&ana, "ana.perez@Example.com")
        .expect("inject");
    let answer = "Thanks Ana! Order 4821 (ana.perez@example.com) is noted; a person will answer you here shortly.";
    rig.until_sent(&ana, &[Q_ORDER, RETRY, Q_EMAIL, answer])
        .await;

    let thread = rig.thread("Ana Pérez").await;
    eventually("the priority raised", Duration::from_secs(10), || async {
        rig.thread("Ana Pérez").await.priority >= 3
    })
    .await;
    let ctx = rig.app.contact_context(thread.id).await.expect("context");
    let attrs: Vec<(&str, &str)> = ctx
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [("Email", "ana.perez@example.com"), ("Order", "4821")]
    );
    let note = &ctx.notes[0];
    assert_eq!(note.author, "Bot");
    assert!(
        note.body.contains("answered every question")
            && note.body.contains("Order: 4821")
            && note.body.contains("Asked: Hola! ¿Dónde está mi pedido?"),
        "{}",
        note.body
    );
    // The bot's messages are marked as automated, by their rule.
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    let bot: Vec<&MessageView> = detail
        .messages
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .collect();
    assert_eq!(bot.len(), 4);
    assert!(bot.iter().all(|m| m.automated
        == Some(AutomatedBy::new(
            AutomationKind::FaqBot,
            "FAQ: Where is my order"
        ))));
    // A person is told.
    eventually("the hand off notified", Duration::from_secs(10), || async {
        rig.shows.0.lock().expect("shows").iter().any(|s| {
            s.thread == thread.id
                && s.body == "Bot handed off · Order: 4821 · Email: ana.perez@example.com"
        })
    })
    .await;
}

#[tokio::test]
async fn agent_please_hands_over_at_once_and_the_bot_then_stays_out() {
    let rig = rig(10).await;
    let bo = rig.fake.customer("Bo", Some("Berg"), None);
    rig.fake
        .inject_text(&bo, "where is my order")
        .expect("inject");
    rig.until_sent(&bo, &[Q_ORDER]).await;
    rig.fake.inject_text(&bo, "agent please").expect("inject");
    let handoff = BotSettings::default().handoff_message;
    rig.until_sent(&bo, &[Q_ORDER, handoff.as_str()]).await;
    let thread = rig.thread("Bo Berg").await;
    eventually("the note", Duration::from_secs(10), || async {
        rig.app
            .contact_context(thread.id)
            .await
            .ok()
            .is_some_and(|c| {
                c.notes
                    .iter()
                    .any(|n| n.body.contains("asked for a person (\"agent please\")"))
            })
    })
    .await;
    // Handed over: a new question is for the person, not the bot. Another customer's answer
    // proves that the bot has read it.
    rig.fake
        .inject_text(&bo, "where is my order??")
        .expect("inject");
    eventually(
        "Bo's last message stored",
        Duration::from_secs(10),
        || async {
            rig.app.open_thread(thread.id).await.is_ok_and(|d| {
                d.messages
                    .messages
                    .iter()
                    .any(|m| m.text == "where is my order??")
            })
        },
    )
    .await;
    let cy = rig.fake.customer("Cy", None, None);
    rig.fake
        .inject_text(&cy, "where is my order")
        .expect("inject");
    rig.until_sent(&cy, &[Q_ORDER]).await;
    assert_eq!(rig.sent_to(&bo), [Q_ORDER, handoff.as_str()]);
}

#[tokio::test]
async fn no_answer_while_an_agent_has_the_thread_open_or_answered_recently() {
    let rig = rig(10).await;
    let dee = rig.fake.customer("Dee", None, None);
    rig.fake.inject_text(&dee, "hello").expect("inject");
    let dee_thread = rig.thread("Dee").await;
    // The agent has Dee's conversation open.
    rig.app.set_open_thread(Some(dee_thread.id));
    rig.fake
        .inject_text(&dee, "where is my order")
        .expect("inject");
    // Eli's conversation: an agent answered a minute ago.
    let eli = rig.fake.customer("Eli", None, None);
    rig.fake.inject_text(&eli, "hi").expect("inject");
    let eli_thread = rig.thread("Eli").await;
    rig.app
        .send_reply(eli_thread.id, "Hi Eli, how can I help?".into())
        .await
        .expect("reply");
    rig.until_sent(&eli, &["Hi Eli, how can I help?"]).await;
    rig.fake
        .inject_text(&eli, "where is my order")
        .expect("inject");
    for t in [dee_thread.id, eli_thread.id] {
        eventually("the message stored", Duration::from_secs(10), || async {
            rig.app.open_thread(t).await.is_ok_and(|d| {
                d.messages
                    .messages
                    .iter()
                    .any(|m| m.text == "where is my order")
            })
        })
        .await;
    }
    rig.app.set_open_thread(None);
    // A later customer is answered: the bot has decided about Dee and Eli by then.
    let flo = rig.fake.customer("Flo", None, None);
    rig.fake
        .inject_text(&flo, "where is my order")
        .expect("inject");
    rig.until_sent(&flo, &[Q_ORDER]).await;
    assert!(rig.sent_to(&dee).is_empty());
    assert_eq!(rig.sent_to(&eli), ["Hi Eli, how can I help?"]);
}

#[tokio::test]
async fn past_the_rate_limit_a_person_takes_over_without_a_word_from_the_bot() {
    let rig = rig(2).await;
    let gus = rig.fake.customer("Gus", None, None);
    rig.fake
        .inject_text(&gus, "where is my order")
        .expect("inject");
    rig.until_sent(&gus, &[Q_ORDER]).await;
    rig.fake.inject_text(&gus, "dunno").expect("inject");
    rig.until_sent(&gus, &[Q_ORDER, RETRY]).await;
    // A good answer would be the third message this hour.
    rig.fake.inject_text(&gus, "#4821").expect("inject");
    let thread = rig.thread("Gus").await;
    eventually("the silent hand off", Duration::from_secs(20), || async {
        rig.app
            .contact_context(thread.id)
            .await
            .ok()
            .is_some_and(|c| c.notes.iter().any(|n| n.body.contains("limit of messages")))
    })
    .await;
    assert_eq!(rig.sent_to(&gus), [Q_ORDER, RETRY]);
    assert!(rig.thread("Gus").await.priority >= 3);
    let _ = rig.account;
}

#[tokio::test]
async fn the_bots_messages_go_through_the_outbox_under_faults_and_never_twice() {
    let rig = rig(10).await;
    // The first send fails twice with a 502 (retried), the next one reaches Telegram but the
    // answer is lost (uncertain: only an agent may send it again).
    rig.fake
        .inject_fault("sendMessage", Fault::ServerError { status: 502 }, 2);
    let hal = rig.fake.customer("Hal", None, None);
    rig.fake
        .inject_text(&hal, "where is my order")
        .expect("inject");
    rig.until_sent(&hal, &[Q_ORDER]).await;
    rig.fake
        .inject_fault("sendMessage", Fault::AcceptThenDrop, 1);
    rig.fake.inject_text(&hal, "#4821").expect("inject");
    rig.until_sent(&hal, &[Q_ORDER, Q_EMAIL]).await;
    let thread = rig.thread("Hal").await;
    eventually(
        "the lost answer marked uncertain",
        Duration::from_secs(20),
        || async {
            rig.app.open_thread(thread.id).await.is_ok_and(|d| {
                d.messages
                    .messages
                    .iter()
                    .any(|m| m.text == Q_EMAIL && m.delivery == DeliveryState::Uncertain)
            })
        },
    )
    .await;
    // The customer goes on; the bot's next message goes out, the uncertain one is not resent.
    rig.fake
        .inject_text(&hal, "hal@example.com")
        .expect("inject");
    eventually("the answer sent", Duration::from_secs(20), || async {
        rig.sent_to(&hal).len() == 3
    })
    .await;
    let sent = rig.sent_to(&hal);
    assert_eq!(&sent[..2], [Q_ORDER, Q_EMAIL]);
    assert!(sent[2].starts_with("Thanks Hal! Order 4821"), "{sent:?}");
}

#[tokio::test]
async fn on_messenger_the_bot_answers_only_while_parleys_app_owns_the_conversation() {
    use parley_sim::graph::{BOT_APP_ID, FakeGraph, FakeGraphConfig, Platform};
    let fake = FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    config.api_roots.set("graph", fake.base_url());
    let app = Parley::start(config).await.expect("starts");
    let accounts = app
        .add_facebook_page(
            fake.page_id().to_owned(),
            fake.page_token().to_owned(),
            false,
            false,
        )
        .await
        .expect("page");
    let answer = app
        .create_saved_reply(SavedReplyInput {
            folder: String::new(),
            title: "Order noted".into(),
            body: "Noted, thank you.".into(),
            variants: vec![],
        })
        .await
        .expect("reply")
        .id;
    app.create_faq_rule(order_rule(answer)).await.expect("rule");
    app.set_bot_settings(BotSettings {
        accounts: accounts.iter().map(|a| a.id).collect(),
        ..BotSettings::default()
    })
    .await
    .expect("settings");
    let sent_to = |id: &str| -> Vec<String> {
        fake.sent_messages()
            .into_iter()
            .filter(|s| s.recipient_id == id)
            .map(|s| s.text)
            .collect()
    };

    // Another app (the Page's own bot) controls Ivy's conversation.
    let ivy = fake.customer(Platform::Messenger, "Ivy Stone", None);
    let first = fake.inject_text(&ivy, "hello");
    thread_of(&app, "Ivy Stone").await;
    fake.set_thread_owner(&first.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    fake.inject_text(&ivy, "where is my order");
    let thread = thread_of(&app, "Ivy Stone").await;
    eventually("Ivy's question stored", Duration::from_secs(15), || async {
        app.open_thread(thread.id).await.is_ok_and(|d| {
            d.messages
                .messages
                .iter()
                .any(|m| m.text == "where is my order")
        })
    })
    .await;
    // Parley's app may answer Jo: the bot does, after it decided about Ivy.
    let jo = fake.customer(Platform::Messenger, "Jo Reed", None);
    fake.inject_text(&jo, "where is my order");
    eventually("the bot asked Jo", Duration::from_secs(20), || async {
        sent_to(&jo.id) == [Q_ORDER]
    })
    .await;
    // Not even queued (Meta would refuse it anyway).
    let detail = app.open_thread(thread.id).await.expect("open");
    assert!(
        detail
            .messages
            .messages
            .iter()
            .all(|m| m.direction == Direction::Inbound),
        "{:?}",
        detail.messages.messages
    );
    assert!(sent_to(&ivy.id).is_empty(), "{:?}", sent_to(&ivy.id));
}
