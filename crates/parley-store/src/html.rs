//! Email HTML kept beside its message (migration 9): already sanitised by the email channel.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::{AccountId, HtmlBody, MessageId, ThreadId};
use rusqlite::{Connection, OptionalExtension, params};

/// A message's stored HTML, as the facade renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHtml {
    pub message_id: MessageId,
    pub html: String,
    pub remote_images: Vec<String>,
    /// `Content-ID` → index among the message's attachments.
    pub inline_parts: Vec<(String, usize)>,
}

/// Stores the HTML of one stored message; a message keeps its first copy. Ingest calls it only
/// for rows its batch inserted: a mail reusing a Message-ID Parley already holds (a customer
/// quoting the agent's own reply's id) must not change what that message shows.
pub(crate) fn store_html(conn: &Connection, message: MessageId, body: &HtmlBody) -> Result<()> {
    let remote_images = serde_json::to_string(&body.remote_images)
        .map_err(|e| StoreError::Invalid(format!("remote images cannot be stored: {e}")))?;
    let inline_parts = serde_json::to_string(&body.inline_parts)
        .map_err(|e| StoreError::Invalid(format!("inline parts cannot be stored: {e}")))?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO message_html (message_id, html, remote_images, inline_parts)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![message.0, body.html, remote_images, inline_parts])?;
    Ok(())
}

impl Store {
    /// The kept HTML of a message, if it has any.
    pub fn message_html(&self, message: MessageId) -> Result<Option<StoredHtml>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT html, remote_images, inline_parts FROM message_html WHERE message_id = ?1",
            )?
            .query_row([message.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        let Some((html, remote, inline)) = row else {
            return Ok(None);
        };
        let corrupt =
            |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("{what}: {e}"));
        Ok(Some(StoredHtml {
            message_id: message,
            html,
            remote_images: serde_json::from_str(&remote)
                .map_err(|e| corrupt("remote images", e))?,
            inline_parts: serde_json::from_str(&inline).map_err(|e| corrupt("inline parts", e))?,
        }))
    }
}

/// An email of a conversation that may have HTML Parley never kept: stored before HTML was kept
/// (migration 9; it has no server location either, which mail synced since migration 11 has)
/// and not looked at again yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlToFetch {
    pub message_id: MessageId,
    pub account_id: AccountId,
    /// The Message-ID the channel finds the mail by.
    pub remote_id: String,
}

impl Store {
    /// The thread's emails (newest first, at most `limit`) worth fetching once for their HTML.
    pub fn html_to_fetch(&self, thread: ThreadId, limit: u32) -> Result<Vec<HtmlToFetch>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.account_id, m.remote_id FROM messages m
             JOIN accounts a ON a.id = m.account_id
             WHERE m.thread_id = ?1 AND a.channel = 'email' AND m.remote_id IS NOT NULL
               AND m.remote_id NOT LIKE 'hash:%'
               AND NOT EXISTS (SELECT 1 FROM message_html h WHERE h.message_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM message_locations l WHERE l.message_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM email_html_checked c WHERE c.message_id = m.id)
             ORDER BY m.sent_at DESC, m.id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![thread.0, limit], |r| {
            Ok(HtmlToFetch {
                message_id: MessageId(r.get(0)?),
                account_id: AccountId(r.get(1)?),
                remote_id: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records that a mail's body was fetched again, with the HTML found (if any), in one
    /// transaction; it is not fetched again either way. Returns whether HTML was stored.
    pub fn store_fetched_html(
        &mut self,
        message: MessageId,
        body: Option<&HtmlBody>,
    ) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM messages WHERE id = ?1", [message.0], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_none() {
            return Ok(false);
        }
        let mut stored = false;
        if let Some(body) = body {
            store_html(&tx, message, body)?;
            // `changes` counts the last statement: the INSERT OR IGNORE of the HTML.
            stored = tx.changes() == 1;
        }
        tx.execute(
            "INSERT OR IGNORE INTO email_html_checked (message_id) VALUES (?1)",
            [message.0],
        )?;
        tx.commit()?;
        Ok(stored)
    }
}
