//! Automated messages (issue 15) in the store: queueing one through the outbox with its rule as
//! the author ([`Store::queue_automated`]), the ledger that keeps a rule to once per customer
//! per period, and what the rules need to know about the threads a sync batch touched
//! ([`Store::automation_context`], one read for the whole batch).
//!
//! An automated item is an ordinary outbox item (`outbox.automated = 1`, its message carries
//! `automated_kind` / `automated_rule`), so the dispatcher, the re-checks and the crash
//! recovery treat it like a reply, with three differences (see `outbox.rs`): it is held with
//! `HoldReason::AgentAnswered` when an agent's message reached the thread after it was queued;
//! the customer writing again does not hold it; and, held, it keeps no later reply of its thread
//! waiting and is not counted among the held replies the agent is asked about. Discarding it
//! leaves the draft alone. It does not end the customer's wait (`workflow::WAITING_SINCE` counts
//! only agents' answers), and it is not the thread's head: the list keeps showing, and ordering
//! by, what the customer or an agent last wrote (`threads::refresh_thread_head`).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::strip_markers;
use crate::threads::message_by_id;
use crate::types::QueuedReply;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// What [`Store::queue_automated`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum AutomatedQueued {
    /// Queued: the dispatcher sends it after the usual re-checks.
    Queued(Box<QueuedReply>),
    /// Not queued: this kind of rule already went to this customer on this account at `at`,
    /// within the period asked for.
    AlreadySent { at: Millis },
    /// Not queued: the customer already had as many automated messages today or this week as
    /// the workspace's caps allow (the FAQ bot's answers aside). The drop is noted
    /// (`automation_dropped`) with these words.
    Capped { note: String },
}

/// What a rule needs to know about one thread with new inbound messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationContext {
    pub thread_id: ThreadId,
    pub account_id: AccountId,
    pub channel: ChannelKind,
    pub contact_id: ContactId,
    pub contact_name: String,
    /// No inbound message of this customer on this account is older than the batch's first
    /// new one: this is their first message ever here.
    pub first_message_ever: bool,
    /// The newest message an agent (not a rule) sent in the thread, from Parley or elsewhere.
    pub last_agent_reply_at: Option<Millis>,
    /// The customer's newest message in the thread (reply windows count from it).
    pub last_inbound_at: Option<Millis>,
    /// The customer opted out on this identity, or is blocked: no rule writes to them.
    pub opted_out: bool,
    pub blocked: bool,
    /// Another app (a bot, the provider's own inbox) controls the conversation: Parley's
    /// messages would be refused or would talk over it (`threads.owner`).
    pub controlled_elsewhere: bool,
}

impl Store {
    /// Queues an automated message in `thread`, in one transaction: the message (with `by` as
    /// its author and mark), its outbox row and a ledger entry. The draft and staged files are
    /// not touched. With `once_per`, nothing is queued when a rule of the same kind already
    /// went to this customer on this account within that many milliseconds
    /// ([`AutomatedQueued::AlreadySent`]), checked in the same transaction.
    pub fn queue_automated(
        &mut self,
        thread: ThreadId,
        text: &str,
        by: &AutomatedBy,
        once_per: Option<Millis>,
        now: Millis,
    ) -> Result<AutomatedQueued> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let queued = queue_automated_in(&tx, thread, text, by, once_per, now)?;
        if matches!(
            queued,
            AutomatedQueued::Queued(_) | AutomatedQueued::Capped { .. }
        ) {
            tx.commit()?;
        }
        Ok(queued)
    }

    /// When a rule of `kind` last went to this customer on this account (the ledger), if ever.
    pub fn automated_last_sent(
        &self,
        account: AccountId,
        contact: ContactId,
        kind: AutomationKind,
    ) -> Result<Option<Millis>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT MAX(sent_at) FROM automation_ledger
                 WHERE account_id = ?1 AND contact_id = ?2 AND kind = ?3",
            )?
            .query_row(params![account.0, contact.0, kind.as_str()], |r| r.get(0))?)
    }

    /// What the rules need about each thread of a batch: `(thread, the batch's first new inbound
    /// message in it)`. One read transaction for the batch; threads gone meanwhile are left out.
    pub fn automation_context(
        &mut self,
        threads: &[(ThreadId, MessageId)],
    ) -> Result<Vec<AutomationContext>> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(threads.len());
        {
            let mut stmt = tx.prepare_cached(
                "SELECT t.account_id, a.channel, t.contact_id, c.display_name,
                        NOT EXISTS (SELECT 1 FROM threads t2 JOIN messages m ON m.thread_id = t2.id
                                     WHERE t2.contact_id = t.contact_id
                                       AND t2.account_id = t.account_id
                                       AND m.direction = 'inbound' AND m.id < ?2),
                        (SELECT MAX(m.sent_at) FROM messages m
                          WHERE m.thread_id = t.id AND m.direction = 'outbound'
                            AND m.automated_kind IS NULL),
                        (SELECT MAX(m.sent_at) FROM messages m
                          WHERE m.thread_id = t.id AND m.direction = 'inbound'),
                        i.opted_out, c.blocked,
                        COALESCE(t.owner IN ('otherApp', 'elsewhere', 'metaInbox'), 0)
                 FROM threads t JOIN accounts a ON a.id = t.account_id
                                JOIN contacts c ON c.id = t.contact_id
                                JOIN identities i ON i.id = t.identity_id
                 WHERE t.id = ?1",
            )?;
            for (thread, first_new) in threads {
                let found = stmt
                    .query_row(params![thread.0, first_new.0], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, Option<Millis>>(5)?,
                            r.get::<_, Option<Millis>>(6)?,
                            r.get::<_, bool>(7)?,
                            r.get::<_, bool>(8)?,
                            r.get::<_, bool>(9)?,
                        ))
                    })
                    .optional()?;
                let Some((
                    account,
                    channel,
                    contact,
                    name,
                    first,
                    agent,
                    inbound,
                    out_,
                    blocked,
                    elsewhere,
                )) = found
                else {
                    continue;
                };
                out.push(AutomationContext {
                    thread_id: *thread,
                    account_id: AccountId(account),
                    channel: rows::channel(&channel)?,
                    contact_id: ContactId(contact),
                    contact_name: name,
                    first_message_ever: first,
                    last_agent_reply_at: agent,
                    last_inbound_at: inbound,
                    opted_out: out_,
                    blocked,
                    controlled_elsewhere: elsewhere,
                });
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

