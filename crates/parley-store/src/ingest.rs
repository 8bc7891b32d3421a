//! Applying what a channel fetched: one transaction per batch, cursor included.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::{snippet, strip_markers};
use crate::threads::refresh_thread_head;
use crate::types::{IngestOutcome, NewMessageInfo};
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

impl Store {
    /// Stores a fetched batch and moves the sync cursor in the same transaction, so a crash
    /// either keeps both or neither. Replays are harmless: messages are keyed on
    /// (account, remote id) and a known one is skipped without touching unread counts.
    pub fn apply_batch(
        &mut self,
        account: AccountId,
        batch: &IngestBatch,
        cursor: Option<(&str, &str)>,
        now: Millis,
    ) -> Result<IngestOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM accounts WHERE id = ?1")?
            .query_row([account.0], |_| Ok(()))
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NotFound("account"));
        }

        let mut outcome = IngestOutcome::default();
        for m in &batch.messages {
            let (thread, contact_name, inserted) = ingest_message(&tx, account, m)?;
            if let Some(message_id) = inserted {
                outcome.new_messages.push(NewMessageInfo {
                    thread_id: thread,
                    message_id,
                    direction: m.direction,
                    contact_name,
                    text: strip_markers(&m.text).into_owned(),
                });
                touch(&mut outcome.changed_threads, thread);
            }
        }
        for e in &batch.edits {
            if let Some(thread) = apply_edit(&tx, account, e)? {
                touch(&mut outcome.changed_threads, thread);
            }
        }
        if let Some((key, value)) = cursor {
            tx.prepare_cached(
                "INSERT INTO sync_cursors (account_id, key, value, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, key)
                 DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )?
            .execute(params![account.0, key, value, now])?;
        }
        tx.commit()?;
        Ok(outcome)
    }
}

fn touch(threads: &mut Vec<ThreadId>, thread: ThreadId) {
    // Batches touch a handful of threads; a linear scan beats hashing here.
    if !threads.contains(&thread) {
        threads.push(thread);
    }
}

