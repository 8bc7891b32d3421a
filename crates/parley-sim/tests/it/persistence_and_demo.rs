#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use crate::common::{call, update_ids};
use parley_sim::demo::demo_fake_config;
use parley_sim::{DemoConfig, DemoWorld, FakeTelegram, FakeTelegramConfig};
use serde_json::json;

#[tokio::test]
async fn state_file_round_trip_continues_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("telegram.json");
    let config = FakeTelegramConfig {
        state_file: Some(path.clone()),
        ..FakeTelegramConfig::default()
    };
    let fake = FakeTelegram::start(config.clone()).await.unwrap();
    let c = fake.customer("Chloé", Some("Dubois"), None);
    fake.inject_text(&c, "first").unwrap();
    fake.inject_text(&c, "second").unwrap();
    let (_, all) = call(&fake, "getUpdates", json!({})).await;
    let ids = update_ids(&all);
    // Confirm the first update only.
    call(&fake, "getUpdates", json!({"offset": ids[1]})).await;
    call(
        &fake,
        "sendMessage",
        json!({"chat_id": c.id, "text": "Merci !"}),
    )
    .await;
    fake.block(&c).unwrap();
    drop(fake);
    assert!(path.exists());

    let fake = FakeTelegram::start(config).await.unwrap();
    assert_eq!(
        fake.pending_updates(),
        1,
        "unconfirmed updates survive a restart"
    );
    let (_, again) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&again), vec![ids[1]]);
    assert_eq!(again["result"][0]["message"]["text"], "second");
    assert_eq!(fake.customers(), vec![c.clone()]);
    assert_eq!(fake.sent_messages().len(), 1);
    let (status, _) = call(&fake, "sendMessage", json!({"chat_id": c.id, "text": "?"})).await;
    assert_eq!(status.as_u16(), 403, "blocked set survives");
    fake.unblock(&c).unwrap();

    let third = fake.inject_text(&c, "third").unwrap();
    assert_eq!(
        third.message_id, 4,
        "message ids continue after the restart"
    );
    let (_, next) = call(&fake, "getUpdates", json!({"offset": ids[1] + 1})).await;
    assert_eq!(
        update_ids(&next),
        vec![ids[1] + 1],
        "update ids continue after the restart"
    );
}

#[tokio::test]
async fn demo_seeds_history_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.json");
    let quiet = DemoConfig {
        min_gap: Duration::from_secs(3600),
        max_gap: Duration::from_secs(3600),
        ..DemoConfig::default()
    };
    let fake = Arc::new(
        FakeTelegram::start(demo_fake_config(Some(path.clone())))
            .await
            .unwrap(),
    );
    let demo = DemoWorld::start(Arc::clone(&fake), quiet.clone());
    let customers = fake.customers();
    let seeded_customers = customers.len();
    assert_eq!(
        seeded_customers, 11,
        "ten customers and Derek, the upset one"
    );
    assert!(customers.iter().any(|c| c.first_name == "أحمد"));
    let seeded = fake.pending_updates();
    assert!(seeded >= 25, "{seeded}");

    let (status, me) = call(&fake, "getMe", json!({})).await;
    assert!(status.is_success());
    assert_eq!(me["result"]["first_name"], "Parley Demo Shop");
    assert_eq!(me["result"]["username"], "parley_demo_bot");
    let (_, history) = call(&fake, "getUpdates", json!({})).await;
    let updates = history["result"].as_array().unwrap();
    let dates: Vec<i64> = updates
        .iter()
        .map(|u| u["message"]["date"].as_i64().unwrap())
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] <= w[1]),
        "history is in date order"
    );
    let now = dates[dates.len() - 1] + 3600;
    assert!(dates[0] < now - 3 * 3600, "history lies in the past");
    assert!(updates.iter().any(|u| u["message"].get("photo").is_some()));
    assert!(
        updates
            .iter()
            .any(|u| u["message"].get("location").is_some())
    );
    assert!(
        updates
            .iter()
            .any(|u| u["message"]["document"]["mime_type"] == "application/pdf")
    );
    drop(demo);
    drop(fake);

    let fake = Arc::new(
        FakeTelegram::start(demo_fake_config(Some(path)))
            .await
            .unwrap(),
    );
    let _demo = DemoWorld::start(Arc::clone(&fake), quiet);
    assert_eq!(
        fake.customers().len(),
        seeded_customers,
        "no second seeding"
    );
    assert_eq!(fake.pending_updates(), seeded);
}

