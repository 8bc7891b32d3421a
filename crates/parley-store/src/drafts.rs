//! Drafts: saved on every change of the composer, so a crash loses nothing typed.

use crate::Store;
use crate::error::Result;
use crate::threads::ensure_thread;
use parley_domain::{Millis, ThreadId};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Saves the composer's text; blank text deletes the draft.
    pub fn save_draft(&mut self, thread: ThreadId, text: &str, now: Millis) -> Result<()> {
        if text.trim().is_empty() {
            self.conn
                .prepare_cached("DELETE FROM drafts WHERE thread_id = ?1")?
                .execute([thread.0])?;
            return Ok(());
        }
        ensure_thread(&self.conn, thread)?;
        self.conn
            .prepare_cached(
                "INSERT INTO drafts (thread_id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (thread_id) DO UPDATE SET body = excluded.body,
                                                       updated_at = excluded.updated_at",
            )?
            .execute(params![thread.0, text, now])?;
        Ok(())
    }

    pub fn draft(&self, thread: ThreadId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT body FROM drafts WHERE thread_id = ?1")?
            .query_row([thread.0], |r| r.get(0))
            .optional()?)
    }

    /// Every draft, most recently edited first.
    pub fn drafts(&self) -> Result<Vec<(ThreadId, String, Millis)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT thread_id, body, updated_at FROM drafts ORDER BY updated_at DESC, thread_id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((ThreadId(r.get(0)?), r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
