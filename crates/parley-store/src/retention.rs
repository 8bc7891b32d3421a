//! Retention (issue 18; `docs/decisions/026-retention.md`): per account, conversations resolved
//! before a cut-off (N calendar months ago in the agent's zone, computed by the core) are deleted
//! the way an erase deletes (`erase.rs`): with `secure_delete`, their messages, search index rows,
//! HTML, drafts, outbox items, labels, events, annotations and mood records going by cascade,
//! then (once per run) a fresh search index, the file rebuilt and the log cut.
//!
//! A run is batches, each one transaction: the batch's conversations go whole, its messages'
//! provider ids are remembered (a hash, `purged_messages`) so a sync that meets them again leaves
//! them out, its downloaded files are queued for removal (`purged_files`), and the run's counts
//! grow. A crash between batches leaves every conversation either there or gone; the run stays
//! open (`run_finished_at` NULL) and the next pass finishes it.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::{
    AccountId, Attachment, ChannelKind, IngestBatch, Millis, RETENTION_MONTHS_MAX, RetentionRun,
};
use rusqlite::{Connection, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// One account's policy and last run, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionRow {
    pub account: AccountId,
    pub months: Option<u32>,
    pub last_run: Option<RetentionRun>,
}

/// What one batch deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgedBatch {
    pub conversations: i64,
    pub messages: i64,
}

/// What a retention of the cut-off would delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionCount {
    pub conversations: i64,
    pub messages: i64,
    pub oldest_resolved_at: Option<Millis>,
    pub newest_resolved_at: Option<Millis>,
}

/// A deleted message's downloaded attachments, still on disk until the core removes them.
#[derive(Debug, Clone, PartialEq)]
pub struct PurgedFile {
    pub id: i64,
    pub channel: ChannelKind,
    pub external_id: String,
    /// The key the attachment cache files them under (the provider's id, or `row N`).
    pub message_key: String,
    pub attachments: Vec<Attachment>,
}

/// The conversations a run deletes: resolved (and still so) before `cutoff`, with no reply
/// still on its way out.
const DUE: &str = "FROM threads t
     WHERE t.resolved_at < ?2 AND t.account_id = ?1 AND t.status = 'resolved'
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.thread_id = t.id
                        AND o.state IN ('queued', 'retrying', 'sending'))";

/// The hash a deleted message's provider id is remembered by.
fn message_hash(account: AccountId, remote_id: &str) -> Vec<u8> {
    Sha256::digest(format!("{}:{remote_id}", account.0).as_bytes())[..16].to_vec()
}

/// `batch` without the messages retention deleted, when it has any (`None`: nothing to leave
/// out). One indexed look per batch while the account never deleted any.
pub(crate) fn without_purged(
    conn: &Connection,
    account: AccountId,
    batch: &IngestBatch,
) -> Result<Option<IngestBatch>> {
    if batch.messages.is_empty() {
        return Ok(None);
    }
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM purged_messages WHERE account_id = ?1)")?
        .query_row([account.0], |r| r.get(0))?;
    if !any {
        return Ok(None);
    }
    let mut look = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM purged_messages WHERE account_id = ?1 AND ref_hash = ?2)",
    )?;
    let mut gone = std::collections::HashSet::new();
    for m in &batch.messages {
        let purged: bool = look.query_row(
            params![account.0, message_hash(account, &m.remote_id)],
            |r| r.get(0),
        )?;
        if purged {
            gone.insert(m.remote_id.clone());
        }
    }
    if gone.is_empty() {
        return Ok(None);
    }
    let mut kept = batch.clone();
    kept.messages.retain(|m| !gone.contains(&m.remote_id));
    kept.html_bodies.retain(|h| !gone.contains(&h.remote_id));
    Ok(Some(kept))
}

fn check_months(months: u32) -> Result<()> {
    if !(1..=RETENTION_MONTHS_MAX).contains(&months) {
        return Err(StoreError::Invalid(format!(
            "a retention of {months} months is outside 1..={RETENTION_MONTHS_MAX}"
        )));
    }
    Ok(())
}

