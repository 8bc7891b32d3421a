//! The workflow: status changes (one or many conversations in one transaction, with the states
//! before for Undo), snooze wake-ups, labels, the inbox's views (keyset-paged over indexes) and
//! their counts, and the status history shown in a thread.
//!
//! The status machine (every arrow one transaction, recorded in `thread_events`):
//! ```text
//! open ─e─▶ resolved     open ─p─▶ pending     open ─s─▶ snoozed{until}
//! any ─u─▶ open          snoozed ─until passed─▶ open (woke)
//! resolved | pending | snoozed ─customer writes─▶ open (reopenedByCustomer)   [ingest.rs]
//! ```
//! A change to the status a conversation already has changes nothing and records nothing (a
//! snooze to a new time moves the wake time).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

/// A conversation woken from its snooze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WokenThread {
    pub thread: ThreadId,
    pub account: AccountId,
    pub contact_name: String,
    pub snippet: String,
    pub snoozed_until: Millis,
}

fn event_name(kind: &ThreadEventKind) -> (&'static str, Option<String>) {
    match kind {
        ThreadEventKind::Resolved => ("resolved", None),
        ThreadEventKind::Pending => ("pending", None),
        ThreadEventKind::Snoozed { until } => ("snoozed", Some(until.to_string())),
        ThreadEventKind::Reopened => ("reopened", None),
        ThreadEventKind::ReopenedByCustomer { from } => {
            ("reopenedByCustomer", Some(from.as_str().to_owned()))
        }
        ThreadEventKind::Woke => ("woke", None),
    }
}

fn parse_event(kind: &str, detail: Option<String>) -> Result<ThreadEventKind> {
    let bad = || StoreError::Corrupt(format!("thread event {kind:?} {detail:?}"));
    Ok(match kind {
        "resolved" => ThreadEventKind::Resolved,
        "pending" => ThreadEventKind::Pending,
        "snoozed" => ThreadEventKind::Snoozed {
            until: detail
                .as_deref()
                .and_then(|d| d.parse().ok())
                .ok_or_else(bad)?,
        },
        "reopened" => ThreadEventKind::Reopened,
        "reopenedByCustomer" => ThreadEventKind::ReopenedByCustomer {
            from: detail
                .as_deref()
                .and_then(ThreadStatus::parse)
                .ok_or_else(bad)?,
        },
        "woke" => ThreadEventKind::Woke,
        _ => return Err(bad()),
    })
}

/// Records a status event of a conversation.
pub(crate) fn record_event(
    conn: &Connection,
    thread: ThreadId,
    at: Millis,
    kind: &ThreadEventKind,
) -> Result<()> {
    let (name, detail) = event_name(kind);
    conn.prepare_cached(
        "INSERT INTO thread_events (thread_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![thread.0, at, name, detail])?;
    Ok(())
}

/// Since when the customer waits: their oldest message after the business's last one. Two
/// index seeks (the business's last message on `messages_thread_outbound`, then the first
/// inbound one after it on `messages_thread_time`), whatever the conversation's length: ingest
/// runs it for every conversation a batch touches.
pub(crate) const WAITING_SINCE: &str = "
    SELECT m.sent_at FROM messages m
     WHERE m.thread_id = ?1 AND m.direction = 'inbound'
       AND m.sent_at > COALESCE((SELECT o.sent_at FROM messages o
                                  WHERE o.thread_id = ?1 AND o.direction = 'outbound'
                                    AND o.automated_kind IS NULL
                                  ORDER BY o.sent_at DESC LIMIT 1),
                                -9223372036854775808)
     ORDER BY m.sent_at LIMIT 1";

/// Recomputes since when the customer waits ([`WAITING_SINCE`]), or NULL when the business had
/// the last word; and the conversation's review measures (`review.rs`).
pub(crate) fn refresh_waiting(conn: &Connection, thread: ThreadId) -> Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE threads SET waiting_since = ({WAITING_SINCE}) WHERE id = ?1"
    ))?
    .execute([thread.0])?;
    // The review's measures (first response, start) follow the same messages.
    crate::review::refresh_measures(conn, thread)
}

