//! The store's side of a per-customer export (a data-subject access request, issue 18): who the
//! person is (the contact and every contact merged into it, however deep — the same set the
//! erase removes, `erase.rs`), their conversations on every channel, and the attachments of
//! their messages, with where the attachment cache files them.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::{Attachment, ChannelKind, ContactId, MessageId, ThreadId};

/// A message's attachments and the cache key they are filed under on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerFiles {
    pub message_id: MessageId,
    pub channel: ChannelKind,
    pub external_id: String,
    /// The provider's message id, or `row N` (as `ErasedFiles` and the attachment cache).
    pub key: String,
    pub attachments: Vec<Attachment>,
}

const PERSON: &str = "WITH RECURSIVE person(id) AS (
        SELECT id FROM contacts WHERE id = ?1
        UNION SELECT c.id FROM contacts c JOIN person p ON c.merged_into = p.id)";

impl Store {
    /// The contacts merged into `contact` (however deep), with their names; `NotFound` when
    /// `contact` does not exist.
    pub fn customer_merged(&self, contact: ContactId) -> Result<Vec<(ContactId, String)>> {
        if !self.contact_exists(contact)? {
            return Err(StoreError::NotFound("customer"));
        }
        let sql = format!(
            "{PERSON} SELECT c.id, c.display_name FROM contacts c JOIN person p ON p.id = c.id
             WHERE c.id <> ?1 ORDER BY c.id"
        );
        Ok(self
            .conn
            .prepare(&sql)?
            .query_map([contact.0], |r| Ok((ContactId(r.get(0)?), r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Every conversation of the person, oldest first.
    pub fn customer_threads(&self, contact: ContactId) -> Result<Vec<ThreadId>> {
        let sql = format!(
            "{PERSON} SELECT t.id FROM threads t
             WHERE t.contact_id IN (SELECT id FROM person)
                OR t.identity_id IN (SELECT i.id FROM identities i WHERE i.contact_id IN (SELECT id FROM person))
             ORDER BY t.id"
        );
        Ok(self
            .conn
            .prepare(&sql)?
            .query_map([contact.0], |r| Ok(ThreadId(r.get(0)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The attachments of every message in the person's conversations, message by message.
    pub fn customer_files(&self, contact: ContactId) -> Result<Vec<CustomerFiles>> {
        let sql = format!(
            "{PERSON} SELECT m.id, a.channel, a.external_id, coalesce(m.remote_id, 'row ' || m.id), m.attachments
             FROM messages m JOIN threads t ON t.id = m.thread_id JOIN accounts a ON a.id = m.account_id
             WHERE (t.contact_id IN (SELECT id FROM person)
                OR t.identity_id IN (SELECT i.id FROM identities i WHERE i.contact_id IN (SELECT id FROM person)))
               AND m.attachments <> '[]'
             ORDER BY m.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([contact.0])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(CustomerFiles {
                message_id: MessageId(r.get(0)?),
                channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                external_id: r.get(2)?,
                key: r.get(3)?,
                attachments: crate::rows::attachments_from_json(&r.get::<_, String>(4)?)?,
            });
        }
        Ok(out)
    }
}
