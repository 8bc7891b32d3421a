//! Accounts and sync cursors.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::types::{AccountRow, NewAccount};
use parley_domain::{AccountId, Millis};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// Refuses to queue anything through an account removed with its conversations kept.
pub(crate) fn ensure_active(tx: &rusqlite::Connection, account: i64) -> Result<()> {
    let removed: Option<Millis> = tx
        .prepare_cached("SELECT removed_at FROM accounts WHERE id = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()?
        .flatten();
    match removed {
        Some(_) => Err(StoreError::AccountRemoved),
        None => Ok(()),
    }
}

impl Store {
    pub fn insert_account(&mut self, a: &NewAccount, now: Millis) -> Result<AccountId> {
        if a.external_id.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an account needs its provider id".into(),
            ));
        }
        // An account removed with its conversations kept comes back as it was (its cursor
        // included, so the sync goes on from where it stopped); one that is there already is a
        // duplicate.
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO accounts (channel, name, handle, external_id, is_demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (channel, external_id) DO UPDATE
                SET removed_at = NULL, name = excluded.name, handle = excluded.handle,
                    last_error = NULL
              WHERE removed_at IS NOT NULL
             RETURNING id",
        )?;
        let inserted = stmt.query_row(
            params![
                a.channel.as_str(),
                a.name,
                a.handle,
                a.external_id,
                a.is_demo,
                now
            ],
            |r| r.get(0),
        );
        match inserted.map_err(StoreError::from) {
            Ok(id) => Ok(AccountId(id)),
            Err(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => {
                Err(StoreError::Duplicate)
            }
            Err(e) if e.is_unique_violation() => Err(StoreError::Duplicate),
            Err(e) => Err(e),
        }
    }

    /// Every account, oldest first.
    pub fn accounts(&self) -> Result<Vec<AccountRow>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts ORDER BY id"
        ))?;
        rows::collect(&mut stmt, [], rows::account_row)
    }

    pub fn account(&self, id: AccountId) -> Result<Option<AccountRow>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = ?1"
        ))?;
        rows::first(&mut stmt, [id.0], rows::account_row)
    }

    /// Removes the account but keeps its conversations, read-only and searchable, in one
    /// transaction: it is marked removed (it no longer runs, see [`AccountRow::removed_at`]),
    /// and what waited to be sent through it fails with the reason, its text kept. A reply
    /// whose fate is unknown (uncertain) stays so: that is still the truth.
    pub fn keep_removed_account(&mut self, id: AccountId, now: Millis) -> Result<()> {
        const REASON: &str = "Not sent: the account was removed before it went out.";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx.execute(
            "UPDATE accounts SET removed_at = ?2, last_error = NULL WHERE id = ?1",
            params![id.0, now],
        )? == 0
        {
            return Err(StoreError::NotFound("account"));
        }
        tx.execute(
            "UPDATE messages SET delivery = 'failed', delivery_note = ?2
             WHERE id IN (SELECT message_id FROM outbox
                          WHERE account_id = ?1 AND state IN ('queued', 'retrying', 'held'))",
            params![id.0, REASON],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'failed', last_error = ?2, hold_reason = NULL,
                               updated_at = ?3
             WHERE account_id = ?1 AND state IN ('queued', 'retrying', 'held')",
            params![id.0, REASON, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes the account and everything learnt through it, then the contacts that no other
    /// account knows, in one transaction.
    pub fn remove_account(&mut self, id: AccountId) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let contacts: Vec<i64> = {
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT contact_id FROM identities WHERE account_id = ?1",
            )?;
            stmt.query_map([id.0], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        // The foreign keys cascade to identities, threads, messages (and through the triggers
        // their FTS rows), drafts, outbox items and cursors.
        if tx.execute("DELETE FROM accounts WHERE id = ?1", [id.0])? == 0 {
            return Err(StoreError::NotFound("account"));
        }
        {
            let mut stmt = tx.prepare_cached(
                "DELETE FROM contacts WHERE id = ?1
                   AND NOT EXISTS (SELECT 1 FROM identities WHERE contact_id = ?1)
                   AND NOT EXISTS (SELECT 1 FROM threads WHERE contact_id = ?1)",
            )?;
            for contact in contacts {
                stmt.execute([contact])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the outcome of the latest sync: `last_error` is cleared by passing `None`.
    pub fn set_account_sync(
        &mut self,
        id: AccountId,
        last_error: Option<&str>,
        last_sync_at: Option<Millis>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE accounts SET last_error = ?2, last_sync_at = coalesce(?3, last_sync_at)
             WHERE id = ?1",
        )?;
        if stmt.execute(params![id.0, last_error, last_sync_at])? == 0 {
            return Err(StoreError::NotFound("account"));
        }
        Ok(())
    }

    pub fn cursor(&self, account: AccountId, key: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM sync_cursors WHERE account_id = ?1 AND key = ?2")?;
        Ok(stmt
            .query_row(params![account.0, key], |r| r.get(0))
            .optional()?)
    }
}