fn state_of(conn: &Connection, thread: ThreadId) -> Result<ThreadState> {
    conn.prepare_cached(
        "SELECT t.status, t.snoozed_until, t.priority, t.unread_count,
                (SELECT group_concat(label_id) FROM thread_labels WHERE thread_id = t.id),
                COALESCE((SELECT MAX(id) FROM thread_events WHERE thread_id = t.id), 0)
         FROM threads t WHERE t.id = ?1",
    )?
    .query_row([thread.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<Millis>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })
    .optional()?
    .ok_or(StoreError::NotFound("thread"))
    .and_then(
        |(status, snoozed_until, priority, unread_count, labels, events_upto)| {
            Ok(ThreadState {
                thread_id: thread,
                status: rows::status(&status)?,
                snoozed_until,
                priority,
                labels: rows::label_ids(labels)?,
                unread_count,
                events_upto,
            })
        },
    )
}

fn set_status(
    tx: &Transaction<'_>,
    thread: ThreadId,
    status: ThreadStatus,
    snoozed_until: Option<Millis>,
) -> Result<()> {
    tx.prepare_cached("UPDATE threads SET status = ?2, snoozed_until = ?3 WHERE id = ?1")?
        .execute(params![thread.0, status.as_str(), snoozed_until])?;
    Ok(())
}

fn label_exists(conn: &Connection, label: LabelId) -> Result<()> {
    conn.prepare_cached("SELECT 1 FROM labels WHERE id = ?1")?
        .query_row([label.0], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NotFound("label"))
}

/// An agent's replies of these conversations still waiting in the outbox (a rule's message —
/// a greeting not yet out — is not the agent's to decide on: resolving holds it for good).
fn queued_replies(conn: &Connection, thread: ThreadId) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM outbox
             WHERE thread_id = ?1 AND state IN ('queued', 'retrying') AND automated = 0",
        )?
        .query_row([thread.0], |r| r.get(0))?)
}

