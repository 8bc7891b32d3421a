//! The outbox dispatcher of one account.
//!
//! ```text
//! queued ──▶ (re-check) ──▶ sending ──▶ sent
//!    │            └──▶ held (the agent decides: send anyway, edit, discard)
//!    │                    ├──▶ retrying (transient: backoff honouring Retry-After) ──▶ sending
//!    │                    ├──▶ failed (permanent: the agent edits or discards)
//!    │                    └──▶ uncertain (the provider may have acted: never resent blindly)
//! ```
//! Each arrow is one SQLite transaction in the store (the whole machine, with the agent's
//! decisions, is below). Items of one thread leave in order: when one waits to be retried
//! or is held, the later ones of that thread wait too. While the sync task sees the account
//! offline nothing is sent; when it sees the provider again, waiting retries become due at once
//! and the outbox flushes.
//!
//! # The whole machine
//!
//! ```text
//!  draft ──send_reply (one tx: echo + outbox row + draft deleted)──▶ queued
//!                                                                      │ dispatcher: re-check
//!         ┌──────────────────── held {reason} ◀──── something changed ─┤ (same tx as the move)
//!         │  send anyway ─▶ queued (checks waived)                     ▼
//!         │  edit        ─▶ queued (checks waived)                  sending ──────────────▶ sent
//!         │  discard     ─▶ (gone)                                    ├──▶ retrying ──▶ (due) ─┘ via sending
//!         │                                                           │      transient, rate limit, bad token:
//!         │                                                           │      backoff honouring Retry-After
//!         │                                                           ├──▶ failed {reason}
//!         │                                                           │      send anyway / edit ─▶ queued; discard
//!         │                                                           └──▶ uncertain (the provider may have acted)
//!         │                                                                  mark as sent ─▶ sent
//!         │                                                                  send again  ─▶ queued (resends + 1)
//!         │                                                                  discard     ─▶ (gone)
//!  start-up: every item found in `sending` ─▶ uncertain (a crash mid-send)
//! ```
//!
//! | from | to | who | store call |
//! |---|---|---|---|
//! | — | queued | agent sends | `queue_reply` (also deletes the draft) |
//! | queued, retrying | sending / held | dispatcher | `outbox_begin` (re-check and move in one tx) |
//! | sending | sent / retrying / failed / uncertain | dispatcher, after the provider answered | `outbox_sent` / `outbox_retry` / `outbox_failed` / `outbox_uncertain` |
//! | retrying, uncertain | sent | reconciliation (a channel that can look the send up) | `outbox_sent` |
//! | uncertain | queued | reconciliation: the provider's record proves it never arrived (counted in `requeues_after_check`, note "Parley checked with …") | `outbox_requeue_after_check` |
//! | queued | retrying, failed | a pre-send rule that waits or refuses | `outbox_retry` / `outbox_failed` |
//! | held, failed | queued | agent: send anyway | `outbox_send_anyway` |
//! | queued, retrying, held, failed | queued (text changed) | agent: edit | `outbox_edit` |
//! | queued, retrying, held, failed, uncertain | (deleted with its message) | agent: discard | `outbox_discard` |
//! | uncertain | sent | agent: mark as sent | `outbox_mark_sent` |
//! | uncertain | queued | agent: send again | `outbox_send_again` |
//! | sending | uncertain | start-up | `recover_interrupted` |
//!
//! Every arrow is one SQLite transaction (`Store::outbox_*`, `synchronous=FULL`) that moves the outbox
//! row and the delivery state of its message together and refuses any move not in the table, so a
//! late or repeated call, or a decision taken on a stale screen, cannot resurrect a sent item or send
//! one twice. **Only "send again" can send an uncertain reply a second time**; it is counted in
//! `outbox.resends`. Nothing is ever retried from `sending`: the row is committed as `sending`
//! *before* the provider is called, so a crash during the call leaves it `sending`, and start-up
//! turns it `uncertain`.
//!
//! **Re-checks** (`outbox_begin`, in the transaction that would move the reply to `sending`), in order:
//! the customer opted out on that identity (`identities.opted_out`); the channel's reply window closed
//! (`Channel::reply_window()`, default none; Messenger/Instagram/WhatsApp return their 24 h rule and
//! the legal alternative — HUMAN_AGENT tag, template — which the note names); the thread was resolved
//! after the reply was queued; the customer wrote again (an inbound message newer than the
//! `seen_upto` watermark taken when queued); quiet hours (the customer's night in their local
//! time, asked of the runner's [`OutboundPolicy`](crate::OutboundPolicy), which the core implements
//! in `parley-core/src/outbound.rs`); the cap on an agent's proactive messages
//! (`HoldReason::FrequencyCap`, the customer has not written for 24 h). A held reply carries
//! `hold_reason` and a note in words. "Send anyway" and editing a held reply waive the window,
//! resolved, quiet hours and the cap once and move the watermark, so a further customer message
//! holds it again. **An opt-out is never waived**: "Send anyway" refuses while the identity is
//! opted out (`Store::outbox_send_anyway`), and the re-check holds the item again whatever the
//! waiver (issue 18).
//!
//! **Quiet hours** (issue 18, `docs/decisions/023-quiet-hours.md`): a reply held for them keeps
//! its release time (`outbox.release_at`, the customer's morning); each flush first moves the
//! held items whose time has come back to `queued` (`outbox_release_quiet`, one transaction, so a
//! restart or a second tick cannot release one twice), and they leave after the usual re-checks.
//! An automated answer to a customer who wrote in the last 15 minutes is not held; an agent's
//! answer to them is held with a note that asks ("They wrote 3 min ago — send now?"), and
//! "Send anyway" is the confirmed override.
//!
//! **Automated items** (a greeting, an away message, a bot's answer: `Store::queue_automated`,
//! `parley-core/src/automation/`) go through this same machine. Their re-check differs: held with
//! `AgentAnswered` when an agent's message reached the thread after they were queued, not held
//! when the customer writes again. Held, they keep no later reply of their thread waiting
//! (`due_outbox`) and are not counted as held for the banner; the window offers only Discard.
//!
//! **Order and pace.** `due_outbox` holds a thread's later replies while an earlier one is sending,
//! held, or waiting for a later retry; the dispatcher paces one send per second per chat.
//! `outbox_sent` merges with a copy of the same message the sync may have ingested meanwhile.
//!
//! **Connectivity** (`parley-sync/connectivity.rs`), per account, a `watch` channel written by the
//! sync task: *offline* after a poll fails for lack of network (`ChannelError::Transient`:
//! connection refused, timeout, 5xx), *online* again only after a poll succeeds — detected, not
//! guessed. A refused token or a rate limit is not offline. The dispatcher sends nothing while
//! offline; when the account comes back it makes waiting retries due at once (`outbox_retry_now`) and
//! flushes in order. The facade turns changes into `CoreEvent::OutboxChanged {online, waiting, held,
//! uncertain}`; the window shows the offline banner with the count of waiting replies.
//!
//! **Files** (replies with attachments). The composer uploads each file once, as Tauri's raw IPC
//! body (`stage_attachment`; thread, name and type percent-encoded in headers); Rust checks the
//! channel's limit, writes it to `data/outgoing/<uuid>/<name>` (temporary file, fsync, rename) and
//! records it in `staged_files` with the thread's draft (migration 7), so it survives a restart or a
//! kill -9. `Channel::attachment_rule` (each provider module's `ATTACHMENT_RULE`) says how
//! files go: **email** `AllInOne` (text and every file in one multipart/mixed message, 25 MB
//! together); **Telegram** (50 MB per file; sendPhoto for JPEG/PNG/WebP up to 10 MB, else
//! sendDocument) and **Messenger/Instagram** (Send API upload, 25 MB per file, same window/tag rules
//! as text) `OnePerFile`; **Twilio** (SMS, WhatsApp) `Unsupported` (media must be at a public https
//! URL), the attach button is disabled and says why (media links instead, below). **The rule at queue time**: `send_reply` →
//! `queue_reply_with_files`, one transaction that moves the staged files into `outbox_files` and
//! clears the draft; with `OnePerFile` the reply becomes several outbox items *in order* — the text
//! (if any), then one item (own message, own outbox row) per file — so each provider call has its
//! own exactly-once / uncertain / retry state, and `due_outbox`'s per-thread order sends them in
//! sequence. The dispatcher hands an item's files to the adapter in `OutgoingMessage.attachments`.
//! An outbound message names its files as `remote_ref = "local:<uuid>/<name>"`, so they open from
//! this computer (`fetch_attachment`). Removing a staged file or discarding a reply deletes its
//! folder; start-up sweeps folders no row names (a crash between write and record, a deleted
//! account). Graph reconciliation answers `Unknown` for a file item (no text to match).
//!
//! **Dropped files.** Tauri takes a drop from the operating system before the page (the webview gets
//! no `File`s, only drag events with paths). The webview never names a path for Rust to read: the
//! shell's `WindowEvent::DragDrop(Drop { paths })` hands the paths to the core (`remember_drop`,
//! `drops.rs`), which keeps only the last drop, for 30 s, to be taken once. The window sees the same
//! drop (`onDragDropEvent`, allowed by `core:event:allow-listen`; it highlights the composer while
//! dragging) and calls `stage_dropped_files(thread)`, which reads those paths only, with the Attach
//! button's checks and staging (`check_limits` before reading, then `stage_attachment`); a folder, an
//! unreadable, empty or too large file is refused by name, the others are staged. SMS/WhatsApp refuse
//! the drop and the composer points at Media link. WebDriver cannot make a real OS drop, so the e2e
//! only proves that the page cannot stage a drop that never happened.
//!
//! **Send options: templates and media links** (migration 10, `outbox.send_options`, JSON of
//! `parley_domain::SendOptions`). Twilio cannot take a file from this computer — Programmable
//! Messaging fetches media from a public URL (`MediaUrl`, up to 10, 5 MB in all) — so on SMS and
//! WhatsApp the composer offers **Media link**: the agent pastes a public link, Rust refuses what
//! Twilio could never fetch (not http(s), credentials in it, localhost or a private address) with the
//! reason, and the reply is queued with its links (`send_reply_with_media` →
//! `queue_reply_with_options`; the queued message shows each link as an attachment until the
//! provider's copy replaces it). An approved WhatsApp **template** (ContentSid + variables) goes
//! through the outbox the same way (`send_template`), so it waits out a lost network, is retried,
//! and is reconciled like any reply instead of being sent directly. Two rules differ for a template:
//! the window re-check does not hold it (it *is* the legal way past the window), and `due_outbox` does
//! not keep it waiting behind a reply held for that window (a held free-form reply still waits; an
//! ordinary reply after it still waits for it). A template keeps the agent's draft; its wording
//! cannot be edited (discard and choose again).
//! The composer's media links are kept with the draft (migration 13, `draft_media_links`,
//! `save_draft_media_links` on every change), so they survive switching threads and a restart; the
//! transaction that queues a reply with them clears them, and discarding it puts them back with its
//! text. The Drafts view lists every composer that holds text, staged files or links ("2 files").
//! After a discard the open composer shows the stored draft (the reply's text, then what was there):
//! the window saves its own unsaved text first, and `refresh` adopts a changed stored draft unless a
//! save of its own crossed the read; text typed meanwhile stays, after the reply's.
//!
//! **Robustness, tested**: `parley-store/tests/it/outbox_machine.rs` (each re-check reason; the
//! agent's decisions; a proptest that drives random operations against a model of this table and
//! checks that the store accepts exactly the legal moves and loses nothing);
//! `parley-sync/tests/it/crash.rs` (kill -9 of a harness process while it drafts, queues and
//! flushes against the fake Telegram, 20 cycles in CI, `bench/crash_soak.sh N` for more:
//! `integrity_check`, no committed draft or reply lost, each reply received at most once);
//! `tests/e2e/test_offline.py` (the real window).
//!
//! **Reconciliation.** The dispatcher asks `Channel::reconcile(message, queued_at)` about each
//! uncertain reply of its account (those recovered from `sending` at start-up included), at most once
//! a minute per reply, then less often (doubling to an hour) while the provider cannot tell: `Sent` →
//! `outbox_sent` (never claiming a provider id another reply holds); `NotSent` → queued again with the
//! usual re-checks; `Unknown` (Telegram, the default) → the agent decides. Email looks the
//! reply's Message-ID up in Sent, where its copy is written *before* SMTP, marked `$ParleyPending`
//! until SMTP accepts and removed when SMTP refuses before DATA: confirmed copy → `Sent`, pending
//! copy → `Unknown`, no copy → `NotSent` (see "Reliable sends" in `parley-core`'s `email.rs`). Graph re-reads the
//! conversation from the Page (same text, from the Page, created after the reply was queued, two
//! minutes' skew); `NotSent` only when every message since then was read. A discarded reply's text
//! goes back into the thread's draft.

