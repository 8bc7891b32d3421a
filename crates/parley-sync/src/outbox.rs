//! The outbox dispatcher of one account.
//!
//! ```text
//! queued ──▶ (re-check) ──▶ sending ──▶ sent
//!    │            └──▶ held (the agent decides: send anyway, edit, discard)
//!    │                    ├──▶ retrying (transient: backoff honouring Retry-After) ──▶ sending
//!    │                    ├──▶ failed (permanent: the agent edits or discards)
//!    │                    └──▶ uncertain (the provider may have acted: never resent blindly)
//! ```
//! Each arrow is one SQLite transaction in the store (ARCHITECTURE.md has the whole machine,
//! agent decisions included). Items of one thread leave in order: when one waits to be retried
//! or is held, the later ones of that thread wait too. While the sync task sees the account
//! offline nothing is sent; when it sees the provider again, waiting retries become due at once
//! and the outbox flushes.

use crate::Backoff;
use crate::account::{AccountRunner, EngineEvent, store_words};
use crate::connectivity::Connectivity;
use parley_channels::{ChannelError, OutgoingFile, OutgoingMessage, Reconciled};
use parley_domain::{OutboxId, ThreadId};
use parley_store::{Begin, OutboxItem, Recheck, StoreError, ThreadTarget};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// How often the dispatcher looks for due retries when nothing wakes it.
const TICK: Duration = Duration::from_secs(2);
/// Telegram allows about one message a second per chat; the same pacing suits the others.
const PER_THREAD_GAP: Duration = Duration::from_millis(1000);
const BATCH: u32 = 50;
/// An uncertain reply is looked up at the provider at most this often at first, then less and
/// less often (doubling, up to [`RECONCILE_MAX_GAP`]) while the provider cannot tell.
const RECONCILE_GAP: Duration = Duration::from_secs(60);
const RECONCILE_MAX_GAP: Duration = Duration::from_secs(3600);

/// When each uncertain reply may next be looked up at the provider, and how many lookups it had.
type ReconcileDue = HashMap<OutboxId, (Instant, u32)>;