/// [`Store::queue_automated`] inside a transaction the caller holds (and commits): the FAQ
/// bot queues its messages in the transaction that moves its session (`bot.rs`).
pub(crate) fn queue_automated_in(
    conn: &Connection,
    thread: ThreadId,
    text: &str,
    by: &AutomatedBy,
    once_per: Option<Millis>,
    now: Millis,
) -> Result<AutomatedQueued> {
    let text = strip_markers(text);
    if text.trim().is_empty() {
        return Err(StoreError::Invalid(
            "an automated message needs some text".into(),
        ));
    }
    let (account, contact, resolved, seen_upto): (i64, i64, bool, i64) = conn
        .prepare_cached(
            "SELECT t.account_id, t.contact_id, t.status = 'resolved',
                    (SELECT COALESCE(MAX(id), 0) FROM messages
                      WHERE thread_id = t.id AND direction = 'inbound')
             FROM threads t WHERE t.id = ?1",
        )?
        .query_row([thread.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
        .ok_or(StoreError::NotFound("thread"))?;
    if let Some(period) = once_per {
        let last: Option<Millis> = conn
            .prepare_cached(
                "SELECT MAX(sent_at) FROM automation_ledger
                 WHERE account_id = ?1 AND contact_id = ?2 AND kind = ?3 AND sent_at > ?4",
            )?
            .query_row(
                params![account, contact, by.kind.as_str(), now - period],
                |r| r.get(0),
            )?;
        if let Some(at) = last {
            return Ok(AutomatedQueued::AlreadySent { at });
        }
    }
    // The frequency caps (issue 18). The FAQ bot answers questions the customer is asking now:
    // it is not capped, and its answers do not count.
    if by.kind != AutomationKind::FaqBot {
        let settings = crate::Store::outbound_settings_in(conn)?;
        if let Some(note) = crate::outbound::automated_over_cap(conn, contact, &settings, now)? {
            crate::outbound::note_dropped(conn, account, contact, thread, by, &note, now)?;
            tracing::info!(%thread, rule = %by.rule, "automated message dropped: {note}");
            return Ok(AutomatedQueued::Capped { note });
        }
    }
    let message_id: i64 = conn
        .prepare_cached(
            "INSERT INTO messages (thread_id, account_id, direction, author_name, text,
                                   attachments, sent_at, delivery, automated_kind,
                                   automated_rule)
             VALUES (?1, ?2, 'outbound', ?3, ?4, '[]', ?5, 'queued', ?6, ?3) RETURNING id",
        )?
        .query_row(
            params![thread.0, account, by.rule, text, now, by.kind.as_str()],
            |r| r.get(0),
        )?;
    let outbox_id: i64 = conn
        .prepare_cached(
            "INSERT INTO outbox (message_id, thread_id, account_id, body, state,
                                 next_attempt_at, created_at, updated_at, seen_upto,
                                 queued_resolved, automated)
             VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5, ?5, ?6, ?7, 1) RETURNING id",
        )?
        .query_row(
            params![
                message_id, thread.0, account, text, now, seen_upto, resolved
            ],
            |r| r.get(0),
        )?;
    conn.prepare_cached(
        "INSERT INTO automation_ledger (account_id, contact_id, kind, rule, thread_id, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        account,
        contact,
        by.kind.as_str(),
        by.rule,
        thread.0,
        now
    ])?;
    let message =
        message_by_id(conn, MessageId(message_id))?.ok_or(StoreError::NotFound("message"))?;
    Ok(AutomatedQueued::Queued(Box::new(QueuedReply {
        outbox_id: OutboxId(outbox_id),
        message,
    })))
}
