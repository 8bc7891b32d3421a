//! Accounts and sync cursors.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::types::{AccountRow, NewAccount};
use parley_domain::{AccountId, Millis};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

impl Store {
    pub fn insert_account(&mut self, a: &NewAccount, now: Millis) -> Result<AccountId> {
        if a.external_id.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an account needs its provider id".into(),
            ));
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO accounts (channel, name, handle, external_id, is_demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
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
