//! A channel's catch-up progress reaches the account's sync state, page by page, after each
//! page is stored, and is cleared once the account is caught up.

use parley_channels::{Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, SendReceipt};
use parley_domain::{
    AccountId, AccountIdentity, ChannelKind, Direction, IncomingMessage, IngestBatch, RemotePerson,
    SyncProgress, SyncState,
};
use parley_store::{NewAccount, Store};
use parley_sync::{AccountRunner, Db, EngineEvent, SystemClock};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const PAGES: u64 = 3;

/// Serves `PAGES` pages of one message each, the cursor being the number of pages read, each
/// with "INBOX — n of PAGES"; then nothing (a live poll waits).
struct Paged;

#[async_trait::async_trait]
impl Channel for Paged {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }
    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        Ok(AccountIdentity {
            channel: ChannelKind::Email,
            external_id: "agent@shop.test".into(),
            name: "Shop".into(),
            handle: None,
        })
    }
    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        let read: u64 = cursor.map_or(0, |c| c.parse().expect("cursor"));
        if read >= PAGES {
            tokio::time::sleep(wait).await;
            return Ok(Fetched::default());
        }
        let customer = RemotePerson {
            remote_id: "anna@example.com".into(),
            display_name: "Anna".into(),
            handle: None,
        };
        let message = IncomingMessage {
            remote_thread_id: "root".into(),
            remote_id: format!("m{read}"),
            direction: Direction::Inbound,
            sender: customer.clone(),
            customer,
            text: format!("message {read}"),
            attachments: vec![],
            sent_at: 1_000 + i64::try_from(read).expect("small"),
            reply_to_remote_id: None,
            subject: None,
            quoted_text: None,
        };
        let read = read + 1;
        Ok(Fetched {
            batch: IngestBatch {
                messages: vec![message],
                ..Default::default()
            },
            cursor: Some(read.to_string()),
            more: read < PAGES,
            // The adapter may report progress with its last page too; the engine shows none
            // once caught up.
            progress: Some(SyncProgress {
                scope: "INBOX".into(),
                done: read,
                total: PAGES,
            }),
        })
    }
    async fn send(&self, _message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        Err(ChannelError::Transient("not in this test".into()))
    }
    async fn download(&self, _remote_ref: &str) -> Result<Downloaded, ChannelError> {
        Err(ChannelError::Transient("not in this test".into()))
    }
}

#[tokio::test]
async fn first_sync_progress_is_published_after_each_stored_page_then_cleared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("p.sqlite3")).expect("store");
    let account: AccountId = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Email,
                name: "Shop".into(),
                handle: None,
                external_id: "agent@shop.test".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let db = Db::new(store);
    let (events, mut rx) = broadcast::channel(256);
    let handle = AccountRunner {
        account,
        channel: Arc::new(Paged),
        db: db.clone(),
        clock: Arc::new(SystemClock),
        events,
        long_poll: Duration::from_millis(200),
        policy: Arc::new(parley_sync::NoPolicy),
    }
    .spawn();

    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the sync reaches Live")
            .expect("event");
        let EngineEvent::State { state, .. } = event else {
            continue;
        };
        if let SyncState::CatchingUp {
            progress: Some(p), ..
        } = &state
        {
            // Published only once the page it counts is in the store.
            let stored = db
                .call(move |s| {
                    let threads = s.list_threads(None, 10)?.threads;
                    Ok(match threads.first() {
                        Some(t) => s.messages(t.id, None, 100)?.messages.len(),
                        None => 0,
                    })
                })
                .await
                .expect("count");
            assert!(stored as u64 >= p.done, "{p:?} shown with {stored} stored");
        }
        let live = state == SyncState::Live;
        seen.push(state);
        if live {
            break;
        }
    }
    let progress = |done| SyncState::CatchingUp {
        progress: Some(SyncProgress {
            scope: "INBOX".into(),
            done,
            total: PAGES,
        }),
    };
    assert_eq!(
        seen,
        [
            // (Connecting is the state the task starts in, not a change.)
            SyncState::CatchingUp { progress: None },
            progress(1),
            progress(2),
            SyncState::Live,
        ]
    );
    assert_eq!(handle.state(), SyncState::Live);
}
