//! Email HTML kept beside its message (migration 9): already sanitised by the email channel.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::{AccountId, HtmlBody, MessageId};
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

/// Stores the HTML of a message of the batch (by its remote id). A replay keeps the first copy;
/// HTML for a message that is not stored (an adapter bug) is ignored.
pub(crate) fn store_html(conn: &Connection, account: AccountId, body: &HtmlBody) -> Result<()> {
    let remote_images = serde_json::to_string(&body.remote_images)
        .map_err(|e| StoreError::Invalid(format!("remote images cannot be stored: {e}")))?;
    let inline_parts = serde_json::to_string(&body.inline_parts)
        .map_err(|e| StoreError::Invalid(format!("inline parts cannot be stored: {e}")))?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO message_html (message_id, html, remote_images, inline_parts)
         SELECT id, ?3, ?4, ?5 FROM messages WHERE account_id = ?1 AND remote_id = ?2",
    )?
    .execute(params![
        account.0,
        body.remote_id,
        body.html,
        remote_images,
        inline_parts
    ])?;
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
