//! The customer pane.

use crate::Store;
use crate::error::Result;
use crate::rows;
use parley_domain::*;
use rusqlite::OptionalExtension;

impl Store {
    /// Records that the customer opted out of messages on the channel identity of `thread` (or
    /// back in): a customer who texted STOP may still be answered on Messenger. The outbox
    /// holds replies to an opted-out contact before they leave.
    pub fn set_opted_out(&mut self, thread: ThreadId, opted_out: bool) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE identities SET opted_out = ?2, opt_source = 'agent', opt_detail = NULL,
                                       opt_at = NULL
                 WHERE id = (SELECT identity_id FROM threads WHERE id = ?1)",
            )?
            .execute(rusqlite::params![thread.0, opted_out])?;
        Ok(())
    }

    /// Whether the customer opted out of messages on the identity of `thread`.
    pub fn opted_out(&self, thread: ThreadId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT i.opted_out FROM threads t JOIN identities i ON i.id = t.identity_id
                 WHERE t.id = ?1",
            )?
            .query_row([thread.0], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// The contact behind a thread, with every identity they have across accounts.
    pub fn contact_context(&self, thread: ThreadId) -> Result<Option<ContactContext>> {
        let contact: Option<i64> = self
            .conn
            .prepare_cached("SELECT contact_id FROM threads WHERE id = ?1")?
            .query_row([thread.0], |r| r.get(0))
            .optional()?;
        match contact {
            Some(contact) => self.contact_by_id(ContactId(contact)),
            None => Ok(None),
        }
    }

    /// A contact with every identity they have across accounts, their notes, attributes,
    /// conversations and marks (the context pane, and the Contacts screen's detail).
    pub fn contact_by_id(&self, contact: ContactId) -> Result<Option<ContactContext>> {
        // First seen: the earliest of the contact and of every contact merged into it.
        let found: Option<(String, Millis, bool, bool)> = self
            .conn
            .prepare_cached(
                "WITH RECURSIVE family(id) AS (
                    SELECT ?1 UNION SELECT c.id FROM contacts c JOIN family f ON c.merged_into = f.id)
                 SELECT display_name, (SELECT min(first_seen_at) FROM contacts WHERE id IN family),
                        vip, blocked
                 FROM contacts WHERE id = ?1",
            )?
            .query_row([contact.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((display_name, first_seen_at, vip, blocked)) = found else {
            return Ok(None);
        };
        let contact_id = contact.0;
        let identities = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT i.id, a.channel, a.name, i.remote_id, i.handle, i.display_name, i.opted_out,
                        i.opt_source, i.opt_detail, i.opt_at
                 FROM identities i JOIN accounts a ON a.id = i.account_id
                 WHERE i.contact_id = ?1 ORDER BY i.id",
            )?;
            rows::collect(&mut stmt, [contact_id], |r| {
                Ok(IdentityView {
                    id: IdentityId(r.get(0)?),
                    channel: rows::channel(&r.get::<_, String>(1)?)?,
                    account_name: r.get(2)?,
                    remote_id: r.get(3)?,
                    handle: r.get(4)?,
                    display_name: r.get(5)?,
                    opted_out: r.get(6)?,
                    opt_out: crate::outbound::opt_record(
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ),
                })
            })?
        };
        let (thread_count, message_count): (i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(*),
                        coalesce(sum((SELECT count(*) FROM messages m WHERE m.thread_id = t.id)), 0)
                 FROM threads t WHERE t.contact_id = ?1",
            )?
            .query_row([contact_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Some(ContactContext {
            contact_id: contact,
            display_name,
            identities,
            first_seen_at,
            thread_count,
            message_count,
            notes: self.contact_notes(contact)?,
            attributes: self.contact_attributes(contact)?,
            conversations: self.contact_conversations(contact)?,
            vip,
            blocked,
            avatar: self
                .conn
                .prepare_cached(
                    "SELECT v.identity_id FROM identity_avatars v
                     JOIN identities i ON i.id = v.identity_id
                     WHERE i.contact_id = ?1 AND v.image IS NOT NULL
                     ORDER BY (SELECT max(t.last_activity_at) FROM threads t
                               WHERE t.identity_id = i.id) DESC, i.id DESC LIMIT 1",
                )?
                .query_row([contact_id], |r| Ok(IdentityId(r.get(0)?)))
                .optional()?,
            tags: crate::customer::tags_of(&self.conn, contact_id)?,
            local_time: None,
            imported: self
                .contact_import(contact)?
                .map(|(_, at, file_name)| ImportedFrom { file_name, at }),
        }))
    }

    /// Every conversation with a contact on every account, newest first.
    pub fn contact_conversations(&self, contact: ContactId) -> Result<Vec<ContactConversation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, a.channel, a.name, t.status, t.snippet, t.snippet_direction,
                    t.last_activity_at
             FROM threads t JOIN accounts a ON a.id = t.account_id
             WHERE t.contact_id = ?1
             ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?2",
        )?;
        rows::collect(
            &mut stmt,
            rusqlite::params![contact.0, CONTACT_CONVERSATIONS_MAX],
            |r| {
                Ok(ContactConversation {
                    thread_id: ThreadId(r.get(0)?),
                    channel: rows::channel(&r.get::<_, String>(1)?)?,
                    account_name: r.get(2)?,
                    status: rows::status(&r.get::<_, String>(3)?)?,
                    snippet: r.get(4)?,
                    snippet_direction: rows::direction(&r.get::<_, String>(5)?)?,
                    last_activity_at: r.get(6)?,
                })
            },
        )
    }
}
