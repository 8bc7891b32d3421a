//! The agent's decisions about replies that wait: send anyway, edit, discard, and for an
//! uncertain reply "mark as sent" or "send again". Each is one transaction that refuses a move
//! the outbox state machine does not allow (see the module doc of `parley-sync`'s `outbox.rs`), so a decision
//! taken on a stale screen cannot touch a reply that has moved on (e.g. one now being sent).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::outbox::{Item, load, require, transition};
use crate::text::strip_markers;
use crate::threads::refresh_thread_head;
use crate::types::{OutboxItem, OutboxState};
use parley_domain::*;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

const MARKED_SENT_NOTE: &str = "You marked this reply as sent after checking the conversation.";

fn item_of_message(tx: &Transaction<'_>, message: MessageId) -> Result<(OutboxId, Item)> {
    let id: i64 = tx
        .prepare_cached("SELECT id FROM outbox WHERE message_id = ?1")?
        .query_row([message.0], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound("reply waiting to be sent"))?;
    let id = OutboxId(id);
    Ok((id, load(tx, id)?))
}

/// The agent has looked at the thread as it is now: later customer messages hold the reply
/// again, the others checks are waived, and it is due at once.
fn requeue_reviewed(tx: &Transaction<'_>, id: OutboxId, item: &Item, now: Millis) -> Result<()> {
    crate::accounts::ensure_active(tx, item.account_id)?;
    tx.prepare_cached(
        "UPDATE outbox SET checks_waived = 1, hold_reason = NULL, release_at = NULL,
                next_attempt_at = ?2,
                seen_upto = (SELECT COALESCE(MAX(id), 0) FROM messages
                              WHERE thread_id = ?3 AND direction = 'inbound')
         WHERE id = ?1",
    )?
    .execute(params![id.0, now, item.thread_id.0])?;
    transition(
        tx,
        id,
        item,
        OutboxState::Queued,
        DeliveryState::Queued,
        None,
        now,
    )
}