#[tokio::test]
async fn demo_customer_answers_the_agent() {
    let fake = Arc::new(FakeTelegram::start(demo_fake_config(None)).await.unwrap());
    let config = DemoConfig {
        seed: 7,
        min_gap: Duration::from_secs(3600),
        max_gap: Duration::from_secs(3600),
        answer_probability: 1.0,
        answer_delay: (Duration::from_millis(50), Duration::from_millis(100)),
        bot_customer_after: None,
    };
    let _demo = DemoWorld::start(Arc::clone(&fake), config);
    let (_, history) = call(&fake, "getUpdates", json!({})).await;
    let ids = update_ids(&history);
    let last = *ids.last().unwrap();
    let chat_id = history["result"][0]["message"]["chat"]["id"]
        .as_i64()
        .unwrap();
    call(&fake, "getUpdates", json!({"offset": last + 1})).await;

    let (status, _) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat_id, "text": "Happy to help!"}),
    )
    .await;
    assert!(status.is_success());
    let (_, answer) = call(
        &fake,
        "getUpdates",
        json!({"offset": last + 1, "timeout": 3}),
    )
    .await;
    let message = &answer["result"][0]["message"];
    assert_eq!(message["chat"]["id"], chat_id);
    assert!(!message["text"].as_str().unwrap().is_empty());
}

