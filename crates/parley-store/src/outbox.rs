//! The outbox state machine. Every transition is one transaction that moves the outbox item and
//! the delivery state of its message together, and refuses moves the machine does not allow, so
//! a late or repeated call cannot resurrect a sent or failed item (no double send).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::{snippet, strip_markers};
use crate::threads::{message_by_id, refresh_thread_head};
use crate::types::{Begin, FileSplit, OutboxItem, OutboxState, QueuedReply, Recheck, StoredFile};
use parley_domain::*;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

/// What the agent sees on a reply whose fate is unknown after a crash.
const INTERRUPTED_NOTE: &str = "Parley stopped while sending this reply. It may or may not have \
     been delivered, so it was not sent again; check the conversation before resending.";

pub(crate) struct Item {
    pub(crate) message_id: i64,
    pub(crate) thread_id: ThreadId,
    pub(crate) account_id: i64,
    pub(crate) state: OutboxState,
    pub(crate) remote_id: Option<String>,
}

pub(crate) fn load(tx: &Transaction<'_>, id: OutboxId) -> Result<Item> {
    let found: Option<(i64, i64, i64, String, Option<String>)> = tx
        .prepare_cached(
            "SELECT message_id, thread_id, account_id, state, remote_id FROM outbox WHERE id = ?1",
        )?
        .query_row([id.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let (message_id, thread_id, account_id, state, remote_id) =
        found.ok_or(StoreError::NotFound("outbox item"))?;
    Ok(Item {
        message_id,
        thread_id: ThreadId(thread_id),
        account_id,
        state: rows::outbox_state(&state)?,
        remote_id,
    })
}

pub(crate) fn require(
    id: OutboxId,
    item: &Item,
    to: OutboxState,
    from: &[OutboxState],
) -> Result<()> {
    if from.contains(&item.state) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "outbox item {id} is {}; it cannot become {}",
            item.state.as_str(),
            to.as_str()
        )))
    }
}

/// Moves the item and its message; `note` of `None` clears the previous note.
pub(crate) fn transition(
    tx: &Transaction<'_>,
    id: OutboxId,
    item: &Item,
    to: OutboxState,
    delivery: DeliveryState,
    note: Option<&str>,
    now: Millis,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE outbox SET state = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id.0, to.as_str(), note, now])?;
    tx.prepare_cached("UPDATE messages SET delivery = ?2, delivery_note = ?3 WHERE id = ?1")?
        .execute(params![item.message_id, delivery.as_str(), note])?;
    Ok(())
}

impl Store {
    /// Stores the agent's reply as a message and queues it, in one transaction that also clears
    /// the draft: from here on the reply survives a crash and is sent by the dispatcher. Files
    /// staged in the thread stay staged (see [`Store::queue_reply_with_files`]).
    pub fn queue_reply(
        &mut self,
        thread: ThreadId,
        text: &str,
        author_name: &str,
        now: Millis,
    ) -> Result<QueuedReply> {
        let mut queued = self.queue_reply_inner(
            thread,
            text,
            author_name,
            None,
            &SendOptions::default(),
            true,
            now,
        )?;
        queued.pop().ok_or(StoreError::NotFound("queued reply"))
    }

    /// The reply with the files staged in its thread, in one transaction that also clears the
    /// draft and the staged files: `split` says how the channel carries them. With
    /// [`FileSplit::OnePerFile`] the reply becomes several outbox items, in order: the text (if
    /// any), then one item per file, each with its own message and delivery state, so every
    /// provider send is exactly-once or uncertain on its own. With [`FileSplit::AllInOne`] it is
    /// one item carrying every file. Returns the items in sending order.
    pub fn queue_reply_with_files(
        &mut self,
        thread: ThreadId,
        text: &str,
        author_name: &str,
        split: FileSplit,
        now: Millis,
    ) -> Result<Vec<QueuedReply>> {
        self.queue_reply_inner(
            thread,
            text,
            author_name,
            Some(split),
            &SendOptions::default(),
            true,
            now,
        )
    }

