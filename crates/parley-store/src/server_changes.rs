//! What the server says changed under messages Parley already holds (migration 11): where each
//! email sits (mailbox, UIDVALIDITY, UID) and which of them were expunged there. An expunged
//! message is kept (a conversation must not lose history because the mailbox was tidied) and
//! marked `deleted_on_server_at`.

use crate::error::Result;
use parley_domain::{AccountId, IngestBatch, Millis, ThreadId};
use rusqlite::{Connection, OptionalExtension, params};

/// Records the batch's server locations, then applies its expunges, inside the batch's
/// transaction. Returns the threads whose messages changed.
pub(crate) fn apply_server_changes(
    conn: &Connection,
    account: AccountId,
    batch: &IngestBatch,
    now: Millis,
) -> Result<Vec<ThreadId>> {
    let mut changed = Vec::new();
    for loc in &batch.server_locations {
        // A message seen again on the server is no longer deleted there.
        let found: Option<(i64, i64, bool)> = conn
            .prepare_cached(
                "SELECT id, thread_id, deleted_on_server_at IS NOT NULL FROM messages
                 WHERE account_id = ?1 AND remote_id = ?2",
            )?
            .query_row(params![account.0, loc.remote_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((message, thread, was_deleted)) = found else {
            continue;
        };
        conn.prepare_cached(
            "INSERT INTO message_locations (account_id, mailbox, uid, uidvalidity, message_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account_id, mailbox, uid)
             DO UPDATE SET uidvalidity = excluded.uidvalidity, message_id = excluded.message_id",
        )?
        .execute(params![
            account.0,
            loc.mailbox,
            loc.uid,
            loc.uidvalidity,
            message
        ])?;
        if was_deleted {
            conn.prepare_cached("UPDATE messages SET deleted_on_server_at = NULL WHERE id = ?1")?
                .execute([message])?;
            push(&mut changed, ThreadId(thread));
        }
    }
    for gone in &batch.vanished {
        for &(lo, hi) in &gone.ranges {
            let messages: Vec<i64> = conn
                .prepare_cached(
                    "DELETE FROM message_locations
                     WHERE account_id = ?1 AND mailbox = ?2 AND uid BETWEEN ?3 AND ?4
                       AND uidvalidity = ?5
                     RETURNING message_id",
                )?
                .query_map(
                    params![
                        account.0,
                        gone.mailbox,
                        lo.min(hi),
                        hi.max(lo),
                        gone.uidvalidity
                    ],
                    |r| r.get(0),
                )?
                .collect::<std::result::Result<_, _>>()?;
            for message in messages {
                // Still in another mailbox (Sent and INBOX): not deleted from the mailbox.
                let thread: Option<i64> = conn
                    .prepare_cached(
                        "UPDATE messages SET deleted_on_server_at = ?2
                         WHERE id = ?1 AND deleted_on_server_at IS NULL
                           AND NOT EXISTS (SELECT 1 FROM message_locations l
                                           WHERE l.message_id = ?1)
                         RETURNING thread_id",
                    )?
                    .query_row(params![message, now], |r| r.get(0))
                    .optional()?;
                if let Some(t) = thread {
                    push(&mut changed, ThreadId(t));
                }
            }
        }
    }
    Ok(changed)
}

fn push(threads: &mut Vec<ThreadId>, thread: ThreadId) {
    if !threads.contains(&thread) {
        threads.push(thread);
    }
}