impl Store {
    /// Every account's policy and last run (accounts that never had one are left out).
    pub fn retention_rows(&self) -> Result<Vec<RetentionRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT account_id, months, run_started_at, run_finished_at, run_cutoff,
                    run_threads, run_messages, run_error
             FROM retention ORDER BY account_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let started: Option<Millis> = r.get(2)?;
                let last_run = match started {
                    Some(started_at) => Some(RetentionRun {
                        started_at,
                        finished_at: r.get(3)?,
                        cutoff: r.get::<_, Option<Millis>>(4)?.unwrap_or(0),
                        conversations: r.get(5)?,
                        messages: r.get(6)?,
                        error: r.get(7)?,
                    }),
                    None => None,
                };
                Ok(RetentionRow {
                    account: AccountId(r.get(0)?),
                    months: r.get(1)?,
                    last_run,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Sets (or with `None` turns off) the account's policy.
    pub fn set_retention_months(
        &mut self,
        account: AccountId,
        months: Option<u32>,
        now: Millis,
    ) -> Result<()> {
        if let Some(m) = months {
            check_months(m)?;
        }
        self.require_account(account)?;
        self.conn
            .prepare_cached(
                "INSERT INTO retention (account_id, months, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id) DO UPDATE SET months = excluded.months,
                                                        updated_at = excluded.updated_at",
            )?
            .execute(params![account.0, months, now])?;
        Ok(())
    }

    /// Exactly what a run with `cutoff` would delete now.
    pub fn retention_count(&self, account: AccountId, cutoff: Millis) -> Result<RetentionCount> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(t.message_count), 0), MIN(t.resolved_at),
                    MAX(t.resolved_at) {DUE}"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![account.0, cutoff], |r| {
                Ok(RetentionCount {
                    conversations: r.get(0)?,
                    messages: r.get(1)?,
                    oldest_resolved_at: r.get(2)?,
                    newest_resolved_at: r.get(3)?,
                })
            })?)
    }

    /// Opens a run with `cutoff`, or carries on the account's interrupted one (its counts kept,
    /// the cut-off now `cutoff`).
    pub fn begin_retention_run(
        &mut self,
        account: AccountId,
        cutoff: Millis,
        now: Millis,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO retention (account_id, months, updated_at) VALUES (?1, NULL, ?2)
             ON CONFLICT (account_id) DO NOTHING",
            params![account.0, now],
        )?;
        tx.execute(
            "UPDATE retention SET
                 run_threads = CASE WHEN run_started_at IS NOT NULL AND run_finished_at IS NULL
                                    THEN run_threads ELSE 0 END,
                 run_messages = CASE WHEN run_started_at IS NOT NULL AND run_finished_at IS NULL
                                     THEN run_messages ELSE 0 END,
                 run_started_at = CASE WHEN run_started_at IS NOT NULL AND run_finished_at IS NULL
                                       THEN run_started_at ELSE ?2 END,
                 run_cutoff = ?3, run_finished_at = NULL, run_error = NULL
             WHERE account_id = ?1",
            params![account.0, now, cutoff],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The accounts whose last run did not finish (a crash, a failure): `(account, cut-off)`.
    pub fn unfinished_retention_runs(&self) -> Result<Vec<(AccountId, Millis)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT account_id, run_cutoff FROM retention
             WHERE run_started_at IS NOT NULL AND run_finished_at IS NULL AND run_cutoff IS NOT NULL",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((AccountId(r.get(0)?), r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Deletes up to `limit` of the account's conversations resolved before `cutoff`, in one
    /// transaction (see the module doc); zero conversations: the run has nothing left.
    pub fn purge_resolved_batch(
        &mut self,
        account: AccountId,
        cutoff: Millis,
        limit: u32,
    ) -> Result<PurgedBatch> {
        self.conn.pragma_update(None, "secure_delete", true)?;
        let done = purge_batch(&mut self.conn, account, cutoff, limit);
        self.conn.pragma_update(None, "secure_delete", false)?;
        done
    }

    /// Closes the account's run (`error`: why it stopped).
    pub fn finish_retention_run(
        &mut self,
        account: AccountId,
        now: Millis,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE retention SET run_finished_at = ?2, run_error = ?3
                 WHERE account_id = ?1 AND run_started_at IS NOT NULL",
            )?
            .execute(params![account.0, now, error])?;
        Ok(())
    }

    /// The deleted bytes out of the files (once per run: a fresh search index, the database
    /// rebuilt, the log cut; see `erase.rs`).
    pub fn compact_after_purge(&mut self) -> Result<()> {
        crate::erase::purge(&self.conn)
    }

    /// Downloaded files of deleted messages still to remove, oldest first.
    pub fn purged_files(&self, limit: u32) -> Result<Vec<PurgedFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, channel, external_id, message_key, attachments FROM purged_files
             ORDER BY id LIMIT ?1",
        )?;
        let mut rows = stmt.query([limit])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(PurgedFile {
                id: r.get(0)?,
                channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                external_id: r.get(2)?,
                message_key: r.get(3)?,
                attachments: crate::rows::attachments_from_json(&r.get::<_, String>(4)?)?,
            });
        }
        Ok(out)
    }

    /// Forgets files removed from disk.
    pub fn forget_purged_files(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut del = tx.prepare_cached("DELETE FROM purged_files WHERE id = ?1")?;
            for id in ids {
                del.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn purge_batch(
    conn: &mut Connection,
    account: AccountId,
    cutoff: Millis,
    limit: u32,
) -> Result<PurgedBatch> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS retention_batch (id INTEGER PRIMARY KEY);
         DELETE FROM temp.retention_batch;",
    )?;
    let conversations = tx.execute(
        &format!(
            "INSERT INTO temp.retention_batch (id) SELECT t.id {DUE} ORDER BY t.resolved_at LIMIT ?3"
        ),
        params![account.0, cutoff, limit],
    )? as i64;
    if conversations == 0 {
        return Ok(PurgedBatch::default());
    }
    let messages: i64 = tx.query_row(
        "SELECT COUNT(*) FROM messages WHERE thread_id IN (SELECT id FROM temp.retention_batch)",
        [],
        |r| r.get(0),
    )?;
    // The messages' provider ids, so a later sync leaves them out.
    {
        let ids: Vec<String> = tx
            .prepare(
                "SELECT remote_id FROM messages
                 WHERE thread_id IN (SELECT id FROM temp.retention_batch) AND remote_id IS NOT NULL",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut tomb = tx.prepare_cached(
            "INSERT OR IGNORE INTO purged_messages (account_id, ref_hash) VALUES (?1, ?2)",
        )?;
        for id in ids {
            tomb.execute(params![account.0, message_hash(account, &id)])?;
        }
    }
    // Their downloaded files, removed by the core afterwards (and after a crash).
    tx.execute(
        "INSERT INTO purged_files (channel, external_id, message_key, attachments)
         SELECT a.channel, a.external_id, COALESCE(m.remote_id, 'row ' || m.id), m.attachments
         FROM messages m JOIN accounts a ON a.id = m.account_id
         WHERE m.thread_id IN (SELECT id FROM temp.retention_batch) AND m.attachments <> '[]'",
        [],
    )?;
    // Records that name the conversation without a cascade.
    tx.execute(
        "DELETE FROM automation_dropped WHERE thread_id IN (SELECT id FROM temp.retention_batch)",
        [],
    )?;
    tx.execute(
        "DELETE FROM response_times WHERE thread_id IN (SELECT id FROM temp.retention_batch)",
        [],
    )?;
    // The conversations: messages, index rows, HTML, drafts, outbox, labels, events cascade.
    tx.execute(
        "DELETE FROM threads WHERE id IN (SELECT id FROM temp.retention_batch)",
        [],
    )?;
    tx.execute(
        "UPDATE retention SET run_threads = run_threads + ?2, run_messages = run_messages + ?3
         WHERE account_id = ?1",
        params![account.0, conversations, messages],
    )?;
    tx.execute("DELETE FROM temp.retention_batch", [])?;
    tx.commit()?;
    Ok(PurgedBatch {
        conversations,
        messages,
    })
}