    /// A reply that goes out in a particular way (media links, an approved template), kept
    /// with the item. A template is sent in place of the draft, which stays; a reply with media
    /// links replaces the draft like any reply. `text` is what the thread shows (a template's
    /// rendered body).
    pub fn queue_reply_with_options(
        &mut self,
        thread: ThreadId,
        text: &str,
        author_name: &str,
        options: &SendOptions,
        now: Millis,
    ) -> Result<QueuedReply> {
        let clear_draft = options.template.is_none();
        let mut queued =
            self.queue_reply_inner(thread, text, author_name, None, options, clear_draft, now)?;
        queued.pop().ok_or(StoreError::NotFound("queued reply"))
    }

    #[allow(clippy::too_many_arguments)]
    fn queue_reply_inner(
        &mut self,
        thread: ThreadId,
        text: &str,
        author_name: &str,
        split: Option<FileSplit>,
        options: &SendOptions,
        clear_draft: bool,
        now: Millis,
    ) -> Result<Vec<QueuedReply>> {
        let text = strip_markers(text);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account: i64 = tx
            .prepare_cached("SELECT account_id FROM threads WHERE id = ?1")?
            .query_row([thread.0], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound("thread"))?;
        crate::accounts::ensure_active(&tx, account)?;
        let files = match split {
            Some(_) => crate::files::staged_in(&tx, thread)?,
            None => Vec::new(),
        };
        if text.trim().is_empty() && files.is_empty() && options.media_urls.is_empty() {
            return Err(StoreError::Invalid("a reply needs some text".into()));
        }
        let options_json = if options.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(options)
                    .map_err(|e| StoreError::Invalid(format!("send options: {e}")))?,
            )
        };
        let (resolved, seen_upto): (bool, i64) = tx
            .prepare_cached(
                "SELECT t.status = 'resolved',
                        (SELECT COALESCE(MAX(id), 0) FROM messages
                          WHERE thread_id = t.id AND direction = 'inbound')
                 FROM threads t WHERE t.id = ?1",
            )?
            .query_row([thread.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
        // What each outbox item carries: (text, files).
        let items: Vec<(&str, Vec<&StoredFile>)> = match split {
            None | Some(FileSplit::AllInOne) => vec![(&*text, files.iter().collect())],
            Some(FileSplit::OnePerFile) => {
                let mut items = Vec::new();
                if !text.trim().is_empty() {
                    items.push((&*text, Vec::new()));
                }
                items.extend(files.iter().map(|f| ("", vec![f])));
                items
            }
        };
        let mut queued = Vec::with_capacity(items.len());
        let mut head = String::new();
        for (body, item_files) in items {
            let mut attachments: Vec<Attachment> = item_files
                .iter()
                .map(|f| crate::files::attachment_of(f))
                .collect();
            attachments.extend(options.media_urls.iter().map(|u| media_link_attachment(u)));
            let json = rows::attachments_to_json(&attachments)?;
            let message_id: i64 = tx
                .prepare_cached(
                    "INSERT INTO messages (thread_id, account_id, direction, author_name, text,
                                           attachments, sent_at, delivery)
                     VALUES (?1, ?2, 'outbound', ?3, ?4, ?5, ?6, 'queued') RETURNING id",
                )?
                .query_row(
                    params![thread.0, account, author_name, body, json, now],
                    |r| r.get(0),
                )?;
            let outbox_id: i64 = tx
                .prepare_cached(
                    "INSERT INTO outbox (message_id, thread_id, account_id, body, state,
                                         next_attempt_at, created_at, updated_at, seen_upto,
                                         queued_resolved, send_options)
                     VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5, ?5, ?6, ?7, ?8) RETURNING id",
                )?
                .query_row(
                    params![
                        message_id,
                        thread.0,
                        account,
                        body,
                        now,
                        seen_upto,
                        resolved,
                        options_json
                    ],
                    |r| r.get(0),
                )?;
            for (position, f) in item_files.iter().enumerate() {
                crate::files::attach_to_outbox(&tx, OutboxId(outbox_id), position, f)?;
            }
            head = snippet(body, &attachments);
            let message = message_by_id(&tx, MessageId(message_id))?
                .ok_or(StoreError::NotFound("message"))?;
            queued.push(QueuedReply {
                outbox_id: OutboxId(outbox_id),
                message,
            });
        }
        if split.is_some() {
            tx.prepare_cached("DELETE FROM staged_files WHERE thread_id = ?1")?
                .execute([thread.0])?;
        }
        if clear_draft {
            tx.prepare_cached("DELETE FROM drafts WHERE thread_id = ?1")?
                .execute([thread.0])?;
            // The composer's media links went with this reply (or, without any, the agent
            // removed them before sending).
            tx.prepare_cached("DELETE FROM draft_media_links WHERE thread_id = ?1")?
                .execute([thread.0])?;
        }
        tx.prepare_cached(
            "UPDATE threads SET snippet = ?2, snippet_direction = 'outbound',
                                last_activity_at = ?3
             WHERE id = ?1 AND last_activity_at <= ?3",
        )?
        .execute(params![thread.0, head, now])?;
        crate::workflow::refresh_waiting(&tx, thread)?;
        tx.commit()?;
        Ok(queued)
    }

    /// Items of `account` the dispatcher should send now, oldest first. An item waits while an
    /// older reply in its thread is in flight, held for the agent or waiting for a later retry,
    /// so the customer receives replies in the order they were written; an approved template
    /// does not wait for held replies (it is the way past the window that held them).
    pub fn due_outbox(
        &self,
        account: AccountId,
        now: Millis,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox o WHERE account_id = ?1 AND state IN ('queued', 'retrying')",
            " AND next_attempt_at <= ?2",
            " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.thread_id = o.thread_id",
            "   AND e.id < o.id AND (e.state = 'sending'",
            // An approved template is how the agent gets past a closed window: a reply held
            // for that window must not keep it waiting.
            // A held automated message never keeps the agent's replies waiting.
            "     OR (e.state = 'held' AND e.automated = 0",
            "         AND json_extract(o.send_options, '$.template') IS NULL)",
            "     OR (e.state IN ('queued', 'retrying') AND e.next_attempt_at > ?2)))",
            " ORDER BY id LIMIT ?3"
        ))?;
        rows::collect(
            &mut stmt,
            params![account.0, now, i64::from(limit)],
            rows::outbox_item,
        )
    }

    /// One outbox item, whatever its state.
    pub fn outbox_item(&self, id: OutboxId) -> Result<Option<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE id = ?1"
        ))?;
        rows::first(&mut stmt, [id.0], rows::outbox_item)
    }

    /// The dispatcher's step before a send: re-checks what may have changed while the reply
    /// waited and either holds it (with the reason, for the agent) or moves it to `sending`, in
    /// one transaction, so nothing can change between the check and the send being recorded.
    pub fn outbox_begin(&mut self, id: OutboxId, check: &Recheck, now: Millis) -> Result<Begin> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(
            id,
            &item,
            OutboxState::Sending,
            &[OutboxState::Queued, OutboxState::Retrying],
        )?;
        if let Some((reason, note)) = recheck(&tx, id, check, now)? {
            // Held for quiet hours, it goes back to the queue by itself at the customer's morning.
            let release_at = match (&check.quiet, reason) {
                (Some(q), HoldReason::QuietHours) => Some(q.until),
                _ => None,
            };
            tx.prepare_cached("UPDATE outbox SET hold_reason = ?2, release_at = ?3 WHERE id = ?1")?
                .execute(params![id.0, reason.as_str(), release_at])?;
            transition(
                &tx,
                id,
                &item,
                OutboxState::Held,
                DeliveryState::Held,
                Some(&note),
                now,
            )?;
            tx.commit()?;
            return Ok(Begin::Held(item.thread_id, reason));
        }
        tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1")?
            .execute([id.0])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Sending,
            DeliveryState::Sending,
            None,
            now,
        )?;
        tx.commit()?;
        Ok(Begin::Send(item.thread_id))
    }

    /// The dispatcher is about to call the provider. Committed before the call, so a crash during
    /// it leaves the item in `sending`, which [`Store::recover_interrupted`] turns uncertain.
    pub fn outbox_sending(&mut self, id: OutboxId, now: Millis) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(
            id,
            &item,
            OutboxState::Sending,
            &[OutboxState::Queued, OutboxState::Retrying],
        )?;
        tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1")?
            .execute([id.0])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Sending,
            DeliveryState::Sending,
            None,
            now,
        )?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// The provider accepted the reply as `remote_id`. If the sync already stored the echo of it
    /// under that id, the echo is dropped and ours keeps the id, so the thread shows it once.
    /// Also allowed from `uncertain` and `retrying`, for when reconciliation finds it was sent.
    pub fn outbox_sent(
        &mut self,
        id: OutboxId,
        remote_id: &str,
        sent_at: Millis,
        now: Millis,
    ) -> Result<ThreadId> {
        if remote_id.is_empty() {
            return Err(StoreError::Invalid(
                "a sent reply needs its provider id".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        if item.state == OutboxState::Sent && item.remote_id.as_deref() == Some(remote_id) {
            // A repeated confirmation: nothing to do.
            return Ok(item.thread_id);
        }
        require(
            id,
            &item,
            OutboxState::Sent,
            &[
                OutboxState::Sending,
                OutboxState::Uncertain,
                OutboxState::Retrying,
            ],
        )?;
        let duplicate_threads: Vec<i64> = {
            let mut stmt = tx.prepare_cached(
                "DELETE FROM messages WHERE account_id = ?1 AND remote_id = ?2 AND id <> ?3
                 RETURNING thread_id",
            )?;
            stmt.query_map(params![item.account_id, remote_id, item.message_id], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        tx.prepare_cached(
            "UPDATE outbox SET state = 'sent', remote_id = ?2, last_error = NULL, updated_at = ?3
             WHERE id = ?1",
        )?
        .execute(params![id.0, remote_id, now])?;
        tx.prepare_cached(
            "UPDATE messages SET remote_id = ?2, delivery = 'sent', delivery_note = NULL,
                                 sent_at = ?3
             WHERE id = ?1",
        )?
        .execute(params![item.message_id, remote_id, sent_at])?;
        refresh_thread_head(&tx, item.thread_id)?;
        for t in duplicate_threads {
            if t != item.thread_id.0 {
                refresh_thread_head(&tx, ThreadId(t))?;
            }
        }
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// A transient failure: try again at `next_at`. Also allowed from `queued`, for a pre-send
    /// check that decides to wait (quiet hours).
    pub fn outbox_retry(
        &mut self,
        id: OutboxId,
        next_at: Millis,
        note: &str,
        now: Millis,
    ) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(
            id,
            &item,
            OutboxState::Retrying,
            &[
                OutboxState::Queued,
                OutboxState::Sending,
                OutboxState::Retrying,
            ],
        )?;
        tx.prepare_cached("UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1")?
            .execute(params![id.0, next_at])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Retrying,
            DeliveryState::Retrying,
            Some(note),
            now,
        )?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// A permanent failure, shown to the agent with `note`. Also allowed before sending, for a
    /// pre-send check that refuses (opted out, window closed).
    pub fn outbox_failed(&mut self, id: OutboxId, note: &str, now: Millis) -> Result<ThreadId> {
        self.fail_outbox_item(id, note, false, now)
    }

    /// The provider refused the reply because the customer opted out: fails it and marks the
    /// contact opted out, in one transaction, so the outbox holds every later reply.
    pub fn outbox_failed_opted_out(
        &mut self,
        id: OutboxId,
        note: &str,
        now: Millis,
    ) -> Result<ThreadId> {
        self.fail_outbox_item(id, note, true, now)
    }

    fn fail_outbox_item(
        &mut self,
        id: OutboxId,
        note: &str,
        opted_out: bool,
        now: Millis,
    ) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(
            id,
            &item,
            OutboxState::Failed,
            &[
                OutboxState::Queued,
                OutboxState::Sending,
                OutboxState::Retrying,
            ],
        )?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Failed,
            DeliveryState::Failed,
            Some(note),
            now,
        )?;
        if opted_out {
            tx.prepare_cached(
                "UPDATE identities SET opted_out = 1, opt_source = 'provider', opt_detail = NULL,
                                       opt_at = ?2
                 WHERE id = (SELECT identity_id FROM threads WHERE id = ?1)",
            )?
            .execute(params![item.thread_id.0, now])?;
        }
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// The request may have reached the provider and no answer came: never resent blindly.
    pub fn outbox_uncertain(&mut self, id: OutboxId, note: &str, now: Millis) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(id, &item, OutboxState::Uncertain, &[OutboxState::Sending])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Uncertain,
            DeliveryState::Uncertain,
            Some(note),
            now,
        )?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// Uncertain replies of `account`, oldest first: the dispatcher asks the provider about them
    /// (`Channel::reconcile`).
    pub fn uncertain_outbox(&self, account: AccountId, limit: u32) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE account_id = ?1 AND state = 'uncertain' ORDER BY id LIMIT ?2"
        ))?;
        rows::collect(
            &mut stmt,
            params![account.0, i64::from(limit)],
            rows::outbox_item,
        )
    }

    /// Whether another reply of `account` than `except` already carries the provider id
    /// `remote_id`: reconciliation must not claim a message that belongs to another reply
    /// (`outbox_sent` would drop it as a duplicate).
    pub fn outbox_remote_taken(
        &self,
        account: AccountId,
        remote_id: &str,
        except: OutboxId,
    ) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE account_id = ?1 AND remote_id = ?2
                                AND id <> ?3)",
            )?
            .query_row(params![account.0, remote_id, except.0], |r| r.get(0))?)
    }

    /// Uncertain → queued, only after the provider's own record proved the reply never arrived
    /// (`Reconciled::NotSent`): it is sent once more, with the usual re-checks, and counted in
    /// `requeues_after_check`. Not the agent's "send again" (`resends`): no double send is
    /// possible here. `note` tells the agent what happened.
    pub fn outbox_requeue_after_check(
        &mut self,
        id: OutboxId,
        note: &str,
        now: Millis,
    ) -> Result<ThreadId> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let item = load(&tx, id)?;
        require(id, &item, OutboxState::Queued, &[OutboxState::Uncertain])?;
        tx.prepare_cached(
            "UPDATE outbox SET requeues_after_check = requeues_after_check + 1,
                               next_attempt_at = ?2
             WHERE id = ?1",
        )?
        .execute(params![id.0, now])?;
        transition(
            &tx,
            id,
            &item,
            OutboxState::Queued,
            DeliveryState::Queued,
            Some(note),
            now,
        )?;
        tx.commit()?;
        Ok(item.thread_id)
    }

    /// How often [`Store::outbox_requeue_after_check`] requeued this reply.
    pub fn outbox_requeues_after_check(&self, id: OutboxId) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT requeues_after_check FROM outbox WHERE id = ?1")?
            .query_row([id.0], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound("outbox item"))
    }

    /// Run once at start-up, before the dispatcher: items left in `sending` by a process that
    /// died mid-send become uncertain instead of being sent twice.
    pub fn recover_interrupted(&mut self, now: Millis) -> Result<Vec<ThreadId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "UPDATE messages SET delivery = 'uncertain', delivery_note = ?1
             WHERE id IN (SELECT message_id FROM outbox WHERE state = 'sending')",
        )?
        .execute([INTERRUPTED_NOTE])?;
        let mut threads: Vec<ThreadId> = {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = 'uncertain', last_error = ?1, updated_at = ?2
                 WHERE state = 'sending' RETURNING thread_id",
            )?;
            stmt.query_map(params![INTERRUPTED_NOTE, now], |r| Ok(ThreadId(r.get(0)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        tx.commit()?;
        threads.sort();
        threads.dedup();
        if !threads.is_empty() {
            tracing::warn!(
                count = threads.len(),
                "replies interrupted mid-send marked uncertain"
            );
        }
        Ok(threads)
    }
}

/// The re-checks before a reply that waited leaves, in order of precedence. Returns the reason
/// and the words the agent reads, or `None` when it may go.
fn recheck(
    tx: &Transaction<'_>,
    id: OutboxId,
    check: &Recheck,
    now: Millis,
) -> Result<Option<(HoldReason, String)>> {
    #[allow(clippy::type_complexity)]
    let (
        status,
        opted_out,
        waived,
        queued_resolved,
        seen_upto,
        newest_inbound,
        last_inbound_at,
        options,
        automated,
        agent_answered,
        thread,
        message,
    ): (
        String,
        bool,
        bool,
        bool,
        i64,
        i64,
        Option<Millis>,
        Option<String>,
        bool,
        bool,
        i64,
        i64,
    ) = tx
        .prepare_cached(
            "SELECT t.status, i.opted_out, o.checks_waived, o.queued_resolved, o.seen_upto,
                    (SELECT COALESCE(MAX(m.id), 0) FROM messages m
                      WHERE m.thread_id = t.id AND m.direction = 'inbound'),
                    (SELECT MAX(m.sent_at) FROM messages m
                      WHERE m.thread_id = t.id AND m.direction = 'inbound'),
                    o.send_options, o.automated,
                    o.automated AND EXISTS (SELECT 1 FROM messages m
                      WHERE m.thread_id = t.id AND m.direction = 'outbound'
                        AND m.automated_kind IS NULL AND m.id > o.message_id),
                    o.thread_id, o.message_id
             FROM outbox o JOIN threads t ON t.id = o.thread_id
                           JOIN identities i ON i.id = t.identity_id
             WHERE o.id = ?1",
        )?
        .query_row([id.0], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        })?;
    let thread = ThreadId(thread);
    // An approved template is the channel's legal way past its window: not held for it.
    let is_template = options
        .as_deref()
        .and_then(|json| serde_json::from_str::<SendOptions>(json).ok())
        .is_some_and(|o| o.template.is_some());
    // An opt-out is the customer's word: nothing waives it, not even "Send anyway".
    if opted_out {
        return Ok(Some((HoldReason::OptedOut, OPTED_OUT_NOTE.into())));
    }
    if !waived {
        if let ReplyWindow::SinceLastInbound {
            millis,
            alternative,
        } = &check.window
            && !is_template
        {
            let closed = last_inbound_at.is_none_or(|at| at.saturating_add(*millis) < now);
            if closed {
                let mut note = String::from(
                    "The channel's reply window closed (the customer last wrote too long \
                     ago), so the provider would refuse this reply.",
                );
                match alternative {
                    Some(alt) => {
                        note.push_str(" Instead: ");
                        note.push_str(alt.trim_end_matches('.'));
                        note.push('.');
                    }
                    None => note.push_str(" Wait for the customer to write again, or discard it."),
                }
                return Ok(Some((HoldReason::WindowClosed, note)));
            }
        }
        if status == ThreadStatus::Resolved.as_str() && !queued_resolved {
            return Ok(Some((HoldReason::ThreadResolved, RESOLVED_NOTE.into())));
        }
        if agent_answered {
            return Ok(Some((
                HoldReason::AgentAnswered,
                AGENT_ANSWERED_NOTE.into(),
            )));
        }
    }
    // An automated message answers the customer's arrival, not their words: a further message
    // from them does not make it wrong (an agent's answer does, above).
    if !automated && newest_inbound > seen_upto {
        return Ok(Some((
            HoldReason::CustomerWrote,
            CUSTOMER_WROTE_NOTE.into(),
        )));
    }
    if !waived && let Some(quiet) = &check.quiet {
        // An automated answer to a customer who is writing right now is what they wait for.
        let live = last_inbound_at.is_some_and(|at| now - at < LIVE_CONVERSATION_MILLIS);
        if !(automated && live) {
            return Ok(Some((HoldReason::QuietHours, quiet.note.clone())));
        }
    }
    if !waived
        && !automated
        && let Some(caps) = &check.caps
        && let Some(note) = crate::outbound::proactive_over_cap(tx, thread, message, caps, now)?
    {
        return Ok(Some((HoldReason::FrequencyCap, note)));
    }
    Ok(None)
}

const OPTED_OUT_NOTE: &str = "The customer opted out of messages on this channel: Parley will \
     not send this. Discard it, or answer them on another channel they use.";
const RESOLVED_NOTE: &str = "The conversation was resolved while this reply waited. Send it \
     anyway, edit it, or discard it.";
const CUSTOMER_WROTE_NOTE: &str = "The customer wrote again after this reply was queued. Read \
     their new message, then send it anyway, edit it, or discard it.";
const AGENT_ANSWERED_NOTE: &str = "Not sent: an agent answered first. This automated message \
     is no longer needed; discard it.";

/// How a media link shows on the queued reply until the provider's copy replaces it.
fn media_link_attachment(url: &str) -> Attachment {
    let name = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let lower = url.to_ascii_lowercase();
    let image = [".jpg", ".jpeg", ".png", ".gif"]
        .iter()
        .any(|ext| lower.split(['?', '#']).next().unwrap_or("").ends_with(ext));
    Attachment {
        kind: if image {
            AttachmentKind::Photo
        } else {
            AttachmentKind::Other
        },
        remote_ref: None,
        file_name: name,
        mime_type: None,
        size: None,
        description: Some(url.to_owned()),
    }
}
