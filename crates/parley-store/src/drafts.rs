//! Drafts: saved on every change of the composer, so a crash loses nothing typed.

use crate::Store;
use crate::error::Result;
use crate::threads::ensure_thread;
use parley_domain::{DraftView, Millis, ThreadId};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

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

    /// Every composer that holds something (text, staged files or media links) with its
    /// conversation's contact and channel, most recently changed first, for the Drafts view.
    /// Bounded by the number of threads, which each hold at most one composer.
    pub fn draft_list(&self, limit: u32) -> Result<Vec<DraftView>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH kept (thread_id, at) AS (
                 SELECT thread_id, updated_at FROM drafts
                 UNION ALL SELECT thread_id, created_at FROM staged_files
                 UNION ALL SELECT thread_id, updated_at FROM draft_media_links),
             latest AS (SELECT thread_id, MAX(at) AS at FROM kept GROUP BY thread_id)
             SELECT l.thread_id, a.channel, c.display_name, COALESCE(d.body, ''), l.at,
                    (SELECT COUNT(*) FROM staged_files f WHERE f.thread_id = l.thread_id),
                    (SELECT COUNT(*) FROM draft_media_links m WHERE m.thread_id = l.thread_id)
             FROM latest l JOIN threads t ON t.id = l.thread_id
                           JOIN accounts a ON a.id = t.account_id
                           JOIN contacts c ON c.id = t.contact_id
                           LEFT JOIN drafts d ON d.thread_id = l.thread_id
             ORDER BY l.at DESC, l.thread_id LIMIT ?1",
        )?;
        crate::rows::collect(&mut stmt, [i64::from(limit)], |r| {
            Ok(DraftView {
                thread_id: ThreadId(r.get(0)?),
                channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                contact_name: r.get(2)?,
                text: r.get(3)?,
                updated_at: r.get(4)?,
                files: r.get(5)?,
                media_links: r.get(6)?,
            })
        })
    }

    /// Replaces the media links kept with `thread`'s draft (one transaction; none deletes them).
    pub fn save_draft_media_links(
        &mut self,
        thread: ThreadId,
        links: &[String],
        now: Millis,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !links.is_empty() {
            ensure_thread(&tx, thread)?;
        }
        tx.prepare_cached("DELETE FROM draft_media_links WHERE thread_id = ?1")?
            .execute([thread.0])?;
        for (position, url) in links.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO draft_media_links (thread_id, position, url, updated_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![thread.0, position as i64, url, now])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The media links kept with `thread`'s draft, in the order the agent added them.
    pub fn draft_media_links(&self, thread: ThreadId) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT url FROM draft_media_links WHERE thread_id = ?1 ORDER BY position",
        )?;
        let rows = stmt
            .query_map([thread.0], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