pub(crate) async fn run(
    runner: AccountRunner,
    wake: Arc<Notify>,
    mut online: watch::Receiver<Connectivity>,
) {
    let account = runner.account;
    let mut last_send: HashMap<ThreadId, Instant> = HashMap::new();
    let mut reconcile_due: ReconcileDue = HashMap::new();
    let mut was_online = true;
    // False once the sync task has stopped (a refused token): its last word on connectivity
    // stands, and the dispatcher goes on with its ticks.
    let mut watching = true;
    loop {
        let is_online = online.borrow_and_update().is_online();
        if is_online && !was_online {
            // Back online (a poll succeeded after failing): what waits for a retry goes now,
            // in order, instead of at the end of each reply's backoff.
            let now = runner.clock.now();
            match runner
                .db
                .call(move |s| s.outbox_retry_now(account, now))
                .await
            {
                Ok(n) if n > 0 => {
                    let _ = runner.events.send(EngineEvent::OutboxChanged { account });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(%account, "outbox: {}", store_words(&e)),
            }
        }
        was_online = is_online;
        // Uncertain replies first (those found in `sending` at start-up among them): one the
        // provider proves it never got is queued again and leaves in this same flush.
        if is_online && let Err(e) = reconcile(&runner, &mut reconcile_due, &online).await {
            tracing::warn!(%account, "outbox: {}", store_words(&e));
        }
        if is_online && let Err(e) = flush(&runner, &mut last_send, &online).await {
            tracing::warn!(%account, "outbox: {}", store_words(&e));
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            changed = online.changed(), if watching => {
                watching = changed.is_ok();
            }
        }
    }
}

/// Quiet hours do not exist yet. When they do, this says whether it is night for the customer
/// of `target` now, and a reply that waited is held with [`HoldReason::QuietHours`].
///
/// [`HoldReason::QuietHours`]: parley_domain::HoldReason::QuietHours
fn quiet_hours_now(_target: &ThreadTarget) -> bool {
    false
}

/// Asks the provider about each uncertain reply of the account whose turn has come
/// (`Channel::reconcile`): found → sent (merged with any copy the sync already stored); proven
/// absent → queued again with a note (`outbox_requeue_after_check`, the only automatic way an
/// uncertain reply is sent again); cannot tell → it stays uncertain for the agent. Each reply
/// is looked up at most once a minute, less often while the provider cannot tell.
async fn reconcile(
    runner: &AccountRunner,
    due: &mut ReconcileDue,
    online: &watch::Receiver<Connectivity>,
) -> Result<(), StoreError> {
    let account = runner.account;
    let items: Vec<OutboxItem> = runner
        .db
        .call(move |s| s.uncertain_outbox(account, BATCH))
        .await?;
    due.retain(|id, _| items.iter().any(|i| i.id == *id));
    for item in items {
        if !online.borrow().is_online() {
            break;
        }
        let (next, tries) = due.get(&item.id).copied().unwrap_or((Instant::now(), 0));
        if next > Instant::now() {
            continue;
        }
        let gap = RECONCILE_GAP
            .saturating_mul(1u32 << tries.min(6))
            .min(RECONCILE_MAX_GAP);
        due.insert(item.id, (Instant::now() + gap, tries.saturating_add(1)));
        let thread = item.thread_id;
        let Some(target) = runner.db.call(move |s| s.thread_target(thread)).await? else {
            continue;
        };
        let files = outgoing_files(runner, item.id).await?;
        let message = OutgoingMessage {
            remote_thread_id: target.remote_thread_id.clone(),
            customer_remote_id: target.customer_remote_id.clone(),
            text: item.body.clone(),
            reply_to_remote_id: None,
            customer_last_wrote_at: target.last_inbound_at,
            client_message_id: item.client_message_id.clone(),
            attachments: files,
            send_options: item.send_options.clone(),
        };
        let id = item.id;
        let answer = match runner.channel.reconcile(&message, item.created_at).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::info!(%account, %id, "outbox: could not look up an uncertain reply: {e}");
                continue;
            }
        };
        let now = runner.clock.now();
        let moved = match answer {
            Reconciled::Unknown => continue,
            Reconciled::Sent(receipt) => {
                runner
                    .db
                    .call(move |s| {
                        // Never claim a message that is another reply's: leave it to the agent.
                        if s.outbox_remote_taken(account, &receipt.remote_id, id)? {
                            return Ok(None);
                        }
                        s.outbox_sent(id, &receipt.remote_id, receipt.sent_at, now)
                            .map(Some)
                    })
                    .await
            }
            Reconciled::NotSent => {
                let note = format!(
                    "Parley checked with {}: it never arrived; sending it now.",
                    runner.channel.kind().provider_phrase()
                );
                runner
                    .db
                    .call(move |s| s.outbox_requeue_after_check(id, &note, now).map(Some))
                    .await
            }
        };
        match moved {
            Ok(Some(_)) => {
                due.remove(&id);
                tracing::info!(%account, %id, "outbox: uncertain reply reconciled");
            }
            Ok(None) => continue,
            // The agent decided meanwhile (send again, mark as sent, discard): theirs stands.
            Err(StoreError::Invalid(_) | StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        }
        let _ = runner.events.send(EngineEvent::MessagesChanged { thread });
        let _ = runner.events.send(EngineEvent::OutboxChanged { account });
        let _ = runner.events.send(EngineEvent::ThreadsChanged {
            threads: vec![thread],
        });
    }
    Ok(())
}

/// The files an outbox item carries (none for most), as the adapter takes them.
async fn outgoing_files(
    runner: &AccountRunner,
    id: OutboxId,
) -> Result<Vec<OutgoingFile>, StoreError> {
    let files = runner.db.call(move |s| s.outbox_files(id)).await?;
    Ok(files
        .into_iter()
        .map(|f| OutgoingFile {
            path: f.path,
            file_name: f.file_name,
            mime_type: f.mime_type,
            size: u64::try_from(f.size).unwrap_or(0),
        })
        .collect())
}

