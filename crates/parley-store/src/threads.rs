//! Threads and messages: keyset-paged reads and the few per-thread writes.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::snippet;
use crate::types::{MessageRef, ThreadTarget};
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, params};

/// Pages bigger than this are a caller bug (the UI virtualises and asks page by page).
const MAX_PAGE: u32 = 1000;

fn page_size(limit: u32) -> Result<u32> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(StoreError::Invalid(format!(
            "page size {limit} is outside 1..={MAX_PAGE}"
        )));
    }
    Ok(limit)
}

impl Store {
    /// Threads newest first, `limit` at a time. Pass the returned `next` back for the next page.
    pub fn list_threads(&self, before: Option<PageCursor>, limit: u32) -> Result<ThreadPage> {
        let limit = page_size(limit)?;
        // One row more than asked tells whether a further page exists without a COUNT.
        let fetch = i64::from(limit) + 1;
        let mut threads = match before {
            None => {
                let mut stmt = self.conn.prepare_cached(concat!(
                    "SELECT ",
                    thread_columns!(),
                    " FROM ",
                    thread_from!(),
                    " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?1"
                ))?;
                rows::collect(&mut stmt, [fetch], rows::thread_summary)?
            }
            Some(c) => {
                let mut stmt = self.conn.prepare_cached(concat!(
                    "SELECT ",
                    thread_columns!(),
                    " FROM ",
                    thread_from!(),
                    " WHERE (t.last_activity_at, t.id) < (?1, ?2)",
                    " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?3"
                ))?;
                rows::collect(&mut stmt, params![c.at, c.id, fetch], rows::thread_summary)?
            }
        };
        let next = if threads.len() > limit as usize {
            threads.truncate(limit as usize);
            threads.last().map(|t| PageCursor {
                at: t.last_activity_at,
                id: t.id.0,
            })
        } else {
            None
        };
        Ok(ThreadPage { threads, next })
    }

    pub fn thread(&self, id: ThreadId) -> Result<Option<ThreadSummary>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            thread_columns!(),
            " FROM ",
            thread_from!(),
            " WHERE t.id = ?1"
        ))?;
        rows::first(&mut stmt, [id.0], rows::thread_summary)
    }

    /// The summaries of `ids` as they are now, in the order asked (each once); threads that no
    /// longer exist are left out. The window re-reads the threads a change touched with it
    /// instead of refetching every page of its list.
    pub fn thread_summaries(&self, ids: &[ThreadId]) -> Result<Vec<ThreadSummary>> {
        if ids.len() > MAX_PAGE as usize {
            return Err(StoreError::Invalid(format!(
                "{} threads asked at once, more than {MAX_PAGE}",
                ids.len()
            )));
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            if seen.insert(id)
                && let Some(summary) = self.thread(id)?
            {
                out.push(summary);
            }
        }
        Ok(out)
    }

    /// Where a reply into this thread goes.
    pub fn thread_target(&self, id: ThreadId) -> Result<Option<ThreadTarget>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.account_id, a.channel, t.remote_thread_id, i.remote_id,
                    (SELECT MAX(m.sent_at) FROM messages m
                      WHERE m.thread_id = t.id AND m.direction = 'inbound')
             FROM threads t JOIN accounts a ON a.id = t.account_id
                            JOIN identities i ON i.id = t.identity_id
             WHERE t.id = ?1",
        )?;
        rows::first(&mut stmt, [id.0], |r| {
            Ok(ThreadTarget {
                account_id: AccountId(r.get(0)?),
                channel: rows::channel(&r.get::<_, String>(1)?)?,
                remote_thread_id: r.get(2)?,
                customer_remote_id: r.get(3)?,
                last_inbound_at: r.get(4)?,
            })
        })
    }

    /// The newest `limit` messages older than `before`, returned oldest first.
    pub fn messages(
        &self,
        thread: ThreadId,
        before: Option<PageCursor>,
        limit: u32,
    ) -> Result<MessagePage> {
        let limit = page_size(limit)?;
        let fetch = i64::from(limit) + 1;
        let mut messages = match before {
            None => {
                let mut stmt = self.conn.prepare_cached(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages m WHERE m.thread_id = ?1",
                    " ORDER BY m.sent_at DESC, m.id DESC LIMIT ?2"
                ))?;
                rows::collect(&mut stmt, params![thread.0, fetch], rows::message_view)?
            }
            Some(c) => {
                let mut stmt = self.conn.prepare_cached(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages m WHERE m.thread_id = ?1 AND (m.sent_at, m.id) < (?2, ?3)",
                    " ORDER BY m.sent_at DESC, m.id DESC LIMIT ?4"
                ))?;
                rows::collect(
                    &mut stmt,
                    params![thread.0, c.at, c.id, fetch],
                    rows::message_view,
                )?
            }
        };
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let older = if more {
            messages.last().map(|m| PageCursor {
                at: m.sent_at,
                id: m.id.0,
            })
        } else {
            None
        };
        messages.reverse();
        Ok(MessagePage { messages, older })
    }

    pub fn message(&self, id: MessageId) -> Result<Option<MessageView>> {
        message_by_id(&self.conn, id)
    }

    pub fn message_ref(&self, id: MessageId) -> Result<Option<MessageRef>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT account_id, thread_id, remote_id, attachments FROM messages WHERE id = ?1",
        )?;
        rows::first(&mut stmt, [id.0], |r| {
            Ok(MessageRef {
                account_id: AccountId(r.get(0)?),
                thread_id: ThreadId(r.get(1)?),
                remote_id: r.get(2)?,
                attachments: rows::attachments_from_json(&r.get::<_, String>(3)?)?,
            })
        })
    }

    /// Clears the unread count; true when there was something unread.
    pub fn mark_read(&mut self, thread: ThreadId) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE threads SET unread_count = 0 WHERE id = ?1 AND unread_count > 0",
            )?
            .execute([thread.0])?;
        if changed == 0 {
            ensure_thread(&self.conn, thread)?;
        }
        Ok(changed > 0)
    }

    /// Threads of `account` whose customer last wrote within `[from, to]` (those whose reply
    /// window a changed account setting moves).
    pub fn threads_last_inbound_between(
        &self,
        account: AccountId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ThreadId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id FROM threads t
             WHERE t.account_id = ?1 AND t.last_activity_at >= ?2
               AND (SELECT MAX(m.sent_at) FROM messages m
                     WHERE m.thread_id = t.id AND m.direction = 'inbound') BETWEEN ?2 AND ?3
             ORDER BY t.id",
        )?;
        rows::collect(&mut stmt, params![account.0, from, to], |r| {
            Ok(ThreadId(r.get(0)?))
        })
    }

    /// Records who controls a Messenger/Instagram thread, as Meta just said (`thread_owner`, a
    /// handover action). True when it changed.
    pub fn set_thread_owner(
        &mut self,
        thread: ThreadId,
        owner: Option<&ThreadOwner>,
    ) -> Result<bool> {
        let (kind, app) = rows::owner_columns(owner);
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE threads SET owner = ?2, owner_app_id = ?3
                 WHERE id = ?1 AND (owner IS NOT ?2 OR owner_app_id IS NOT ?3)",
            )?
            .execute(params![thread.0, kind, app])?;
        if changed == 0 {
            ensure_thread(&self.conn, thread)?;
        }
        Ok(changed > 0)
    }

    pub fn set_thread_status(&mut self, thread: ThreadId, status: ThreadStatus) -> Result<()> {
        let changed = self
            .conn
            .prepare_cached("UPDATE threads SET status = ?2 WHERE id = ?1")?
            .execute(params![thread.0, status.as_str()])?;
        if changed == 0 {
            return Err(StoreError::NotFound("thread"));
        }
        Ok(())
    }
}