impl Store {
    /// The outbox item carrying `message`, if it has one.
    pub fn outbox_for_message(&self, message: MessageId) -> Result<Option<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE message_id = ?1"
        ))?;
        crate::rows::first(&mut stmt, [message.0], crate::rows::outbox_item)
    }

    /// Held or failed → queued, with the re-checks waived: the agent decided it should go.
    /// Refused while the customer is opted out on that identity (their word, not the agent's).
    pub fn outbox_send_anyway(&mut self, message: MessageId, now: Millis) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, item) = item_of_message(&tx, message)?;
        require(
            id,
            &item,
            OutboxState::Queued,
            &[OutboxState::Held, OutboxState::Failed],
        )?;
        // The customer's opt-out is not the agent's to waive.
        let opted_out: bool = tx
            .prepare_cached(
                "SELECT i.opted_out FROM threads t JOIN identities i ON i.id = t.identity_id
                 WHERE t.id = ?1",
            )?
            .query_row([item.thread_id.0], |r| r.get(0))
            .optional()?
            .unwrap_or(false);
        if opted_out {
            return Err(StoreError::Invalid(crate::OPTED_OUT_REFUSAL.into()));
        }
        requeue_reviewed(&tx, id, &item, now)?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Changes the text of a reply that has not left. A queued or retrying reply keeps its place;
    /// a held or failed one is queued again with the checks waived (editing it is the agent's
    /// answer to the hold). Never allowed while sending, sent or uncertain: the provider may have
    /// the old text.
    pub fn outbox_edit(&mut self, message: MessageId, text: &str, now: Millis) -> Result<ThreadId> {
        let text = strip_markers(text);
        if text.trim().is_empty() {
            return Err(StoreError::Invalid("a reply needs some text".into()));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, item) = item_of_message(&tx, message)?;
        require(
            id,
            &item,
            OutboxState::Queued,
            &[
                OutboxState::Queued,
                OutboxState::Retrying,
                OutboxState::Held,
                OutboxState::Failed,
            ],
        )?;
        tx.prepare_cached("UPDATE outbox SET body = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id.0, text, now])?;
        tx.prepare_cached("UPDATE messages SET text = ?2 WHERE id = ?1")?
            .execute(params![item.message_id, text])?;
        if matches!(item.state, OutboxState::Held | OutboxState::Failed) {
            requeue_reviewed(&tx, id, &item, now)?;
        }
        refresh_thread_head(&tx, item.thread_id)?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Cancels a reply that has not (knowingly) left: its message and outbox item go together,
    /// and its text goes back into the thread's draft.
    /// Allowed for uncertain replies too: the agent may decide it does not matter either way.
    pub fn outbox_discard(&mut self, message: MessageId) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, item) = item_of_message(&tx, message)?;
        if !matches!(
            item.state,
            OutboxState::Queued
                | OutboxState::Retrying
                | OutboxState::Held
                | OutboxState::Failed
                | OutboxState::Uncertain
        ) {
            return Err(StoreError::Invalid(format!(
                "outbox item {id} is {}; it cannot be discarded",
                item.state.as_str()
            )));
        }
        // The text is not lost: it goes back into the thread's draft (before any draft there),
        // so the agent can rework it.
        let (body, options, automated): (String, Option<String>, bool) = tx
            .prepare_cached("SELECT body, send_options, automated FROM outbox WHERE id = ?1")?
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let media_urls = match options {
            Some(json) => {
                serde_json::from_str::<SendOptions>(&json)
                    .map_err(|e| StoreError::Corrupt(format!("outbox send options: {e}")))?
                    .media_urls
            }
            None => Vec::new(),
        };
        let now: i64 = tx.query_row(
            "SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000",
            [],
            |r| r.get(0),
        )?;
        // A file's own item has no text: nothing to put back; nor has an automated message
        // (a rule's words are not the agent's draft).
        if !automated && !body.trim().is_empty() {
            tx.prepare_cached(
                "INSERT INTO drafts (thread_id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (thread_id) DO UPDATE SET
                     body = CASE WHEN trim(drafts.body) = '' THEN excluded.body
                                 ELSE excluded.body || char(10) || char(10) || drafts.body END,
                     updated_at = excluded.updated_at",
            )?
            .execute(params![item.thread_id.0, body, now])?;
        }
        // Its media links go back with the draft too, after any the composer holds now.
        for url in &media_urls {
            tx.prepare_cached(
                "INSERT INTO draft_media_links (thread_id, position, url, updated_at)
                 SELECT ?1, (SELECT COALESCE(MAX(position), -1) + 1 FROM draft_media_links
                             WHERE thread_id = ?1), ?2, ?3
                 WHERE NOT EXISTS (SELECT 1 FROM draft_media_links
                                   WHERE thread_id = ?1 AND url = ?2)",
            )?
            .execute(params![item.thread_id.0, url, now])?;
        }
        // The outbox row goes with its message (ON DELETE CASCADE).
        tx.prepare_cached("DELETE FROM messages WHERE id = ?1")?
            .execute([item.message_id])?;
        refresh_thread_head(&tx, item.thread_id)?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Uncertain → sent: the agent checked and the customer has it. No provider id is known.
    pub fn outbox_mark_sent(&mut self, message: MessageId, now: Millis) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, item) = item_of_message(&tx, message)?;
        require(id, &item, OutboxState::Sent, &[OutboxState::Uncertain])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Sent,
            DeliveryState::Sent,
            Some(MARKED_SENT_NOTE),
            now,
        )?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Uncertain → queued: the agent chose to send it again, knowing the customer may get it
    /// twice. Counted in `resends`, the only way an uncertain reply is ever sent again.
    pub fn outbox_send_again(&mut self, message: MessageId, now: Millis) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, item) = item_of_message(&tx, message)?;
        require(id, &item, OutboxState::Queued, &[OutboxState::Uncertain])?;
        tx.prepare_cached("UPDATE outbox SET resends = resends + 1 WHERE id = ?1")?
            .execute([id.0])?;
        requeue_reviewed(&tx, id, &item, now)?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Back online: replies of `account` waiting for a later retry are due now, so the outbox
    /// flushes as soon as the network returns instead of at the end of each backoff.
    pub fn outbox_retry_now(&mut self, account: AccountId, now: Millis) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE outbox SET next_attempt_at = ?2
                 WHERE account_id = ?1 AND state = 'retrying' AND next_attempt_at > ?2",
            )?
            .execute(params![account.0, now])?)
    }

    /// How many replies wait (queued, sending, retrying), are held, and are uncertain.
    pub fn outbox_counts(&self) -> Result<(i64, i64, i64)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(state IN ('queued', 'sending', 'retrying')), 0),
                        COALESCE(SUM(state = 'held' AND automated = 0), 0),
                        COALESCE(SUM(state = 'uncertain'), 0)
                 FROM outbox WHERE state IN ('queued', 'sending', 'retrying', 'held', 'uncertain')",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
    }
}