async fn flush(
    runner: &AccountRunner,
    last_send: &mut HashMap<ThreadId, Instant>,
    online: &watch::Receiver<Connectivity>,
) -> Result<(), parley_store::StoreError> {
    let account = runner.account;
    let now = runner.clock.now();
    let due = runner
        .db
        .call(move |s| s.due_outbox(account, now, BATCH))
        .await?;
    let mut held: HashSet<ThreadId> = HashSet::new();
    for item in due {
        if !online.borrow().is_online() {
            // Lost the network mid-flush: the rest stays queued, in order, for when it returns.
            break;
        }
        if held.contains(&item.thread_id) {
            continue;
        }
        let thread = item.thread_id;
        let Some(target) = runner.db.call(move |s| s.thread_target(thread)).await? else {
            continue;
        };
        if let Some(at) = last_send.get(&thread) {
            let ready = *at + PER_THREAD_GAP;
            tokio::time::sleep_until(ready).await;
        }
        let now = runner.clock.now();
        let id = item.id;
        let check = Recheck {
            window: runner.channel.reply_window(),
            quiet_hours: quiet_hours_now(&target),
        };
        let begun = runner
            .db
            .call(move |s| s.outbox_begin(id, &check, now))
            .await?;
        let _ = runner.events.send(EngineEvent::MessagesChanged { thread });
        let _ = runner.events.send(EngineEvent::OutboxChanged { account });
        if let Begin::Held(_, reason) = begun {
            tracing::info!(%account, %id, ?reason, "reply held for the agent");
            held.insert(thread);
            let _ = runner.events.send(EngineEvent::ThreadsChanged {
                threads: vec![thread],
            });
            continue;
        }

        // A channel that names its own sends (email's Message-ID) gets the id committed in the
        // row before the provider is called, so a lost answer can be reconciled later.
        let client_message_id = match (
            &item.client_message_id,
            runner.channel.new_client_message_id(),
        ) {
            (Some(kept), _) => Some(kept.clone()),
            (None, Some(fresh)) => Some(
                runner
                    .db
                    .call(move |s| s.outbox_client_message_id(id, &fresh))
                    .await?,
            ),
            (None, None) => None,
        };
        let attachments = outgoing_files(runner, id).await?;
        let outgoing = OutgoingMessage {
            remote_thread_id: target.remote_thread_id.clone(),
            customer_remote_id: target.customer_remote_id.clone(),
            text: item.body.clone(),
            reply_to_remote_id: None,
            customer_last_wrote_at: target.last_inbound_at,
            client_message_id,
            attachments,
            send_options: item.send_options.clone(),
        };
        let result = runner.channel.send(&outgoing).await;
        last_send.insert(thread, Instant::now());
        let now = runner.clock.now();
        match result {
            Ok(receipt) => {
                runner
                    .db
                    .call(move |s| s.outbox_sent(id, &receipt.remote_id, receipt.sent_at, now))
                    .await?;
            }
            Err(ChannelError::Uncertain(note)) => {
                runner
                    .db
                    .call(move |s| s.outbox_uncertain(id, &note, now))
                    .await?;
            }
            Err(ChannelError::Rejected { message, .. }) => {
                runner
                    .db
                    .call(move |s| s.outbox_failed(id, &message, now))
                    .await?;
            }
            Err(e) => {
                // Transient, rate-limited, bad token or conflict: try again later, in order.
                held.insert(thread);
                let wait = Backoff::delay_for_attempt(
                    u32::try_from(item.attempts).unwrap_or(u32::MAX),
                    e.retry_after(),
                );
                let next = now + wait.as_millis() as i64;
                let note = format!("{e} Next try in {} s.", wait.as_secs().max(1));
                runner
                    .db
                    .call(move |s| s.outbox_retry(id, next, &note, now))
                    .await?;
            }
        }
        let _ = runner.events.send(EngineEvent::MessagesChanged { thread });
        let _ = runner.events.send(EngineEvent::OutboxChanged { account });
        let _ = runner.events.send(EngineEvent::ThreadsChanged {
            threads: vec![thread],
        });
    }
    Ok(())
}