/// A label colour must be `#rrggbb`.
fn check_color(color: &str) -> Result<String> {
    let c = color.trim().to_ascii_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err(StoreError::Invalid(format!(
            "{color:?} is not a colour; use #rrggbb"
        )))
    }
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(StoreError::Invalid(
            "a label's name is 1 to 40 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

impl Store {
    /// Applies one change to every conversation of `threads` in one transaction and returns the
    /// states before it. A resolve with `send_queued: None` changes nothing when replies still
    /// wait in the outbox, and says how many.
    pub fn change_threads(
        &mut self,
        threads: &[ThreadId],
        change: &ThreadChange,
        now: Millis,
    ) -> Result<ChangeOutcome> {
        match change {
            ThreadChange::Snooze { until } if *until <= now => {
                return Err(StoreError::Invalid(
                    "a snooze must end in the future".into(),
                ));
            }
            ThreadChange::SetPriority { priority }
                if !(PRIORITY_NONE..=PRIORITY_URGENT).contains(priority) =>
            {
                return Err(StoreError::Invalid(format!(
                    "priority {priority} is outside 0..=4"
                )));
            }
            _ => {}
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let ThreadChange::AddLabel { label } = change {
            label_exists(&tx, *label)?;
        }
        let mut before = Vec::with_capacity(threads.len());
        let mut queued = 0;
        for &thread in threads {
            before.push(state_of(&tx, thread)?);
            queued += queued_replies(&tx, thread)?;
        }
        if let ThreadChange::Resolve { send_queued: None } = change
            && queued > 0
        {
            return Ok(ChangeOutcome {
                applied: false,
                before: Vec::new(),
                queued_replies: queued,
            });
        }
        for state in &before {
            let thread = state.thread_id;
            match change {
                ThreadChange::Resolve { send_queued } => {
                    if *send_queued == Some(true) {
                        // The agent chose: the waiting replies still go.
                        tx.prepare_cached(
                            "UPDATE outbox SET queued_resolved = 1
                             WHERE thread_id = ?1 AND state IN ('queued', 'retrying')",
                        )?
                        .execute([thread.0])?;
                    }
                    if state.status != ThreadStatus::Resolved {
                        set_status(&tx, thread, ThreadStatus::Resolved, None)?;
                        record_event(&tx, thread, now, &ThreadEventKind::Resolved)?;
                    }
                }
                ThreadChange::Reopen => {
                    if state.status != ThreadStatus::Open {
                        set_status(&tx, thread, ThreadStatus::Open, None)?;
                        record_event(&tx, thread, now, &ThreadEventKind::Reopened)?;
                    }
                }
                ThreadChange::Pending => {
                    if state.status != ThreadStatus::Pending {
                        set_status(&tx, thread, ThreadStatus::Pending, None)?;
                        record_event(&tx, thread, now, &ThreadEventKind::Pending)?;
                    }
                }
                ThreadChange::Snooze { until } => {
                    if state.status != ThreadStatus::Snoozed || state.snoozed_until != Some(*until)
                    {
                        set_status(&tx, thread, ThreadStatus::Snoozed, Some(*until))?;
                        record_event(
                            &tx,
                            thread,
                            now,
                            &ThreadEventKind::Snoozed { until: *until },
                        )?;
                    }
                }
                ThreadChange::SetPriority { priority } => {
                    tx.prepare_cached("UPDATE threads SET priority = ?2 WHERE id = ?1")?
                        .execute(params![thread.0, priority])?;
                }
                ThreadChange::AddLabel { label } => {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO thread_labels (thread_id, label_id) VALUES (?1, ?2)",
                    )?
                    .execute(params![thread.0, label.0])?;
                }
                ThreadChange::RemoveLabel { label } => {
                    tx.prepare_cached(
                        "DELETE FROM thread_labels WHERE thread_id = ?1 AND label_id = ?2",
                    )?
                    .execute(params![thread.0, label.0])?;
                }
                ThreadChange::MarkRead => {
                    tx.prepare_cached("UPDATE threads SET unread_count = 0 WHERE id = ?1")?
                        .execute([thread.0])?;
                }
                ThreadChange::MarkUnread => {
                    tx.prepare_cached(
                        "UPDATE threads SET unread_count = max(unread_count, 1) WHERE id = ?1",
                    )?
                    .execute([thread.0])?;
                }
            }
        }
        tx.commit()?;
        Ok(ChangeOutcome {
            applied: true,
            before,
            queued_replies: queued,
        })
    }

    /// Undo: puts the conversations' workflow fields back as `states` recorded them, and removes
    /// the status events added since, in one transaction. Labels deleted meanwhile stay gone;
    /// conversations deleted meanwhile are skipped. Returns the conversations restored.
    pub fn restore_threads(&mut self, states: &[ThreadState]) -> Result<Vec<ThreadId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut restored = Vec::new();
        for s in states {
            let changed = tx
                .prepare_cached(
                    "UPDATE threads SET status = ?2, snoozed_until = ?3, priority = ?4,
                                        unread_count = ?5
                     WHERE id = ?1",
                )?
                .execute(params![
                    s.thread_id.0,
                    s.status.as_str(),
                    s.snoozed_until,
                    s.priority,
                    s.unread_count
                ])?;
            if changed == 0 {
                continue;
            }
            tx.prepare_cached("DELETE FROM thread_labels WHERE thread_id = ?1")?
                .execute([s.thread_id.0])?;
            for label in &s.labels {
                tx.prepare_cached(
                    "INSERT INTO thread_labels (thread_id, label_id)
                     SELECT ?1, id FROM labels WHERE id = ?2",
                )?
                .execute(params![s.thread_id.0, label.0])?;
            }
            tx.prepare_cached("DELETE FROM thread_events WHERE thread_id = ?1 AND id > ?2")?
                .execute(params![s.thread_id.0, s.events_upto])?;
            restored.push(s.thread_id);
        }
        tx.commit()?;
        Ok(restored)
    }

    /// Wakes every conversation whose snooze ended by `now`, in the order they were due, in one
    /// transaction (also those due while the app was closed).
    pub fn wake_snoozed(&mut self, now: Millis) -> Result<Vec<WokenThread>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let due = {
            let mut stmt = tx.prepare_cached(
                "SELECT t.id, t.account_id, c.display_name, t.snippet, t.snoozed_until
                 FROM threads t JOIN contacts c ON c.id = t.contact_id
                 WHERE t.status = 'snoozed' AND t.snoozed_until <= ?1
                 ORDER BY t.snoozed_until, t.id",
            )?;
            let rows = stmt.query_map([now], |r| {
                Ok(WokenThread {
                    thread: ThreadId(r.get(0)?),
                    account: AccountId(r.get(1)?),
                    contact_name: r.get(2)?,
                    snippet: r.get(3)?,
                    snoozed_until: r.get(4)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for w in &due {
            set_status(&tx, w.thread, ThreadStatus::Open, None)?;
            // Recorded at the time it was due, so a wake-up at the next start reads right.
            record_event(&tx, w.thread, w.snoozed_until, &ThreadEventKind::Woke)?;
        }
        tx.commit()?;
        Ok(due)
    }

    /// When the next snoozed conversation wakes.
    pub fn next_wake(&self) -> Result<Option<Millis>> {
        Ok(self
            .conn
            .prepare_cached("SELECT MIN(snoozed_until) FROM threads WHERE status = 'snoozed'")?
            .query_row([], |r| r.get(0))?)
    }

    /// A conversation's status history, oldest first.
    pub fn thread_events(&self, thread: ThreadId) -> Result<Vec<ThreadEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, kind, detail FROM thread_events WHERE thread_id = ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map([thread.0], |r| {
            Ok((
                r.get::<_, Millis>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, kind, detail) = row?;
            out.push(ThreadEvent {
                at,
                event: parse_event(&kind, detail)?,
            });
        }
        Ok(out)
    }

    /// Every label, by name, with how many conversations carry it.
    pub fn labels(&self) -> Result<Vec<Label>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.id, l.name, COALESCE(l.color, '#6b7280'),
                    (SELECT COUNT(*) FROM thread_labels tl WHERE tl.label_id = l.id)
             FROM labels l ORDER BY l.name COLLATE NOCASE, l.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Label {
                id: LabelId(r.get(0)?),
                name: r.get(1)?,
                color: r.get(2)?,
                thread_count: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn label(&self, id: LabelId) -> Result<Label> {
        self.labels()?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(StoreError::NotFound("label"))
    }

    /// Creates a label; a name already used (whatever its case) is refused as a duplicate.
    pub fn create_label(&mut self, name: &str, color: &str, now: Millis) -> Result<Label> {
        let (name, color) = (check_name(name)?, check_color(color)?);
        self.refuse_taken_name(&name, None)?;
        self.conn
            .prepare_cached("INSERT INTO labels (name, color, created_at) VALUES (?1, ?2, ?3)")?
            .execute(params![name, color, now])?;
        let id = LabelId(self.conn.last_insert_rowid());
        self.label(id)
    }

    /// Renames and recolours a label.
    pub fn update_label(&mut self, id: LabelId, name: &str, color: &str) -> Result<Label> {
        let (name, color) = (check_name(name)?, check_color(color)?);
        self.refuse_taken_name(&name, Some(id))?;
        let changed = self
            .conn
            .prepare_cached("UPDATE labels SET name = ?2, color = ?3 WHERE id = ?1")?
            .execute(params![id.0, name, color])?;
        if changed == 0 {
            return Err(StoreError::NotFound("label"));
        }
        self.label(id)
    }

    fn refuse_taken_name(&self, name: &str, except: Option<LabelId>) -> Result<()> {
        let taken: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM labels WHERE name = ?1 COLLATE NOCASE AND id <> ?2")?
            .query_row(params![name, except.map_or(-1, |l| l.0)], |r| r.get(0))
            .optional()?;
        if taken.is_some() {
            return Err(StoreError::Duplicate);
        }
        Ok(())
    }

    /// Deletes a label and takes it off every conversation, in one transaction; returns those
    /// conversations.
    pub fn delete_label(&mut self, id: LabelId) -> Result<Vec<ThreadId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let threads = {
            let mut stmt =
                tx.prepare_cached("SELECT thread_id FROM thread_labels WHERE label_id = ?1")?;
            let rows = stmt.query_map([id.0], |r| Ok(ThreadId(r.get(0)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let deleted = tx
            .prepare_cached("DELETE FROM labels WHERE id = ?1")?
            .execute([id.0])?;
        if deleted == 0 {
            return Err(StoreError::NotFound("label"));
        }
        tx.commit()?;
        Ok(threads)
    }
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
