//! The whole dialogue with a customer (issue 14): every message of every thread of one contact,
//! on every channel and account, as one timeline; and the channels a reply can go out on.
//!
//! Order and paging are the conversation view's (`threads.rs`, [`Store::messages`]): keyset on
//! (`messages.sent_at`, `messages.id`), newest first, so messages of the same instant keep one
//! order across pages and a page boundary never drops or repeats one. A page is read in two
//! steps in one statement: the ids of the page, from `messages_thread_time` (thread, time, id)
//! for each of the contact's threads (`threads_contact`) — SQLite walks each thread's index
//! backwards and leaves it as soon as its rows can no longer make the page, so a page costs
//! about (threads × page) index entries, not the customer's whole history — then the page's rows,
//! mapped by the conversation view's own mapper (`rows::message_view`), so bubbles render the
//! same (attachments, HTML, delivery, held reasons). No migration: both indexes exist.
//!
//! The reply channels are the contact's identities that have a thread: a reply on one goes into
//! its most recently active thread, through the ordinary reply path of that thread (its draft,
//! outbox and reply-window checks). The channel the customer last wrote on (their newest inbound
//! message, ties by message id) comes first; the core adds each thread's reply window.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::params;
use std::collections::HashMap;

/// The page: its ids first (`?1` contact, `?2`/`?3` the cursor, `?4` rows), then their rows.
macro_rules! page_sql {
    () => {
        concat!(
            "WITH page(id) AS (",
            " SELECT m.id FROM messages m",
            " WHERE m.thread_id IN (SELECT t.id FROM threads t WHERE t.contact_id = ?1)",
            "   AND (m.sent_at, m.id) < (?2, ?3)",
            " ORDER BY m.sent_at DESC, m.id DESC LIMIT ?4)",
            " SELECT ",
            message_columns!(),
            ", a.channel AS tl_channel, t.account_id AS tl_account, a.name AS tl_account_name",
            " FROM page p JOIN messages m ON m.id = p.id",
            " JOIN threads t ON t.id = m.thread_id JOIN accounts a ON a.id = t.account_id",
            " ORDER BY m.sent_at DESC, m.id DESC"
        )
    };
}

/// Pages bigger than this are a caller bug (the window asks page by page).
const MAX_PAGE: u32 = 500;

/// One page of a contact's timeline: the newest `limit` messages before the cursor, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePage {
    pub items: Vec<TimelineMessage>,
    /// Pass back for the page before this one; `None` at the start of the dialogue.
    pub older: Option<PageCursor>,
}

/// A channel (identity) of a contact and the thread a reply on it goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelThread {
    pub identity_id: IdentityId,
    pub channel: ChannelKind,
    pub account_id: AccountId,
    pub account_name: String,
    /// The identity's most recently active thread (`last_activity_at`, then id).
    pub thread_id: ThreadId,
    pub last_activity_at: Millis,
    /// The customer's newest message on this identity, any thread: when, and its id.
    pub last_inbound: Option<(Millis, MessageId)>,
}

