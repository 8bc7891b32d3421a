//! The sync task and the outbox dispatcher against the fake Telegram server and a real SQLite
//! file.

use parley_channels::telegram::TelegramChannel;
use parley_channels::{ChannelError, Reconciled};
use parley_domain::{AccountId, ChannelKind, DeliveryState, MessageView, SyncState, ThreadId};
use parley_sim::eventually;
use parley_sim::{Customer, FakeTelegram, FakeTelegramConfig, Fault};
use parley_store::{NewAccount, Store};
use parley_sync::{AccountRunner, Db, EngineEvent, SyncHandle, SystemClock};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

pub(crate) struct Rig {
    pub(crate) fake: FakeTelegram,
    pub(crate) db: Db,
    account: AccountId,
    pub(crate) events: broadcast::Sender<EngineEvent>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn rig() -> Rig {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("p.sqlite3")).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Test Bot".into(),
                handle: Some("parley_test_bot".into()),
                external_id: "110201543".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let (events, _) = broadcast::channel(4096);
    Rig {
        fake,
        db: Db::new(store),
        account,
        events,
        _dir: dir,
    }
}

impl Rig {
    pub(crate) fn spawn(&self) -> SyncHandle {
        let channel = TelegramChannel::new(&self.fake.base_url(), self.fake.token())
            .expect("client")
            .with_timeouts(Duration::from_secs(3), Duration::from_secs(3));
        AccountRunner {
            account: self.account,
            channel: Arc::new(channel),
            db: self.db.clone(),
            clock: Arc::new(SystemClock),
            events: self.events.clone(),
            long_poll: Duration::from_secs(1),
            policy: Arc::new(parley_sync::NoPolicy),
        }
        .spawn()
    }

    pub(crate) async fn message_count(&self) -> usize {
        self.db
            .call(|s| {
                let page = s.list_threads(None, 1000)?;
                let mut n = 0;
                for t in page.threads {
                    n += s.messages(t.id, None, 1000)?.messages.len();
                }
                Ok(n)
            })
            .await
            .expect("count")
    }

    pub(crate) async fn only_thread(&self) -> ThreadId {
        self.db
            .call(|s| Ok(s.list_threads(None, 10)?.threads[0].id))
            .await
            .expect("thread")
    }

    pub(crate) async fn messages(&self, thread: ThreadId) -> Vec<MessageView> {
        self.db
            .call(move |s| Ok(s.messages(thread, None, 1000)?.messages))
            .await
            .expect("messages")
    }

    pub(crate) async fn reply(&self, thread: ThreadId, text: &str) {
        let text = text.to_string();
        self.db
            .call(move |s| s.queue_reply(thread, &text, "Agent", 1))
            .await
            .expect("queue");
    }
}

pub(crate) async fn talk(fake: &FakeTelegram, n: usize) -> Customer {
    let c = fake.customer("Anna", Some("Müller"), None);
    for i in 0..n {
        fake.inject_text(&c, &format!("message {i}"))
            .expect("inject");
    }
    c
}

#[tokio::test]
async fn catches_up_then_receives_live() {
    let rig = rig().await;
    let c = talk(&rig.fake, 120).await;
    let handle = rig.spawn();
    eventually("history stored", Duration::from_secs(10), || async {
        rig.message_count().await == 120
    })
    .await;
    eventually("live", Duration::from_secs(5), || async {
        handle.state() == SyncState::Live
    })
    .await;
    rig.fake.inject_text(&c, "and one more").expect("inject");
    eventually("live message stored", Duration::from_secs(5), || async {
        rig.message_count().await == 121
    })
    .await;
    let thread = rig.only_thread().await;
    let summary = rig
        .db
        .call(move |s| s.thread(thread))
        .await
        .expect("thread")
        .expect("exists");
    assert_eq!(summary.unread_count, 121);
    assert_eq!(summary.snippet, "and one more");
}

