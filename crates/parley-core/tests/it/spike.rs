//! Spike mode and the mood flag through the facade, against the fake Telegram server: the queue
//! passes a threshold, Parley offers spike mode, on it acknowledges a new customer (through the
//! automation hook and the outbox, to the fake) with the wait, an angry customer is flagged and
//! listed first in the Mood view, and turning it off stops the acknowledgements.

use parley_core::{MemorySecrets, Parley};
use parley_domain::{MoodKind, SpikeSettings, ThreadView};
use parley_sim::{FakeTelegram, FakeTelegramConfig, eventually};
use std::sync::Arc;
use std::time::Duration;

async fn start() -> (Arc<Parley>, FakeTelegram, tempfile::TempDir) {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    config.api_roots.set("telegram", fake.base_url());
    let app = Parley::start(config).await.expect("starts");
    (app, fake, dir)
}

#[tokio::test]
async fn spike_mode_is_offered_acknowledges_new_customers_and_the_angry_one_comes_first() {
    let (app, fake, _dir) = start().await;
    app.add_telegram_account(fake.token().into())
        .await
        .expect("added");
    // Messages read by a new account's first catch-up are history, which no rule answers.
    eventually("the account live", Duration::from_secs(20), || async {
        app.list_accounts().await.expect("accounts")[0].sync == parley_domain::SyncState::Live
    })
    .await;
    let mut settings = SpikeSettings {
        queue_threshold: 2,
        arrivals_threshold: 50,
        ..Default::default()
    };
    app.set_spike_settings(settings.clone()).await.expect("set");
    let status = app.spike_status().await.expect("status");
    assert!(!status.on && !status.offer);

    let ada = fake.customer("Ada", None, None);
    fake.inject_text(&ada, "Hi, do you ship to Spain?")
        .expect("inject");
    let bob = fake.customer("Bob", None, None);
    fake.inject_text(
        &bob,
        "This is the third time I write. Absolutely unacceptable 😡",
    )
    .expect("inject");
    eventually(
        "the queue passes its threshold",
        Duration::from_secs(10),
        || async { app.spike_status().await.expect("status").offer },
    )
    .await;
    let status = app.spike_status().await.expect("status");
    assert_eq!(status.queue, 2);
    assert!(status.longest_wait_since.is_some());

    // Bob is flagged, with his priority raised, and first in the Mood view.
    let page = app
        .list_view(ThreadView::Mood, None, 10)
        .await
        .expect("mood view");
    assert_eq!(page.threads[0].contact_name, "Bob");
    assert_eq!(page.threads[0].mood.map(|m| m.kind), Some(MoodKind::Angry));
    assert!(page.threads[0].priority >= 3);
    assert_eq!(page.threads[1].mood, None);

    // Declined: no offer until calm. Turned on by hand: new customers are acknowledged.
    assert!(!app.dismiss_spike_offer().await.expect("dismiss").offer);
    let status = app.set_spike_mode(true).await.expect("on");
    assert!(status.on && !status.offer);
    let cy = fake.customer("Cy", None, None);
    fake.inject_text(&cy, "hello, a question about my order")
        .expect("inject");
    eventually(
        "the acknowledgement reaches Cy",
        Duration::from_secs(10),
        || async {
            fake.sent_messages()
                .iter()
                .any(|m| m.text.contains("busier than usual"))
        },
    )
    .await;
    // It is no answer: Cy still waits, in the queue.
    let status = app.spike_status().await.expect("status");
    assert_eq!(status.queue, 3);

    // Off by hand: the next customer gets nothing.
    app.set_spike_mode(false).await.expect("off");
    let di = fake.customer("Di", None, None);
    fake.inject_text(&di, "hi there").expect("inject");
    eventually("Di's thread is stored", Duration::from_secs(10), || async {
        app.spike_status().await.expect("status").queue == 4
    })
    .await;
    let acks = fake
        .sent_messages()
        .iter()
        .filter(|m| m.text.contains("busier than usual"))
        .count();
    assert_eq!(acks, 1);

    // Back to normal thresholds: not busy, no offer.
    settings.queue_threshold = 20;
    let status = app.set_spike_settings(settings).await.expect("set");
    assert!(!status.offer && !status.on);
}
