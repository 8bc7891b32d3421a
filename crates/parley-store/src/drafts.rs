//! Drafts: saved on every change of the composer, so a crash loses nothing typed.

use crate::Store;
use crate::error::Result;
use crate::threads::ensure_thread;
use parley_domain::{DraftView, Millis, ThreadId};
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

    /// Every draft with its conversation's contact and channel, most recently edited first, for
    /// the Drafts view. Bounded by the number of threads, which each hold at most one draft.
    pub fn draft_list(&self, limit: u32) -> Result<Vec<DraftView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.thread_id, a.channel, c.display_name, d.body, d.updated_at
             FROM drafts d JOIN threads t ON t.id = d.thread_id
                           JOIN accounts a ON a.id = t.account_id
                           JOIN contacts c ON c.id = t.contact_id
             ORDER BY d.updated_at DESC, d.thread_id LIMIT ?1",
        )?;
        crate::rows::collect(&mut stmt, [i64::from(limit)], |r| {
            Ok(DraftView {
                thread_id: ThreadId(r.get(0)?),
                channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                contact_name: r.get(2)?,
                text: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })
    }
}
