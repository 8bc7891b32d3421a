//! What the per-account tasks share: the [`AccountRunner`] they run from, the
//! [`EngineEvent`]s they tell the facade, the state revision and the words for a store error.

use crate::{Clock, Db};
use parley_channels::Channel;
use parley_domain::{AccountId, SyncState, ThreadId};
use parley_store::{NewMessageInfo, ThreadMerge};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

use crate::connectivity::Connectivity;

/// How long a live long poll may wait at the provider.
pub const LONG_POLL: Duration = Duration::from_secs(25);

static STATE_REVISION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub(crate) fn next_revision() -> u64 {
    STATE_REVISION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What the engine tells the facade.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// These accounts are about to start syncing together (the app's start, an account added):
    /// sent by whoever starts them, before the first of them runs, so a listener can treat
    /// their first syncs as one (one summary notification, not one per account).
    AccountsStarting {
        accounts: Vec<AccountId>,
    },
    State {
        account: AccountId,
        state: SyncState,
    },
    ThreadsChanged {
        threads: Vec<ThreadId>,
    },
    MessagesChanged {
        thread: ThreadId,
    },
    /// Email threads a batch joined (a split conversation whose parent arrived): each `from`
    /// is gone, its content is in `into`. Sent before the batch's `ThreadsChanged`.
    ThreadsMerged {
        account: AccountId,
        merges: Vec<ThreadMerge>,
    },
    /// The account lost or regained its provider (see [`Connectivity`]).
    Connectivity {
        account: AccountId,
        connectivity: Connectivity,
    },
    /// An outbox item of this account moved (queued, sent, held...): recount the banner.
    OutboxChanged {
        account: AccountId,
    },
    /// Snoozed conversations woke (their time came, or came while Parley was closed), in the
    /// order they were due: the notifications say so.
    SnoozesEnded {
        woken: Vec<parley_store::WokenThread>,
    },
    /// Messages that were not in the store before. `initial` is true while a new account reads
    /// its history, so notifications can summarise instead of popping once per message.
    NewMessages {
        account: AccountId,
        messages: Vec<NewMessageInfo>,
        initial: bool,
    },
}

/// Everything a per-account task needs.
#[derive(Clone)]
pub struct AccountRunner {
    pub account: AccountId,
    pub channel: Arc<dyn Channel>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub events: broadcast::Sender<EngineEvent>,
    /// How long a live poll waits at the provider; [`LONG_POLL`] except in tests.
    pub long_poll: Duration,
    /// Quiet hours and caps, asked before each send ([`crate::NoPolicy`] for none).
    pub policy: Arc<dyn crate::OutboundPolicy>,
}

/// What the agent should read when the local database refuses a write.
pub(crate) fn store_words(e: &parley_store::StoreError) -> String {
    if e.is_disk_full() {
        "The disk is full, so Parley cannot save new messages. Free some space: nothing is lost \
         and syncing resumes by itself."
            .into()
    } else {
        format!("Parley could not save to its local database ({e}); it will try again.")
    }
}