impl Store {
    /// Whether the contact exists.
    pub fn contact_exists(&self, contact: ContactId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
            .exists([contact.0])?)
    }

    /// The newest `limit` messages of every thread of `contact` older than `before` (the start:
    /// `None`), returned oldest first, each with its channel and account.
    pub fn contact_timeline(
        &self,
        contact: ContactId,
        before: Option<PageCursor>,
        limit: u32,
    ) -> Result<TimelinePage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "page size {limit} is outside 1..={MAX_PAGE}"
            )));
        }
        // One row more than asked tells whether an older page exists.
        let fetch = i64::from(limit) + 1;
        let (at, id) = before.map_or((i64::MAX, i64::MAX), |c| (c.at, c.id));
        let mut stmt = self.conn.prepare_cached(page_sql!())?;
        let mut items = rows::collect(&mut stmt, params![contact.0, at, id, fetch], |r| {
            Ok(TimelineMessage {
                message: rows::message_view(r)?,
                channel: rows::channel(&r.get::<_, String>("tl_channel")?)?,
                account_id: AccountId(r.get("tl_account")?),
                account_name: r.get("tl_account_name")?,
            })
        })?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let older = if more {
            items.last().map(|i| PageCursor {
                at: i.message.sent_at,
                id: i.message.id.0,
            })
        } else {
            None
        };
        items.reverse();
        Ok(TimelinePage { items, older })
    }

    /// The contact's channels a reply can go out on, one per identity with a thread: the one
    /// the customer last wrote on first, then by their last message there (newest first), then
    /// those they never wrote on by their thread's activity (newest first).
    pub fn contact_reply_channels(&self, contact: ContactId) -> Result<Vec<ChannelThread>> {
        // Each thread with the customer's newest message in it: the thread's index walked
        // backwards to the first inbound row.
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.identity_id, t.account_id, a.channel, a.name, t.last_activity_at,
                    li.sent_at, li.id
             FROM threads t JOIN accounts a ON a.id = t.account_id
             LEFT JOIN messages li ON li.id =
                 (SELECT m.id FROM messages m
                   WHERE m.thread_id = t.id AND m.direction = 'inbound'
                   ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
             WHERE t.contact_id = ?1",
        )?;
        let threads = rows::collect(&mut stmt, [contact.0], |r| {
            let last_inbound = match (r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(7)?) {
                (Some(at), Some(id)) => Some((at, MessageId(id))),
                _ => None,
            };
            Ok(ChannelThread {
                thread_id: ThreadId(r.get(0)?),
                identity_id: IdentityId(r.get(1)?),
                account_id: AccountId(r.get(2)?),
                channel: rows::channel(&r.get::<_, String>(3)?)?,
                account_name: r.get(4)?,
                last_activity_at: r.get(5)?,
                last_inbound,
            })
        })?;
        let mut by_identity: HashMap<IdentityId, ChannelThread> = HashMap::new();
        for t in threads {
            match by_identity.get_mut(&t.identity_id) {
                None => {
                    by_identity.insert(t.identity_id, t);
                }
                Some(c) => {
                    c.last_inbound = c.last_inbound.max(t.last_inbound);
                    if (t.last_activity_at, t.thread_id) > (c.last_activity_at, c.thread_id) {
                        c.thread_id = t.thread_id;
                        c.last_activity_at = t.last_activity_at;
                    }
                }
            }
        }
        let mut channels: Vec<ChannelThread> = by_identity.into_values().collect();
        // `None` sorts first in `Option`'s order, so newest first puts it last.
        channels.sort_by(|a, b| {
            b.last_inbound
                .cmp(&a.last_inbound)
                .then(b.last_activity_at.cmp(&a.last_activity_at))
                .then(b.thread_id.cmp(&a.thread_id))
        });
        Ok(channels)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    /// The page is read from the thread-time index of each of the contact's threads, without
    /// scanning the messages table.
    #[test]
    fn the_page_reads_the_thread_time_index() {
        let s = Store::open_in_memory().expect("store");
        let plan = |sql: &str| crate::test_support::query_plan(&s, sql, []);
        let page = plan(
            &page_sql!()
                .replace("?1", "1")
                .replace("?2", "2")
                .replace("?3", "3")
                .replace("?4", "51"),
        );
        assert!(page.contains("messages_thread_time"), "{page}");
        assert!(page.contains("threads_contact"), "{page}");
        assert!(!page.contains("SCAN m"), "{page}");
        let channels = plan(
            "SELECT m.id FROM messages m WHERE m.thread_id = 1 AND m.direction = 'inbound'
             ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        );
        assert!(channels.contains("messages_thread_time"), "{channels}");
        assert!(!channels.contains("TEMP B-TREE"), "{channels}");
    }
}
