//! Forward-only, numbered schema migrations.
//!
//! The version lives in `PRAGMA user_version`. Each version runs in its own transaction together
//! with the bump of `user_version`, so a crash leaves the database at one version or the next,
//! never between. Never edit a migration that has shipped: add a new one.

use crate::error::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};

mod accounts;
mod automation;
mod bot;
mod contacts;
mod messages;
mod mood;
mod outbound;
mod outbox;
mod retention;
mod review;
mod saved_replies;
mod settings;
mod threads;

/// Version `n` is `MIGRATIONS[n - 1]`; a version may be split across the files of its table
/// families, applied in order.
const MIGRATIONS: &[&[&str]] = &[
    // 1: base schema.
    &[
        accounts::V1,
        contacts::V1,
        threads::V1,
        messages::V1,
        outbox::V1,
    ],
    // 2: full-text search over messages.
    &[messages::V2],
    // 3: app settings (notification preferences, first).
    &[settings::V3],
    // 4: held replies and the agent's outbox decisions.
    &[outbox::V4],
    // 5: email subjects, folded quotes, client-made message ids.
    &[messages::V5, outbox::V5],
    // 6: uncertain replies requeued after the provider proved they never arrived.
    &[outbox::V6],
    // 7: replies with files: staged composer files and the files of outbox items.
    &[outbox::V7],
    // 8: who controls a Messenger/Instagram thread (handover), shown in the thread list.
    &[threads::V8],
    // 9: sanitised email HTML, stored at sync time.
    &[messages::V9],
    // 10: how an outbox item goes out beyond text and files (a template, media links).
    &[outbox::V10],
    // 11: where each email sits on the server; messages expunged there.
    &[messages::V11],
    // 12: unresolved email parents, so a split thread joins when its parent arrives.
    &[threads::V12],
    // 13: media links kept with a composer's draft (SMS, WhatsApp).
    &[threads::V13],
    // 14: the workflow: snooze, waiting time, status history, the views' indexes.
    &[threads::V14],
    // 15: the views' counts, kept by triggers; the index the waiting time seeks.
    &[threads::V15],
    // 16: notes with their author and edits; typed attributes of contacts.
    &[contacts::V16],
    // 17: opt-out per identity; contacts merged into one another, with an audit to undo.
    &[contacts::V17],
    // 18: the Contacts screen (search, last contact) and the VIP / Blocked marks; blocked
    // customers' conversations leave the views' counts.
    &[contacts::V18, threads::V18],
    // 19: customers' profile pictures, per identity.
    &[contacts::V19],
    // 20: saved replies, their per-channel bodies and their files.
    &[saved_replies::V20],
    // 21: customers imported from a file, and the contacts each import created.
    &[contacts::V21],
    // 22: the customer's tags (searchable), a time zone set by hand, the offset of inbound
    // emails' Date.
    &[contacts::V22, messages::V22],
    // 23: automated messages (greeting, away, bots): the rule that sent each, the ledger of
    // what was sent to whom.
    &[automation::V23],
    // 24: the FAQ bot's rules, sessions and sends.
    &[bot::V24],
    // 25: the customer's mood per message and per conversation, the Mood view, the waits
    // answered (spike mode's expected wait).
    &[mood::V25],
    // 26: the manager's review — measures kept on each conversation, the review and metrics
    // indexes, annotations and checklist scores.
    &[review::V26],
    // 27: the sender of each message read from a provider (a reused id from someone else is
    // another message); accounts removed with their conversations kept, read-only; customers
    // erased on request (tombstones).
    &[messages::V27, accounts::V27],
    // 28: the unread messages of every conversation, kept by triggers (the tray's badge).
    &[threads::V28],
    // 29: respectful outbound — how and when an opt-out was recorded, the release time of a
    // reply held for quiet hours, and the automated messages the frequency caps dropped.
    &[outbound::V29],
    // 30: retention — per account, conversations resolved more than N months ago are deleted;
    // the deleted messages' ids (so a sync leaves them out) and files still to remove.
    &[retention::V30],
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// The schema version of an open database.
pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings the database up to `target` (or [`LATEST`]). Public so tests (and tools) can build a
/// database as an older Parley left it.
pub fn migrate(conn: &mut Connection, target: Option<u32>) -> Result<u32> {
    let target = target.unwrap_or(LATEST).min(LATEST);
    let found = version(conn)?;
    if found > LATEST {
        return Err(StoreError::TooNew {
            found,
            supported: LATEST,
        });
    }
    for v in (found + 1)..=target {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for sql in MIGRATIONS[(v - 1) as usize] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", v)?;
        tx.commit()?;
        tracing::info!(version = v, "applied store migration");
    }
    version(conn)
}