/// Providers sometimes omit names; a blank name would show as an empty row in the inbox.
fn person_name(p: &RemotePerson) -> &str {
    [Some(p.display_name.as_str()), p.handle.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or(p.remote_id.as_str())
}

/// Returns the thread, the contact's name and the new message's id (`None` for a replay).
fn ingest_message(
    conn: &Connection,
    account: AccountId,
    m: &IncomingMessage,
) -> Result<(ThreadId, String, Option<MessageId>)> {
    if m.remote_id.is_empty() || m.remote_thread_id.is_empty() || m.customer.remote_id.is_empty() {
        // An adapter bug; storing it would make replays impossible to recognise.
        return Err(StoreError::Invalid(format!(
            "message {:?} in thread {:?} lacks a provider id",
            m.remote_id, m.remote_thread_id
        )));
    }
    let text = strip_markers(&m.text);
    let (identity, contact, contact_name) = upsert_identity(conn, account, &m.customer, m.sent_at)?;
    let line = snippet(&text, &m.attachments);
    let thread = upsert_thread(conn, account, identity, contact, m, &line)?;

    let attachments = rows::attachments_to_json(&m.attachments)?;
    let delivery = match m.direction {
        Direction::Inbound => DeliveryState::Received,
        // Read from the provider, so it left already (sent from another client or echoed).
        Direction::Outbound => DeliveryState::Sent,
    };
    let inserted: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO messages (thread_id, account_id, remote_id, direction, author_name, text,
                                   attachments, sent_at, delivery, reply_to_remote_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (account_id, remote_id) DO NOTHING
             RETURNING id",
        )?
        .query_row(
            params![
                thread.0,
                account.0,
                m.remote_id,
                m.direction.as_str(),
                person_name(&m.sender),
                text,
                attachments,
                m.sent_at,
                delivery.as_str(),
                m.reply_to_remote_id,
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = inserted else {
        return Ok((thread, contact_name, None));
    };

    // `>=`: on a tie the later-stored message (higher id) is the newer in (sent_at, id) order.
    // An inbound message that becomes the newest one reopens the conversation for the team.
    conn.prepare_cached(
        "UPDATE threads SET
             unread_count = unread_count + (?2 = 'inbound'),
             status = CASE WHEN ?2 = 'inbound' AND ?3 >= last_activity_at THEN 'open'
                           ELSE status END,
             snippet = CASE WHEN ?3 >= last_activity_at THEN ?4 ELSE snippet END,
             snippet_direction = CASE WHEN ?3 >= last_activity_at THEN ?2
                                      ELSE snippet_direction END,
             last_activity_at = max(last_activity_at, ?3)
         WHERE id = ?1",
    )?
    .execute(params![thread.0, m.direction.as_str(), m.sent_at, line])?;
    // A contact is first seen at their oldest message, even if catch-up delivers it late.
    conn.prepare_cached(
        "UPDATE contacts SET first_seen_at = ?2 WHERE id = ?1 AND first_seen_at > ?2",
    )?
    .execute(params![contact.0, m.sent_at])?;
    Ok((thread, contact_name, Some(MessageId(id))))
}

fn upsert_identity(
    conn: &Connection,
    account: AccountId,
    p: &RemotePerson,
    seen_at: Millis,
) -> Result<(IdentityId, ContactId, String)> {
    let name = person_name(p);
    let found: Option<(i64, i64, String, Option<String>, String)> = conn
        .prepare_cached(
            "SELECT i.id, i.contact_id, i.display_name, i.handle, c.display_name
             FROM identities i JOIN contacts c ON c.id = i.contact_id
             WHERE i.account_id = ?1 AND i.remote_id = ?2",
        )?
        .query_row(params![account.0, p.remote_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    match found {
        Some((identity, contact, old_name, old_handle, mut contact_name)) => {
            if old_name != name || old_handle != p.handle {
                conn.prepare_cached(
                    "UPDATE identities SET display_name = ?2, handle = ?3 WHERE id = ?1",
                )?
                .execute(params![identity, name, p.handle])?;
                // The contact follows the provider's name unless an agent renamed them (then
                // the contact's name no longer equals what the provider used to say).
                if contact_name == old_name && old_name != name {
                    conn.prepare_cached("UPDATE contacts SET display_name = ?2 WHERE id = ?1")?
                        .execute(params![contact, name])?;
                    name.clone_into(&mut contact_name);
                }
            }
            Ok((IdentityId(identity), ContactId(contact), contact_name))
        }
        None => {
            let contact: i64 = conn
                .prepare_cached(
                    "INSERT INTO contacts (display_name, first_seen_at) VALUES (?1, ?2)
                     RETURNING id",
                )?
                .query_row(params![name, seen_at], |r| r.get(0))?;
            let identity: i64 = conn
                .prepare_cached(
                    "INSERT INTO identities (contact_id, account_id, remote_id, handle, display_name)
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                )?
                .query_row(
                    params![contact, account.0, p.remote_id, p.handle, name],
                    |r| r.get(0),
                )?;
            Ok((IdentityId(identity), ContactId(contact), name.to_owned()))
        }
    }
}

fn upsert_thread(
    conn: &Connection,
    account: AccountId,
    identity: IdentityId,
    contact: ContactId,
    m: &IncomingMessage,
    line: &str,
) -> Result<ThreadId> {
    let found: Option<i64> = conn
        .prepare_cached("SELECT id FROM threads WHERE account_id = ?1 AND remote_thread_id = ?2")?
        .query_row(params![account.0, m.remote_thread_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(ThreadId(id));
    }
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO threads (account_id, contact_id, identity_id, remote_thread_id,
                                  last_activity_at, snippet, snippet_direction)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                account.0,
                contact.0,
                identity.0,
                m.remote_thread_id,
                m.sent_at,
                line,
                m.direction.as_str()
            ],
            |r| r.get(0),
        )?;
    Ok(ThreadId(id))
}

/// Applies an edit unless a newer one is already stored; returns the thread when text changed.
fn apply_edit(conn: &Connection, account: AccountId, e: &MessageEdit) -> Result<Option<ThreadId>> {
    let text = strip_markers(&e.text);
    let thread: Option<i64> = conn
        .prepare_cached(
            "UPDATE messages SET text = ?3, edited_at = ?4
             WHERE account_id = ?1 AND remote_id = ?2
               AND (edited_at IS NULL OR edited_at <= ?4) AND text <> ?3
             RETURNING thread_id",
        )?
        .query_row(params![account.0, e.remote_id, text, e.edited_at], |r| {
            r.get(0)
        })
        .optional()?;
    match thread {
        Some(t) => {
            let thread = ThreadId(t);
            // The edited message may be the one the thread list shows.
            refresh_thread_head(conn, thread)?;
            Ok(Some(thread))
        }
        None => Ok(None),
    }
}