/// The newest update's message text and chat, after `offset`, waiting up to 5 s.
async fn next_message(fake: &FakeTelegram, offset: i64) -> (i64, String, i64) {
    let (_, updates) = call(fake, "getUpdates", json!({"offset": offset, "timeout": 5})).await;
    let last = updates["result"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    (
        last["update_id"].as_i64().unwrap(),
        last["message"]["text"].as_str().unwrap().to_owned(),
        last["message"]["chat"]["id"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_demo_customer_asks_where_her_order_is_and_answers_the_bots_questions() {
    let fake = Arc::new(FakeTelegram::start(demo_fake_config(None)).await.unwrap());
    let config = DemoConfig {
        min_gap: Duration::from_secs(3600),
        max_gap: Duration::from_secs(3600),
        // Random follow-ups never: only the answers to the bot's questions.
        answer_probability: f64::MIN_POSITIVE,
        answer_delay: (Duration::from_millis(50), Duration::from_millis(100)),
        bot_customer_after: Some(Duration::from_millis(100)),
        ..DemoConfig::default()
    };
    let _demo = DemoWorld::start(Arc::clone(&fake), config);
    let (_, history) = call(&fake, "getUpdates", json!({})).await;
    let last = *update_ids(&history).last().unwrap();
    let (id, text, chat) = next_message(&fake, last + 1).await;
    assert_eq!(text, "Hi! Where is my order? I ordered on Monday 🙂");
    call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat, "text": "What is your order number?"}),
    )
    .await;
    let (id, text, _) = next_message(&fake, id + 1).await;
    assert_eq!(text, "It's #5120");
    call(
        &fake,
        "sendMessage",
        json!({"chat_id": chat, "text": "And the email you ordered with?"}),
    )
    .await;
    let (_, text, _) = next_message(&fake, id + 1).await;
    assert_eq!(text, "lucia@example.com");
}

#[tokio::test]
async fn demo_content_is_deterministic_per_seed() {
    let texts = |fake: &FakeTelegram| {
        let fake_customers = fake.customers();
        fake_customers
            .into_iter()
            .map(|c| c.first_name)
            .collect::<Vec<_>>()
    };
    let a = Arc::new(FakeTelegram::start(demo_fake_config(None)).await.unwrap());
    let b = Arc::new(FakeTelegram::start(demo_fake_config(None)).await.unwrap());
    let config = DemoConfig {
        min_gap: Duration::from_secs(3600),
        max_gap: Duration::from_secs(3600),
        ..DemoConfig::default()
    };
    let _da = DemoWorld::start(Arc::clone(&a), config.clone());
    let _db = DemoWorld::start(Arc::clone(&b), config);
    let (_, ha) = call(&a, "getUpdates", json!({})).await;
    let (_, hb) = call(&b, "getUpdates", json!({})).await;
    let order = |h: &serde_json::Value| {
        h["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                u["message"]["from"]["first_name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&ha), order(&hb));
    let mut na = texts(&a);
    let mut nb = texts(&b);
    na.sort();
    nb.sort();
    assert_eq!(na, nb);
}

/// Waits (bounded) until `check` holds, re-checking whenever the fake's state changes.
async fn until_changed(
    mut changes: tokio::sync::watch::Receiver<u64>,
    what: &str,
    mut check: impl FnMut() -> bool,
) {
    let wait = async {
        while !check() {
            changes.changed().await.expect("fake running");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

fn always_answers() -> DemoConfig {
    DemoConfig {
        seed: 11,
        answer_probability: 1.0,
        answer_delay: (Duration::from_millis(50), Duration::from_millis(100)),
        ..DemoConfig::default()
    }
}

#[tokio::test]
async fn demo_page_customers_answer_the_pages_replies() {
    use parley_sim::graph::{FakeGraph, FakeGraphConfig, Platform};
    let fake = Arc::new(
        FakeGraph::start(FakeGraphConfig::default())
            .await
            .expect("fake"),
    );
    let person = fake.customer(Platform::Messenger, "Demo Dana", None);
    let first = fake.inject_text(&person, "Do you ship to Norway?");
    let _answers = parley_sim::demo::answer_graph_replies(Arc::clone(&fake), always_answers());
    let sent = reqwest::Client::new()
        .post(format!("{}/v23.0/me/messages", fake.base_url()))
        .bearer_auth(fake.page_token())
        .json(&json!({
            "recipient": { "id": person.id },
            "messaging_type": "RESPONSE",
            "message": { "text": "We do!" },
        }))
        .send()
        .await
        .expect("send");
    assert!(sent.status().is_success());
    let conversation = first.conversation_id.clone();
    until_changed(fake.subscribe_changes(), "the customer's answer", || {
        // Customer, Page, customer: the last message is the answer.
        let messages = fake.messages_of(&conversation);
        messages.len() == 3 && !messages[2].1
    })
    .await;
}

#[tokio::test]
async fn demo_sms_and_whatsapp_customers_answer_the_shops_replies() {
    use parley_sim::twilio::{FakeTwilio, FakeTwilioConfig, TEST_WHATSAPP_NUMBER};
    let fake = Arc::new(
        FakeTwilio::start(FakeTwilioConfig::default())
            .await
            .expect("fake"),
    );
    let shop = format!("whatsapp:{TEST_WHATSAPP_NUMBER}");
    let customer = "whatsapp:+447700900999";
    fake.inject_inbound(customer, &shop, "Is it in stock?", Vec::new(), None)
        .expect("inbound");
    let _answers = parley_sim::demo::answer_twilio_replies(Arc::clone(&fake), always_answers());
    let sent = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            fake.base_url(),
            fake.account_sid()
        ))
        .basic_auth(fake.account_sid(), Some(fake.auth_token()))
        .form(&[("To", customer), ("From", shop.as_str()), ("Body", "Yes!")])
        .send()
        .await
        .expect("send");
    assert!(sent.status().is_success());
    until_changed(fake.subscribe_changes(), "the customer's answer", || {
        fake.messages()
            .iter()
            .filter(|m| m.from == customer && m.to == shop && m.direction == "inbound")
            .count()
            == 2
    })
    .await;
}