use crate::Backoff;
use crate::connectivity::Connectivity;
use crate::runner::{AccountRunner, EngineEvent, store_words};
use parley_channels::{ChannelError, OutgoingFile, OutgoingMessage, Reconciled};
use parley_domain::{OutboxId, ThreadId};
use parley_store::{Begin, OutboxItem, Recheck, StoreError};
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
    // Replies held for the customer's quiet hours whose morning has come go back to the queue
    // (once: the move is a state change in one transaction) and leave in this flush.
    let released = runner
        .db
        .call(move |s| s.outbox_release_quiet(account, now))
        .await?;
    if !released.is_empty() {
        tracing::info!(%account, threads = released.len(), "outbox: quiet hours over, released");
        for &thread in &released {
            let _ = runner.events.send(EngineEvent::MessagesChanged { thread });
        }
        let _ = runner.events.send(EngineEvent::OutboxChanged { account });
        let _ = runner
            .events
            .send(EngineEvent::ThreadsChanged { threads: released });
    }
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
        let window = runner.channel.reply_window();
        let policy = runner.policy.clone();
        let begun = runner
            .db
            .call(move |s| {
                let (quiet, caps) = policy.recheck(s, thread, now)?;
                let check = Recheck {
                    window,
                    quiet,
                    caps,
                };
                s.outbox_begin(id, &check, now)
            })
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
            Err(ChannelError::Rejected { code, message }) => {
                let opted_out = runner.channel.refusal_means_opted_out(code);
                runner
                    .db
                    .call(move |s| {
                        if opted_out {
                            s.outbox_failed_opted_out(id, &message, now)
                        } else {
                            s.outbox_failed(id, &message, now)
                        }
                    })
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