pub(crate) fn ensure_thread(conn: &Connection, thread: ThreadId) -> Result<()> {
    conn.prepare_cached("SELECT 1 FROM threads WHERE id = ?1")?
        .query_row([thread.0], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NotFound("thread"))
}

pub(crate) fn message_by_id(conn: &Connection, id: MessageId) -> Result<Option<MessageView>> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.id = ?1"
    ))?;
    rows::first(&mut stmt, [id.0], rows::message_view)
}

/// Re-derives the thread's snippet from its newest message not sent by a rule (an automated
/// message is not what the list shows), after that message changed or was replaced. The activity
/// time only moves forward, so the inbox order never jumps back.
pub(crate) fn refresh_thread_head(conn: &Connection, thread: ThreadId) -> Result<()> {
    let head: Option<(String, String, String, Millis)> = conn
        .prepare_cached(
            "SELECT text, attachments, direction, sent_at FROM messages
             WHERE thread_id = ?1 AND automated_kind IS NULL
             ORDER BY sent_at DESC, id DESC LIMIT 1",
        )?
        .query_row([thread.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((text, attachments, direction, sent_at)) = head else {
        return Ok(());
    };
    let line = snippet(&text, &rows::attachments_from_json(&attachments)?);
    conn.prepare_cached(
        "UPDATE threads SET snippet = ?2, snippet_direction = ?3,
                            last_activity_at = max(last_activity_at, ?4)
         WHERE id = ?1",
    )?
    .execute(params![thread.0, line, direction, sent_at])?;
    crate::workflow::refresh_waiting(conn, thread)
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn hot_queries_use_their_indexes() {
        let s = Store::open_in_memory().expect("open");
        let plan = |sql: &str| crate::test_support::query_plan(&s, sql, []);
        let threads = plan(concat!(
            "SELECT ",
            thread_columns!(),
            " FROM ",
            thread_from!(),
            " WHERE (t.last_activity_at, t.id) < (1, 2)",
            " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 51"
        ));
        assert!(threads.contains("threads_activity"), "{threads}");
        assert!(!threads.contains("TEMP B-TREE"), "{threads}");
        let messages = plan(concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages m WHERE m.thread_id = 1 AND (m.sent_at, m.id) < (2, 3)",
            " ORDER BY m.sent_at DESC, m.id DESC LIMIT 51"
        ));
        assert!(messages.contains("messages_thread_time"), "{messages}");
        assert!(!messages.contains("TEMP B-TREE"), "{messages}");
    }
}