#[tokio::test]
async fn restarts_lose_nothing_and_store_nothing_twice() {
    let rig = rig().await;
    let c = talk(&rig.fake, 0).await;
    let mut total = 0;
    for round in 0..6u64 {
        for i in 0..40 {
            rig.fake
                .inject_text(&c, &format!("r{round} m{i}"))
                .expect("inject");
            total += 1;
        }
        let handle = rig.spawn();
        // Stop the task at a different moment each round, mid-page or between pages.
        tokio::time::sleep(Duration::from_millis(5 + round * 37)).await;
        drop(handle);
    }
    let _handle = rig.spawn();
    eventually("every message stored", Duration::from_secs(15), || async {
        rig.message_count().await >= total
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rig.message_count().await, total);
    assert_eq!(rig.fake.pending_updates(), 0);
}

#[tokio::test]
async fn rate_limits_and_outages_back_off_then_recover() {
    let rig = rig().await;
    let mut rx = rig.events.subscribe();
    talk(&rig.fake, 3).await;
    rig.fake
        .inject_fault("getUpdates", Fault::RateLimited { retry_after: 1 }, 1);
    rig.fake
        .inject_fault("getUpdates", Fault::ServerError { status: 502 }, 1);
    let _handle = rig.spawn();
    eventually(
        "messages after the faults",
        Duration::from_secs(10),
        || async { rig.message_count().await == 3 },
    )
    .await;
    let mut saw_backoff = false;
    while let Ok(event) = rx.try_recv() {
        if let EngineEvent::State {
            state: SyncState::Backoff { reason, .. },
            ..
        } = event
        {
            assert!(!reason.is_empty());
            saw_backoff = true;
        }
    }
    assert!(saw_backoff, "the backoff was not reported");
    // The task records the recovery after the page it stored: wait for that, not for the page.
    let account = rig.account;
    eventually(
        "the error cleared after recovery",
        Duration::from_secs(10),
        || async {
            let row = rig
                .db
                .call(move |s| s.account(account))
                .await
                .expect("row")
                .expect("exists");
            row.last_error.is_none()
        },
    )
    .await;
}

#[tokio::test]
async fn a_refused_token_stops_sync_with_the_reason() {
    let rig = rig().await;
    rig.fake.inject_fault("getMe", Fault::Unauthorized, 1);
    let handle = rig.spawn();
    eventually("auth failed", Duration::from_secs(5), || async {
        matches!(handle.state(), SyncState::AuthFailed { .. })
    })
    .await;
    let account = rig.account;
    let row = rig
        .db
        .call(move |s| s.account(account))
        .await
        .expect("row")
        .expect("exists");
    assert!(row.last_error.expect("error kept").contains("BotFather"));
}

#[tokio::test]
async fn a_reply_is_sent_once_and_marked_sent() {
    let rig = rig().await;
    let c = talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("thread", Duration::from_secs(5), || async {
        rig.message_count().await == 1
    })
    .await;
    let thread = rig.only_thread().await;
    rig.reply(thread, "Hello Anna!").await;
    handle.wake_outbox();
    eventually("sent", Duration::from_secs(5), || async {
        rig.messages(thread)
            .await
            .iter()
            .any(|m| m.delivery == DeliveryState::Sent)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = rig.fake.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, c.chat_id());
    assert_eq!(sent[0].text, "Hello Anna!");
}

#[tokio::test]
async fn transient_send_failures_retry_in_order() {
    let rig = rig().await;
    talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("thread", Duration::from_secs(5), || async {
        rig.message_count().await == 1
    })
    .await;
    let thread = rig.only_thread().await;
    rig.fake
        .inject_fault("sendMessage", Fault::ServerError { status: 500 }, 1);
    rig.reply(thread, "first").await;
    rig.reply(thread, "second").await;
    handle.wake_outbox();
    eventually("both sent", Duration::from_secs(15), || async {
        rig.fake.sent_messages().len() == 2
    })
    .await;
    let texts: Vec<String> = rig
        .fake
        .sent_messages()
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(texts, vec!["first", "second"]);
}

#[tokio::test]
async fn a_lost_answer_is_uncertain_and_never_resent() {
    let rig = rig().await;
    talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("thread", Duration::from_secs(5), || async {
        rig.message_count().await == 1
    })
    .await;
    let thread = rig.only_thread().await;
    rig.fake
        .inject_fault("sendMessage", Fault::AcceptThenDrop, 1);
    rig.reply(thread, "did this go?").await;
    handle.wake_outbox();
    eventually("uncertain", Duration::from_secs(5), || async {
        rig.messages(thread)
            .await
            .iter()
            .any(|m| m.delivery == DeliveryState::Uncertain && m.delivery_note.is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        rig.fake.sent_messages().len(),
        1,
        "an uncertain reply was resent"
    );
}

#[tokio::test]
async fn a_blocked_customer_fails_the_reply_with_the_reason() {
    let rig = rig().await;
    let c = talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("thread", Duration::from_secs(5), || async {
        rig.message_count().await == 1
    })
    .await;
    let thread = rig.only_thread().await;
    rig.fake.block(&c).expect("block");
    rig.reply(thread, "hello?").await;
    handle.wake_outbox();
    eventually("failed", Duration::from_secs(5), || async {
        rig.messages(thread).await.iter().any(|m| {
            m.delivery == DeliveryState::Failed
                && m.delivery_note
                    .as_deref()
                    .is_some_and(|n| n.contains("blocked"))
        })
    })
    .await;
}

#[tokio::test]
async fn offline_replies_wait_then_flush_in_order_once_when_polls_succeed_again() {
    let rig = rig().await;
    let c = talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("live", Duration::from_secs(5), || async {
        handle.state() == SyncState::Live
    })
    .await;
    let thread = rig.only_thread().await;
    for method in ["getUpdates", "getMe", "sendMessage"] {
        rig.fake
            .inject_fault(method, Fault::ServerError { status: 502 }, 100_000);
    }
    // Ends the long poll in flight, so the next poll meets the outage.
    rig.fake.inject_text(&c, "still there?").expect("inject");
    eventually("offline", Duration::from_secs(10), || async {
        !handle.connectivity().is_online()
    })
    .await;
    rig.reply(thread, "first").await;
    rig.reply(thread, "second").await;
    handle.wake_outbox();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(rig.fake.sent_messages().is_empty());
    assert!(
        rig.messages(thread)
            .await
            .iter()
            .filter(|m| m.direction == parley_domain::Direction::Outbound)
            .all(|m| m.delivery == DeliveryState::Queued),
        "nothing is attempted while offline"
    );

    rig.fake.clear_faults();
    eventually("online again", Duration::from_secs(70), || async {
        handle.connectivity().is_online()
    })
    .await;
    eventually("both sent", Duration::from_secs(10), || async {
        rig.fake.sent_messages().len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts: Vec<String> = rig
        .fake
        .sent_messages()
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(texts, vec!["first", "second"]);
}

#[tokio::test]
async fn a_customer_message_while_offline_holds_the_reply_until_the_agent_decides() {
    let rig = rig().await;
    let c = talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    eventually("live", Duration::from_secs(5), || async {
        handle.state() == SyncState::Live
    })
    .await;
    let thread = rig.only_thread().await;
    // Queued, then the customer writes before it could leave (as after an outage).
    rig.fake
        .inject_fault("sendMessage", Fault::ServerError { status: 500 }, 1);
    rig.reply(thread, "Your parcel left today.").await;
    handle.wake_outbox();
    eventually("retrying", Duration::from_secs(5), || async {
        rig.messages(thread)
            .await
            .iter()
            .any(|m| m.delivery == DeliveryState::Retrying)
    })
    .await;
    rig.fake
        .inject_text(&c, "Never mind, I cancelled the order")
        .expect("inject");
    eventually("held", Duration::from_secs(20), || async {
        rig.messages(thread).await.iter().any(|m| {
            m.delivery == DeliveryState::Held
                && m.hold_reason == Some(parley_domain::HoldReason::CustomerWrote)
        })
    })
    .await;
    assert!(rig.fake.sent_messages().is_empty());

    let held = rig
        .messages(thread)
        .await
        .into_iter()
        .find(|m| m.delivery == DeliveryState::Held)
        .expect("held reply");
    rig.db
        .call(move |s| s.outbox_send_anyway(held.id, 2))
        .await
        .expect("send anyway");
    handle.wake_outbox();
    eventually(
        "sent after the agent's choice",
        Duration::from_secs(10),
        || async { rig.fake.sent_messages().len() == 1 },
    )
    .await;
}

/// Telegram with a reconciliation that reads the fake's records (as Graph re-reads a thread),
/// and a switch that loses the next send before it reaches the provider.
struct Reconciling {
    inner: TelegramChannel,
    fake: Arc<FakeTelegram>,
    lose_next_send: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl parley_channels::Channel for Reconciling {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }
    async fn validate(&self) -> Result<parley_domain::AccountIdentity, ChannelError> {
        self.inner.validate().await
    }
    async fn fetch(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<parley_channels::Fetched, ChannelError> {
        self.inner.fetch(cursor, wait).await
    }
    async fn send(
        &self,
        message: &parley_channels::OutgoingMessage,
    ) -> Result<parley_channels::SendReceipt, ChannelError> {
        if self
            .lose_next_send
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Err(ChannelError::Uncertain("the connection broke".into()));
        }
        self.inner.send(message).await
    }
    async fn download(
        &self,
        remote_ref: &str,
    ) -> Result<parley_channels::Downloaded, ChannelError> {
        self.inner.download(remote_ref).await
    }
    async fn reconcile(
        &self,
        message: &parley_channels::OutgoingMessage,
        _queued_at: parley_domain::Millis,
    ) -> Result<Reconciled, ChannelError> {
        Ok(
            match self
                .fake
                .sent_messages()
                .into_iter()
                .find(|s| s.text == message.text)
            {
                Some(s) => Reconciled::Sent(parley_channels::SendReceipt {
                    remote_id: format!("{}:{}", s.chat_id, s.message_id),
                    sent_at: s.date * 1000,
                }),
                None => Reconciled::NotSent,
            },
        )
    }
}

#[tokio::test]
async fn uncertain_replies_are_reconciled_with_the_provider() {
    let rig = rig().await;
    let fake = Arc::new(
        FakeTelegram::start(FakeTelegramConfig::default())
            .await
            .expect("fake"),
    );
    talk(&fake, 1).await;
    let inner = TelegramChannel::new(&fake.base_url(), fake.token())
        .expect("client")
        .with_timeouts(Duration::from_secs(3), Duration::from_secs(3));
    let channel = Arc::new(Reconciling {
        inner,
        fake: fake.clone(),
        lose_next_send: std::sync::atomic::AtomicBool::new(false),
    });
    let handle = AccountRunner {
        account: rig.account,
        channel: channel.clone(),
        db: rig.db.clone(),
        clock: Arc::new(SystemClock),
        events: rig.events.clone(),
        long_poll: Duration::from_secs(1),
        policy: Arc::new(parley_sync::NoPolicy),
    }
    .spawn();
    eventually("thread", Duration::from_secs(5), || async {
        rig.message_count().await == 1
    })
    .await;
    let thread = rig.only_thread().await;

    // The provider stored it and the answer was lost: uncertain, then sent after the lookup,
    // received once.
    fake.inject_fault("sendMessage", Fault::AcceptThenDrop, 1);
    rig.reply(thread, "did this go?").await;
    handle.wake_outbox();
    eventually(
        "sent after reconciliation",
        Duration::from_secs(10),
        || async {
            rig.messages(thread)
                .await
                .iter()
                .any(|m| m.text == "did this go?" && m.delivery == DeliveryState::Sent)
        },
    )
    .await;
    assert_eq!(fake.sent_messages().len(), 1);

    // The send never reached the provider: queued again after the lookup, then sent once.
    channel
        .lose_next_send
        .store(true, std::sync::atomic::Ordering::SeqCst);
    rig.reply(thread, "and this one?").await;
    handle.wake_outbox();
    eventually("sent after requeue", Duration::from_secs(15), || async {
        rig.messages(thread)
            .await
            .iter()
            .any(|m| m.text == "and this one?" && m.delivery == DeliveryState::Sent)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts: Vec<String> = fake.sent_messages().into_iter().map(|s| s.text).collect();
    assert_eq!(texts, vec!["did this go?", "and this one?"]);
    let requeues = rig
        .db
        .call(move |s| {
            let message = s
                .messages(thread, None, 100)?
                .messages
                .into_iter()
                .find(|m| m.text == "and this one?")
                .expect("the reply");
            let item = s.outbox_for_message(message.id)?.expect("its outbox item");
            s.outbox_requeues_after_check(item.id)
        })
        .await
        .expect("count");
    assert_eq!(requeues, 1);
    // Nothing is left uncertain.
    let (_, _, uncertain) = rig.db.call(|s| s.outbox_counts()).await.expect("counts");
    assert_eq!(uncertain, 0);
}
