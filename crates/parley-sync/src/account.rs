//! One account's sync task:
//!
//! ```text
//! Connecting ──ok──▶ CatchingUp ──empty page──▶ Live (long poll) ─┐
//!     │                  ▲   │                    ▲              │ error
//!     │                  │   └──────error──────┐  └──page──◀─────┤
//!     ▼                  └──── Backoff{reason} ◀┘                 │
//! AuthFailed (stops: the agent must give a new token)   Backoff ◀┘
//! ```
//! A cursor is written only in the transaction that stores the messages it covers.

use crate::Backoff;
use crate::connectivity::{ConnectivityTx, means_offline};
use crate::runner::{AccountRunner, EngineEvent, next_revision, store_words};
use parley_channels::ChannelError;
use parley_domain::{SyncProgress, SyncState};
use std::time::Duration;
use tokio::sync::watch;

/// The cursor key this task keeps in `sync_cursors`.
pub const CURSOR_KEY: &str = "updates";
/// A conflict (another poller) does not clear by itself quickly; don't hammer.
const CONFLICT_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    CatchingUp,
    Live,
}

impl AccountRunner {
    fn publish(&self, tx: &watch::Sender<(u64, SyncState)>, state: SyncState) {
        if tx.borrow().1 != state {
            tx.send_replace((next_revision(), state.clone()));
            let _ = self.events.send(EngineEvent::State {
                account: self.account,
                state,
            });
        }
    }

    async fn remember(&self, error: Option<String>, synced: bool) {
        let account = self.account;
        let at = synced.then(|| self.clock.now());
        let result = self
            .db
            .call(move |s| s.set_account_sync(account, error.as_deref(), at))
            .await;
        if let Err(e) = result {
            tracing::warn!(%account, "could not record sync status: {e}");
        }
    }

    fn announce(&self, online: &ConnectivityTx, changed: bool) {
        if changed {
            let connectivity = online.current();
            tracing::info!(account = %self.account, ?connectivity, "connectivity changed");
            let _ = self.events.send(EngineEvent::Connectivity {
                account: self.account,
                connectivity,
            });
        }
    }

    pub(crate) async fn run(self, state: watch::Sender<(u64, SyncState)>, online: ConnectivityTx) {
        let account = self.account;
        let mut backoff = Backoff::default();
        let mut phase = Phase::Connecting;
        // How far the catch-up has got, as the channel last said (shown while catching up).
        let mut progress: Option<SyncProgress> = None;
        let first_sync = {
            let a = account;
            match self.db.call(move |s| s.cursor(a, CURSOR_KEY)).await {
                Ok(c) => c.is_none(),
                Err(_) => false,
            }
        };
        loop {
            let result = match phase {
                Phase::Connecting => {
                    self.publish(&state, SyncState::Connecting);
                    self.channel
                        .validate()
                        .await
                        .map(|_| Phase::CatchingUp)
                        .map_err(PollError::from)
                }
                Phase::CatchingUp | Phase::Live => {
                    if phase == Phase::CatchingUp {
                        self.publish(
                            &state,
                            SyncState::CatchingUp {
                                progress: progress.clone(),
                            },
                        );
                    }
                    self.poll_once(phase, first_sync).await.map(|(next, p)| {
                        progress = p;
                        next
                    })
                }
            };
            match result {
                Ok(next) => {
                    self.announce(&online, online.poll_succeeded());
                    if backoff.attempts() > 0 || (next == Phase::Live && phase != Phase::Live) {
                        self.remember(None, true).await;
                    }
                    backoff.reset();
                    if next == Phase::Live {
                        progress = None;
                        self.publish(&state, SyncState::Live);
                    }
                    phase = next;
                }
                Err(PollError::Channel(ChannelError::Unauthorized(reason))) => {
                    tracing::warn!(%account, "sync stopped: {reason}");
                    self.remember(Some(reason.clone()), false).await;
                    self.publish(&state, SyncState::AuthFailed { reason });
                    return;
                }
                Err(err) => {
                    if let PollError::Channel(e) = &err
                        && means_offline(e)
                    {
                        self.announce(&online, online.poll_failed(self.clock.now()));
                    }
                    let reason = err.to_string();
                    let mut wait = backoff.next_delay(err.retry_after());
                    if let PollError::Channel(ChannelError::Conflict(_)) = err {
                        wait = wait.max(CONFLICT_WAIT);
                        self.publish(
                            &state,
                            SyncState::Conflict {
                                reason: reason.clone(),
                            },
                        );
                    } else {
                        let retry_at = self.clock.now() + wait.as_millis() as i64;
                        self.publish(
                            &state,
                            SyncState::Backoff {
                                reason: reason.clone(),
                                retry_at,
                            },
                        );
                    }
                    tracing::info!(%account, ?wait, "sync backing off: {reason}");
                    self.remember(Some(reason), false).await;
                    tokio::time::sleep(wait).await;
                    // After any failure, read what is waiting before going back to long polls.
                    if phase == Phase::Live {
                        phase = Phase::CatchingUp;
                    }
                }
            }
        }
    }

    /// One fetch, stored with its cursor in one transaction. Returns the phase to go on in and
    /// the channel's progress report (published once the page is stored).
    async fn poll_once(
        &self,
        phase: Phase,
        first_sync: bool,
    ) -> Result<(Phase, Option<SyncProgress>), PollError> {
        let account = self.account;
        let cursor = self.db.call(move |s| s.cursor(account, CURSOR_KEY)).await?;
        let wait = if phase == Phase::Live {
            self.long_poll
        } else {
            Duration::ZERO
        };
        let fetched = self.channel.fetch(cursor.as_deref(), wait).await?;
        let caught_up = !fetched.more;
        let progress = fetched.progress.filter(|_| !caught_up);
        let moved = fetched.cursor.is_some() && fetched.cursor != cursor;
        if !fetched.batch.is_empty() || moved {
            let now = self.clock.now();
            let mut batch = fetched.batch;
            batch.refetchable = self.channel.pages_refetchable();
            let new_cursor = fetched.cursor;
            let outcome = self
                .db
                .call(move |s| {
                    s.apply_batch(
                        account,
                        &batch,
                        new_cursor.as_deref().map(|c| (CURSOR_KEY, c)),
                        now,
                    )
                })
                .await?;
            if !outcome.merged_threads.is_empty() {
                let _ = self.events.send(EngineEvent::ThreadsMerged {
                    account,
                    merges: outcome.merged_threads,
                });
            }
            if !outcome.changed_threads.is_empty() {
                for thread in &outcome.changed_threads {
                    let _ = self
                        .events
                        .send(EngineEvent::MessagesChanged { thread: *thread });
                }
                let _ = self.events.send(EngineEvent::ThreadsChanged {
                    threads: outcome.changed_threads,
                });
            }
            if !outcome.new_messages.is_empty() {
                let _ = self.events.send(EngineEvent::NewMessages {
                    account,
                    messages: outcome.new_messages,
                    initial: first_sync && phase == Phase::CatchingUp,
                });
            }
        }
        Ok((
            if caught_up {
                Phase::Live
            } else {
                Phase::CatchingUp
            },
            progress,
        ))
    }
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error("{0}")]
    Channel(#[from] ChannelError),
    #[error("{}", store_words(.0))]
    Store(#[from] parley_store::StoreError),
}

impl PollError {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            PollError::Channel(e) => e.retry_after(),
            PollError::Store(_) => None,
        }
    }
}
