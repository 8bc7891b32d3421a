//! Applying what a channel fetched: one transaction per batch, cursor included.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::{snippet, strip_markers};
use crate::threads::refresh_thread_head;
use crate::types::{IngestOutcome, NewMessageInfo};
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

impl Store {
    /// `NotFound("account")` unless `account` exists (a write naming a removed account).
    pub(crate) fn require_account(&self, account: AccountId) -> Result<()> {
        let known: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM accounts WHERE id = ?1")?
            .query_row([account.0], |r| r.get(0))
            .optional()?;
        match known {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound("account")),
        }
    }
}

impl Store {
    /// Stores a fetched batch and moves the sync cursor in the same transaction, so a crash
    /// either keeps both or neither. Replays are harmless: messages are keyed on
    /// (account, remote id) and a known one is skipped without touching unread counts.
    pub fn apply_batch(
        &mut self,
        account: AccountId,
        batch: &IngestBatch,
        cursor: Option<(&str, &str)>,
        now: Millis,
    ) -> Result<IngestOutcome> {
        self.require_account(account)?;
        // Messages of customers erased on request, met again (a re-read page), stay out.
        let kept;
        let batch = match crate::erase::without_erased(&self.conn, account, batch)? {
            Some(filtered) => {
                kept = filtered;
                &kept
            }
            None => batch,
        };
        // Messages retention deleted, met again, stay out too.
        let unpurged;
        let batch = match crate::retention::without_purged(&self.conn, account, batch)? {
            Some(filtered) => {
                unpurged = filtered;
                &unpurged
            }
            None => batch,
        };
        // See ARCHITECTURE (Durability): a re-fetchable page is committed without an fsync.
        let relaxed = batch.refetchable;
        if relaxed {
            self.conn
                .prepare_cached("PRAGMA synchronous = NORMAL")?
                .execute([])?;
        }
        let result = self.apply_batch_tx(account, batch, cursor, now);
        if relaxed {
            // Back to the connection's default (FULL) for every other write, failed batch or not.
            self.conn
                .prepare_cached("PRAGMA synchronous = FULL")?
                .execute([])?;
        }
        result
    }

    fn apply_batch_tx(
        &mut self,
        account: AccountId,
        batch: &IngestBatch,
        cursor: Option<(&str, &str)>,
        now: Millis,
    ) -> Result<IngestOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;

        let mut outcome = IngestOutcome::default();
        let inserted = ingest_messages(&tx, account, batch, &mut outcome)?;
        crate::merge::join_split_threads(&tx, account, batch, &mut outcome)?;
        for e in &batch.edits {
            if let Some(thread) = apply_edit(&tx, account, e)? {
                touch(&mut outcome.changed_threads, thread);
            }
        }
        for u in &batch.statuses {
            if let Some(thread) = apply_status(&tx, account, u)? {
                touch(&mut outcome.changed_threads, thread);
            }
        }
        // Only to rows this batch inserted (not to a message already held under that id).
        for h in &batch.html_bodies {
            if let Some(&message) = inserted.get(h.remote_id.as_str()) {
                crate::html::store_html(&tx, message, h)?;
            }
        }
        for thread in crate::server_changes::apply_server_changes(&tx, account, batch, now)? {
            touch(&mut outcome.changed_threads, thread);
        }
        for remote_id in &batch.read_elsewhere {
            if let Some(thread) = apply_read_elsewhere(&tx, account, remote_id)? {
                touch(&mut outcome.changed_threads, thread);
            }
        }
        // Also to a message stored earlier (a replay fills in what an older build did not keep).
        for o in &batch.sender_offsets {
            tx.prepare_cached(
                "UPDATE messages SET utc_offset_minutes = ?3
                 WHERE account_id = ?1 AND remote_id = ?2 AND direction = 'inbound'",
            )?
            .execute(params![account.0, o.remote_id, o.minutes])?;
        }
        // A customer's whole message "STOP" (or an equivalent) opts them out, "START" back in.
        let mut inbound: Vec<(MessageId, &str, Millis)> = batch
            .messages
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .filter_map(|m| {
                let id = inserted.get(m.remote_id.as_str())?;
                Some((*id, m.text.as_str(), m.sent_at))
            })
            .collect();
        for thread in crate::outbound::apply_keyword_opts(&tx, account, &mut inbound)? {
            touch(&mut outcome.changed_threads, thread);
        }
        for o in &batch.opt_outs {
            tx.prepare_cached(
                "UPDATE identities SET opted_out = ?3
                 WHERE id = (SELECT identity_id FROM threads
                             WHERE account_id = ?1 AND remote_thread_id = ?2)",
            )?
            .execute(params![account.0, o.remote_thread_id, o.opted_out])?;
        }
        for meta in &batch.threads {
            if let Some(thread) = apply_thread_meta(&tx, account, meta)? {
                touch(&mut outcome.changed_threads, thread);
            }
        }
        if let Some((key, value)) = cursor {
            tx.prepare_cached(
                "INSERT INTO sync_cursors (account_id, key, value, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, key)
                 DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )?
            .execute(params![account.0, key, value, now])?;
        }
        tx.commit()?;
        Ok(outcome)
    }
}

/// Applies what the conversation list says about control. The list only tells "this app may
/// answer" from "another app controls it", so a more precise owner already stored (learnt from
/// `thread_owner` or a handover action) is kept while it agrees with the list. Returns the
/// thread when its owner changed.
fn apply_thread_meta(
    conn: &Connection,
    account: AccountId,
    meta: &ThreadMeta,
) -> Result<Option<ThreadId>> {
    let sql = match meta.control {
        // Parley may answer: a bot or inbox owner no longer holds it.
        ThreadControlFact::ThisApp => {
            "UPDATE threads SET owner = 'parley', owner_app_id = NULL
             WHERE account_id = ?1 AND remote_thread_id = ?2
               AND owner IN ('otherApp', 'metaInbox', 'elsewhere')
             RETURNING id"
        }
        ThreadControlFact::AnotherApp => {
            "UPDATE threads SET owner = 'elsewhere', owner_app_id = NULL
             WHERE account_id = ?1 AND remote_thread_id = ?2
               AND (owner IS NULL OR owner NOT IN ('otherApp', 'metaInbox', 'elsewhere'))
             RETURNING id"
        }
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![account.0, meta.remote_thread_id], |r| r.get(0))
        .optional()?
        .map(ThreadId))
}

/// An inbound message the agent read in another client: its thread is read when that message is
/// the thread's newest inbound one (a newer one is still unread). Returns the thread it cleared.
fn apply_read_elsewhere(
    conn: &Connection,
    account: AccountId,
    remote_id: &str,
) -> Result<Option<ThreadId>> {
    Ok(conn
        .prepare_cached(
            "UPDATE threads SET unread_count = 0
             WHERE unread_count > 0
               AND id = (SELECT m.thread_id FROM messages m
                         WHERE m.account_id = ?1 AND m.remote_id = ?2
                           AND m.direction = 'inbound'
                           AND NOT EXISTS (
                               SELECT 1 FROM messages n
                               WHERE n.thread_id = m.thread_id AND n.direction = 'inbound'
                                 AND (n.sent_at > m.sent_at
                                      OR (n.sent_at = m.sent_at AND n.id > m.id))))
             RETURNING id",
        )?
        .query_row(params![account.0, remote_id], |r| r.get(0))
        .optional()?
        .map(ThreadId))
}

fn touch(threads: &mut Vec<ThreadId>, thread: ThreadId) {
    // Batches touch a handful of threads; a linear scan beats hashing here.
    if !threads.contains(&thread) {
        threads.push(thread);
    }
}

/// Providers sometimes omit names; a blank name would show as an empty row in the inbox.
fn person_name(p: &RemotePerson) -> &str {
    [Some(p.display_name.as_str()), p.handle.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or(p.remote_id.as_str())
}

/// One message of a batch once its contact and thread are known, before it is stored.
struct Staged<'a> {
    thread: ThreadId,
    contact: ContactId,
    contact_name: String,
    text: Cow<'a, str>,
    /// The customer's mood (inbound messages only).
    mood: Option<parley_sentiment::Score>,
}

/// A customer already resolved by this batch: their next message needs no lookup while the
/// provider still gives the same name and handle (anything else goes to `upsert_identity`).
struct KnownPerson<'a> {
    identity: IdentityId,
    contact: ContactId,
    name: &'a str,
    handle: Option<&'a str>,
}

/// What a batch's new messages do to one thread, applied in one `UPDATE` (see
/// `ingest_messages`, pass 3).
struct ThreadChange {
    thread: ThreadId,
    unread: i64,
    /// The newest of the batch's messages that would have moved the summary when applied one by
    /// one (the last with the highest `sent_at`): its index in the batch.
    newest: usize,
    newest_at: Millis,
    /// `sent_at` of the last inbound message among those: it reopens the thread when it is at
    /// least the stored `last_activity_at`.
    reopen_at: Option<Millis>,
}

/// Stores a batch's messages in three passes that leave the same rows as storing them one by one:
///
/// 1. in order, each message's identity, contact and thread (created or renamed as needed), and
///    its row staged in a per-connection temp table;
/// 2. one `INSERT ... SELECT` of the staged rows, skipping the ones already stored;
/// 3. the thread summaries and contacts of the messages that were new: one `UPDATE` per thread
///    and per contact that leaves what one update per message, in order, left.
///
/// A customer or thread met again later in the batch is taken from what pass 1 already resolved
/// instead of being looked up again (a sync page is mostly one conversation).
///
/// Why one statement for the rows: the FTS insert trigger makes each `INSERT INTO messages` open
/// a statement savepoint, and FTS5 writes its pending terms out as a new segment at every
/// savepoint. Inserted one by one, a batch of 500 became 500 one-message segments, each merged
/// again by automerge; inserted together, the batch's terms are written once (at commit, or at
/// the first edit of the batch, which comes after the rows). Same triggers, same FTS content: the
/// other writers of `messages` (outbox, decisions, account removal) are unchanged.
fn ingest_messages(
    conn: &Connection,
    account: AccountId,
    batch: &IngestBatch,
    outcome: &mut IngestOutcome,
) -> Result<HashMap<String, MessageId>> {
    let (messages, reply_parents, read_elsewhere) =
        (&batch.messages, &batch.reply_parents, &batch.read_elsewhere);
    let mut inserted_ids = HashMap::new();
    if messages.is_empty() {
        return Ok(inserted_ids);
    }
    // Read in another client before Parley saw them: not counted as unread.
    let already_read: HashSet<&str> = read_elsewhere.iter().map(String::as_str).collect();
    let parents_of: HashMap<&str, &[String]> = reply_parents
        .iter()
        .map(|r| (r.remote_id.as_str(), r.parents.as_slice()))
        .collect();
    // The thread each message of this batch went to, for replies later in the same batch.
    let mut batch_threads: HashMap<&str, ThreadId> = HashMap::new();
    // Created once per connection; a failed batch rolls its staged rows back with it.
    conn.prepare_cached(STAGE_TABLE)?.execute([])?;

    let mut staged = Vec::with_capacity(messages.len());
    let mut people: HashMap<&str, KnownPerson> = HashMap::new();
    // Each contact's name as stored now (a rename by one identity shows for all of them).
    let mut contact_names: HashMap<ContactId, String> = HashMap::new();
    let mut threads_by_remote: HashMap<&str, ThreadId> = HashMap::new();
    // Each thread's customer (id, name), to tell a message written by someone else.
    let mut owners: HashMap<ThreadId, (ContactId, String)> = HashMap::new();
    // A warning per staged message: the adapter's, or "written by someone else".
    let mut warnings: Vec<Option<String>> = vec![None; messages.len()];
    let adapter_warnings: HashMap<&str, &str> = batch
        .warnings
        .iter()
        .map(|w| (w.remote_id.as_str(), w.text.as_str()))
        .collect();
    {
        let mut stage = conn.prepare_cached(
            "INSERT INTO temp.ingest_staged (seq, thread_id, remote_id, direction, author_name,
                                             text, attachments, sent_at, delivery,
                                             reply_to_remote_id, subject, quoted_text,
                                             mood, mood_severity, sender_ref)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for (seq, m) in messages.iter().enumerate() {
            if m.remote_id.is_empty()
                || m.remote_thread_id.is_empty()
                || m.customer.remote_id.is_empty()
            {
                // An adapter bug; storing it would make replays impossible to recognise.
                return Err(StoreError::Invalid(format!(
                    "message {:?} in thread {:?} lacks a provider id",
                    m.remote_id, m.remote_thread_id
                )));
            }
            let text = strip_markers(&m.text);
            let p = &m.customer;
            let (identity, contact, contact_name) = match people.get(p.remote_id.as_str()) {
                Some(k) if k.name == person_name(p) && k.handle == p.handle.as_deref() => {
                    let name = contact_names.get(&k.contact).cloned().unwrap_or_default();
                    (k.identity, k.contact, name)
                }
                _ => {
                    let (identity, contact, name) = upsert_identity(conn, account, p, m.sent_at)?;
                    people.insert(
                        p.remote_id.as_str(),
                        KnownPerson {
                            identity,
                            contact,
                            name: person_name(p),
                            handle: p.handle.as_deref(),
                        },
                    );
                    contact_names.insert(contact, name.clone());
                    (identity, contact, name)
                }
            };
            let known_parent = match parents_of.get(m.remote_id.as_str()) {
                Some(parents) => parent_thread(conn, account, parents, &batch_threads)?,
                None => None,
            };
            let thread = match known_parent {
                Some(t) => t,
                None => match threads_by_remote.get(m.remote_thread_id.as_str()) {
                    Some(t) => *t,
                    None => {
                        let t = upsert_thread(conn, account, identity, contact, m, &text)?;
                        threads_by_remote.insert(m.remote_thread_id.as_str(), t);
                        t
                    }
                },
            };
            batch_threads.entry(m.remote_id.as_str()).or_insert(thread);
            if m.direction == Direction::Inbound {
                let owner = match owners.get(&thread) {
                    Some(o) => o.clone(),
                    None => {
                        let o: (i64, String) = conn
                            .prepare_cached(
                                "SELECT t.contact_id, c.display_name FROM threads t
                                 JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?1",
                            )?
                            .query_row([thread.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        let o = (ContactId(o.0), o.1);
                        owners.insert(thread, o.clone());
                        o
                    }
                };
                // Someone other than the conversation's customer answered in it (a reply
                // threaded by its References): it stays, but never silently.
                let stranger = (owner.0 != contact).then(|| {
                    format!(
                        "Written by {} ({}), not by {}, whose conversation this is.",
                        person_name(&m.sender),
                        m.sender.remote_id,
                        owner.1
                    )
                });
                let said = adapter_warnings
                    .get(m.remote_id.as_str())
                    .map(|w| (*w).to_owned());
                warnings[seq] = match (said, stranger) {
                    (Some(a), Some(b)) => Some(format!("{a} {b}")),
                    (a, b) => a.or(b),
                };
            }
            let attachments = if m.attachments.is_empty() {
                Cow::Borrowed("[]")
            } else {
                Cow::Owned(rows::attachments_to_json(&m.attachments)?)
            };
            let delivery = match m.direction {
                Direction::Inbound => DeliveryState::Received,
                // Read from the provider, so it left already (sent from another client or echoed).
                Direction::Outbound => DeliveryState::Sent,
            };
            // Scored on the device, before the transaction's writes (microseconds a message).
            let mood = (m.direction == Direction::Inbound)
                .then(|| crate::mood::score_message(&text, m.subject.as_deref()));
            stage.execute(params![
                seq as i64,
                thread.0,
                m.remote_id,
                m.direction.as_str(),
                person_name(&m.sender),
                text,
                attachments,
                m.sent_at,
                delivery.as_str(),
                m.reply_to_remote_id,
                m.subject.as_deref().map(strip_markers),
                m.quoted_text.as_deref().map(strip_markers),
                mood.map(|s| s.mood.as_str()),
                mood.map(|s| s.severity()),
                m.sender.remote_id,
            ])?;
            staged.push(Staged {
                thread,
                contact,
                contact_name,
                text,
                mood,
            });
        }
    }

    // The id each message is stored under: its own, or — where senders choose ids — its own
    // plus its sender's when someone else's message holds it (see `ids_of_reused`).
    let stored_ids: Vec<Cow<'_, str>> = if batch.ids_chosen_by_sender {
        ids_of_reused(conn, account, messages, &adapter_warnings)?
    } else {
        messages
            .iter()
            .map(|m| Cow::Borrowed(m.remote_id.as_str()))
            .collect()
    };
    // Which staged rows were new. An id seen twice in one batch is stored from its first
    // occurrence, as when the rows were inserted one by one; the second is a replay.
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(messages.len());
    for (i, id) in stored_ids.iter().enumerate() {
        first_of.entry(id.as_ref()).or_insert(i);
    }
    let mut inserted: Vec<Option<MessageId>> = vec![None; messages.len()];
    {
        // `WHERE true` keeps the parser from reading ON CONFLICT as a join constraint.
        let mut insert = conn.prepare_cached(
            "INSERT INTO messages (thread_id, account_id, remote_id, direction, author_name, text,
                                   attachments, sent_at, delivery, reply_to_remote_id,
                                   subject, quoted_text, mood, mood_severity, sender_ref)
             SELECT thread_id, ?1, remote_id, direction, author_name, text,
                    attachments, sent_at, delivery, reply_to_remote_id, subject, quoted_text,
                    mood, mood_severity, sender_ref
             FROM temp.ingest_staged WHERE true ORDER BY seq
             ON CONFLICT (account_id, remote_id) DO NOTHING
             RETURNING id, remote_id",
        )?;
        let mut rows = insert.query([account.0])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let remote_id: String = r.get(1)?;
            let i = *first_of.get(remote_id.as_str()).ok_or_else(|| {
                StoreError::Invalid(format!("stored an unstaged message {remote_id:?}"))
            })?;
            inserted[i] = Some(MessageId(id));
            // Keyed by the provider's id: the batch's HTML and locations name it so.
            inserted_ids
                .entry(messages[i].remote_id.clone())
                .or_insert(MessageId(id));
        }
    }
    conn.prepare_cached("DELETE FROM temp.ingest_staged")?
        .execute([])?;
    for (warning, id) in warnings.iter().zip(&inserted) {
        if let (Some(text), Some(id)) = (warning, id) {
            conn.prepare_cached("UPDATE messages SET delivery_note = ?2 WHERE id = ?1")?
                .execute(params![id.0, text])?;
        }
    }
    // A mail stored from the Inbox as claiming the account's own address, found again as the
    // business's own (in Sent): it was theirs after all.
    for (m, id) in messages.iter().zip(&inserted) {
        if id.is_some() || m.direction != Direction::Outbound {
            continue;
        }
        let confirmed: Option<i64> = conn
            .prepare_cached(
                "UPDATE messages SET direction = 'outbound', delivery = 'sent',
                                     delivery_note = NULL, author_name = ?3
                 WHERE account_id = ?1 AND remote_id = ?2 AND direction = 'inbound'
                   AND delivery_note = ?4
                 RETURNING thread_id",
            )?
            .query_row(
                params![
                    account.0,
                    m.remote_id,
                    person_name(&m.sender),
                    OWN_ADDRESS_IN_INBOX
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(thread) = confirmed {
            let thread = ThreadId(thread);
            conn.prepare_cached(
                "UPDATE threads SET unread_count = max(unread_count - 1, 0) WHERE id = ?1",
            )?
            .execute([thread.0])?;
            crate::threads::refresh_thread_head(conn, thread)?;
            touch(&mut outcome.changed_threads, thread);
        }
    }

    // Pass 3. Applied one by one, message j moved the summary when its `sent_at` was at least
    // the thread's `last_activity_at` then, i.e. at least both the stored value L and every
    // earlier new message of the thread. The latter ("candidates") have non-decreasing times, so
    // those that also reach L are the last ones: the snippet ends as the last candidate's when
    // it reaches L, and the thread reopens when the last inbound candidate reaches L. The
    // `UPDATE` compares with L itself (SET reads the row as it was).
    let mut changes: Vec<ThreadChange> = Vec::new();
    let mut change_of: HashMap<ThreadId, usize> = HashMap::new();
    let mut flags = crate::mood::Flags::default();
    let mut first_seen: Vec<(ContactId, Millis)> = Vec::new();
    let mut first_seen_of: HashMap<ContactId, usize> = HashMap::new();
    for (i, ((m, s), id)) in messages.iter().zip(&staged).zip(&inserted).enumerate() {
        let Some(message_id) = *id else { continue };
        let inbound = m.direction == Direction::Inbound;
        if let Some(score) = s.mood {
            flags.note(s.thread, score, m.sent_at);
        }
        let unread = i64::from(inbound && !already_read.contains(m.remote_id.as_str()));
        match change_of.get(&s.thread) {
            Some(&c) => {
                let c = &mut changes[c];
                c.unread += unread;
                if m.sent_at >= c.newest_at {
                    c.newest = i;
                    c.newest_at = m.sent_at;
                    if inbound {
                        c.reopen_at = Some(m.sent_at);
                    }
                }
            }
            None => {
                change_of.insert(s.thread, changes.len());
                changes.push(ThreadChange {
                    thread: s.thread,
                    unread,
                    newest: i,
                    newest_at: m.sent_at,
                    reopen_at: inbound.then_some(m.sent_at),
                });
            }
        }
        // A contact is first seen at their oldest message, even if catch-up delivers it late.
        match first_seen_of.get(&s.contact) {
            Some(&c) => first_seen[c].1 = first_seen[c].1.min(m.sent_at),
            None => {
                first_seen_of.insert(s.contact, first_seen.len());
                first_seen.push((s.contact, m.sent_at));
            }
        }
        outcome.new_messages.push(NewMessageInfo {
            thread_id: s.thread,
            message_id,
            direction: m.direction,
            contact_name: s.contact_name.clone(),
            text: s.text.clone().into_owned(),
        });
    }
    {
        // `>=`: on a tie the later-stored message (higher id) is the newer in (sent_at, id)
        // order. An inbound message that becomes the newest one reopens the conversation.
        // A customer's message that reopens a resolved, pending or snoozed conversation says
        // so in it (read before the update below changes the status), never before the change
        // it undoes (a provider's clock may be coarser or behind Parley's).
        let mut reopening = conn.prepare_cached(
            "SELECT status, (SELECT MAX(at) FROM thread_events WHERE thread_id = ?1)
             FROM threads WHERE id = ?1 AND status <> 'open' AND ?2 >= last_activity_at",
        )?;
        for c in &changes {
            let Some(at) = c.reopen_at else { continue };
            let found: Option<(String, Option<Millis>)> = reopening
                .query_row(params![c.thread.0, at], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((from, last_event)) = found {
                let from = crate::rows::status(&from)?;
                crate::workflow::record_event(
                    conn,
                    c.thread,
                    at.max(last_event.unwrap_or(at)),
                    &ThreadEventKind::ReopenedByCustomer { from },
                )?;
            }
        }
        let mut update = conn.prepare_cached(
            "UPDATE threads SET
                 unread_count = unread_count + ?2,
                 status = CASE WHEN ?3 >= last_activity_at THEN 'open' ELSE status END,
                 snoozed_until = CASE WHEN ?3 >= last_activity_at THEN NULL ELSE snoozed_until END,
                 snippet = CASE WHEN ?4 >= last_activity_at THEN ?5 ELSE snippet END,
                 snippet_direction = CASE WHEN ?4 >= last_activity_at THEN ?6
                                          ELSE snippet_direction END,
                 last_activity_at = max(last_activity_at, ?4)
             WHERE id = ?1",
        )?;
        for c in &changes {
            let m = &messages[c.newest];
            update.execute(params![
                c.thread.0,
                c.unread,
                c.reopen_at,
                c.newest_at,
                snippet(&staged[c.newest].text, &m.attachments),
                m.direction.as_str(),
            ])?;
            crate::workflow::refresh_waiting(conn, c.thread)?;
            touch(&mut outcome.changed_threads, c.thread);
        }
    }
    // After the summaries: a flag needs the thread's status as this batch leaves it.
    flags.apply(conn)?;
    let mut seen = conn.prepare_cached(
        "UPDATE contacts SET first_seen_at = ?2 WHERE id = ?1 AND first_seen_at > ?2",
    )?;
    for (contact, at) in first_seen {
        seen.execute(params![contact.0, at])?;
    }
    Ok(inserted_ids)
}

/// Where senders choose message ids (email's Message-ID), an id already held by a message from
/// someone else is another message: an email reusing the Message-ID of the agent's reply, or of
/// another customer's mail, is stored under that id plus its sender's (`…#from:addr`), so it is
/// kept and its own replays are still recognised. The same id from the same sender, or our own
/// mail seen again (a copy in Sent of a mail first read from the Inbox, which claims our
/// address), stays one message. Decided in batch order against what holds each id — stored
/// before or earlier in the batch — as if the messages were stored one by one; the staged rows
/// are renamed before the insert. One indexed lookup per message, for such batches only.
fn ids_of_reused<'m>(
    conn: &Connection,
    account: AccountId,
    messages: &'m [IncomingMessage],
    adapter_warnings: &HashMap<&str, &str>,
) -> Result<Vec<Cow<'m, str>>> {
    let mut holder_of: HashMap<&str, (Direction, Option<String>)> = HashMap::new();
    {
        let mut held = conn.prepare_cached(
            "SELECT direction, sender_ref FROM messages WHERE account_id = ?1 AND remote_id = ?2",
        )?;
        for m in messages {
            if holder_of.contains_key(m.remote_id.as_str()) {
                continue;
            }
            let found: Option<(String, Option<String>)> = held
                .query_row(params![account.0, m.remote_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((direction, sender)) = found {
                holder_of.insert(
                    m.remote_id.as_str(),
                    (crate::rows::direction(&direction)?, sender),
                );
            }
        }
    }
    let mut ids = Vec::with_capacity(messages.len());
    let mut rename =
        conn.prepare_cached("UPDATE temp.ingest_staged SET remote_id = ?2 WHERE seq = ?1")?;
    for (seq, m) in messages.iter().enumerate() {
        let Some((direction, sender)) = holder_of.get(m.remote_id.as_str()) else {
            holder_of.insert(
                m.remote_id.as_str(),
                (m.direction, Some(m.sender.remote_id.clone())),
            );
            ids.push(Cow::Borrowed(m.remote_id.as_str()));
            continue;
        };
        let other_sender = sender.as_ref().is_some_and(|s| *s != m.sender.remote_id);
        // The outbox's own reply knows no sender; a customer's mail carrying its id is theirs.
        let claims_ours = adapter_warnings.get(m.remote_id.as_str()) == Some(&OWN_ADDRESS_IN_INBOX);
        let under_our_reply =
            *direction == Direction::Outbound && m.direction == Direction::Inbound && !claims_ours;
        if other_sender || under_our_reply {
            let own = format!("{}#from:{}", m.remote_id, m.sender.remote_id);
            rename.execute(params![seq as i64, own])?;
            ids.push(Cow::Owned(own));
        } else {
            ids.push(Cow::Borrowed(m.remote_id.as_str()));
        }
    }
    Ok(ids)
}

/// The rows of the batch being applied; per connection, emptied before and after each use.
const STAGE_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS ingest_staged (
    seq                 INTEGER PRIMARY KEY,
    thread_id           INTEGER NOT NULL,
    remote_id           TEXT    NOT NULL,
    direction           TEXT    NOT NULL,
    author_name         TEXT    NOT NULL,
    text                TEXT    NOT NULL,
    attachments         TEXT    NOT NULL,
    sent_at             INTEGER NOT NULL,
    delivery            TEXT    NOT NULL,
    reply_to_remote_id  TEXT,
    subject             TEXT,
    quoted_text         TEXT,
    mood                TEXT,
    mood_severity       INTEGER,
    sender_ref          TEXT
)";

// The contact's name in a subquery rather than a join: a join goes through the full planner,
// which marks `?1` as plan-relevant when its value is 0 or 1, and SQLite then re-prepares the
// statement on every call for account 1 (measured: ~15% of ingest time).
const IDENTITY_LOOKUP: &str = "SELECT i.id, i.contact_id, i.display_name, i.handle,
        (SELECT c.display_name FROM contacts c WHERE c.id = i.contact_id)
    FROM identities i
    WHERE i.account_id = ?1 AND i.remote_id = ?2";

const THREAD_LOOKUP: &str =
    "SELECT id FROM threads WHERE account_id = ?1 AND remote_thread_id = ?2";

fn upsert_identity(
    conn: &Connection,
    account: AccountId,
    p: &RemotePerson,
    seen_at: Millis,
) -> Result<(IdentityId, ContactId, String)> {
    let name = person_name(p);
    let found: Option<(i64, i64, String, Option<String>, String)> = conn
        .prepare_cached(IDENTITY_LOOKUP)?
        .query_row(params![account.0, p.remote_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    match found {
        Some((identity, contact, old_name, old_handle, mut contact_name)) => {
            if old_name != name || old_handle != p.handle {
                conn.prepare_cached(
                    "UPDATE identities SET display_name = ?2, handle = ?3 WHERE id = ?1",
                )?
                .execute(params![identity, name, p.handle])?;
                // The contact follows the provider's name unless an agent renamed them (then
                // the contact's name no longer equals what the provider used to say).
                if contact_name == old_name && old_name != name {
                    conn.prepare_cached("UPDATE contacts SET display_name = ?2 WHERE id = ?1")?
                        .execute(params![contact, name])?;
                    name.clone_into(&mut contact_name);
                }
            }
            Ok((IdentityId(identity), ContactId(contact), contact_name))
        }
        None => {
            let contact: i64 = conn
                .prepare_cached(
                    "INSERT INTO contacts (display_name, first_seen_at) VALUES (?1, ?2)
                     RETURNING id",
                )?
                .query_row(params![name, seen_at], |r| r.get(0))?;
            let identity: i64 = conn
                .prepare_cached(
                    "INSERT INTO identities (contact_id, account_id, remote_id, handle, display_name)
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                )?
                .query_row(
                    params![contact, account.0, p.remote_id, p.handle, name],
                    |r| r.get(0),
                )?;
            Ok((IdentityId(identity), ContactId(contact), name.to_owned()))
        }
    }
}

/// The thread of the first of `parents` (nearest first) stored for the account, or earlier in
/// this batch.
fn parent_thread(
    conn: &Connection,
    account: AccountId,
    parents: &[String],
    batch_threads: &HashMap<&str, ThreadId>,
) -> Result<Option<ThreadId>> {
    for parent in parents {
        // Stored first: a parent this batch merely replays keeps the thread it is stored in.
        let stored: Option<i64> = conn
            .prepare_cached(PARENT_LOOKUP)?
            .query_row(params![account.0, parent], |r| r.get(0))
            .optional()?;
        if let Some(t) = stored {
            return Ok(Some(ThreadId(t)));
        }
        if let Some(t) = batch_threads.get(parent.as_str()) {
            return Ok(Some(*t));
        }
    }
    Ok(None)
}

const PARENT_LOOKUP: &str =
    "SELECT thread_id FROM messages WHERE account_id = ?1 AND remote_id = ?2";

fn upsert_thread(
    conn: &Connection,
    account: AccountId,
    identity: IdentityId,
    contact: ContactId,
    m: &IncomingMessage,
    text: &str,
) -> Result<ThreadId> {
    let found: Option<i64> = conn
        .prepare_cached(THREAD_LOOKUP)?
        .query_row(params![account.0, m.remote_thread_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(ThreadId(id));
    }
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO threads (account_id, contact_id, identity_id, remote_thread_id,
                                  last_activity_at, snippet, snippet_direction)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                account.0,
                contact.0,
                identity.0,
                m.remote_thread_id,
                m.sent_at,
                snippet(text, &m.attachments),
                m.direction.as_str()
            ],
            |r| r.get(0),
        )?;
    Ok(ThreadId(id))
}

/// Applies an edit unless a newer one is already stored; returns the thread when text changed.
/// Where a delivery state stands on the way sent → delivered → read; a status never moves back.
fn delivery_rank(state: DeliveryState) -> Option<u8> {
    match state {
        DeliveryState::Sent => Some(1),
        DeliveryState::Delivered => Some(2),
        DeliveryState::Read => Some(3),
        DeliveryState::Failed => Some(4),
        _ => None,
    }
}

/// Moves a sent message's delivery state forward (sent → delivered → read, or to failed with the
/// provider's reason). Messages still in the outbox (no remote id yet) are not touched.
fn apply_status(
    conn: &Connection,
    account: AccountId,
    u: &DeliveryUpdate,
) -> Result<Option<ThreadId>> {
    let Some(rank) = delivery_rank(u.state) else {
        return Ok(None);
    };
    let current: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT thread_id, delivery FROM messages WHERE account_id = ?1 AND remote_id = ?2",
        )?
        .query_row(params![account.0, u.remote_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((thread, delivery)) = current else {
        return Ok(None);
    };
    let now_rank = DeliveryState::parse(&delivery).and_then(delivery_rank);
    match now_rank {
        Some(r) if r < rank => {}
        _ => return Ok(None),
    }
    conn.prepare_cached(
        "UPDATE messages SET delivery = ?3, delivery_note = ?4
         WHERE account_id = ?1 AND remote_id = ?2",
    )?
    .execute(params![
        account.0,
        u.remote_id,
        u.state.as_str(),
        u.error.as_deref()
    ])?;
    Ok(Some(ThreadId(thread)))
}

fn apply_edit(conn: &Connection, account: AccountId, e: &MessageEdit) -> Result<Option<ThreadId>> {
    let text = strip_markers(&e.text);
    let thread: Option<i64> = conn
        .prepare_cached(
            "UPDATE messages SET text = ?3, edited_at = ?4
             WHERE account_id = ?1 AND remote_id = ?2
               AND (edited_at IS NULL OR edited_at <= ?4) AND text <> ?3
             RETURNING thread_id",
        )?
        .query_row(params![account.0, e.remote_id, text, e.edited_at], |r| {
            r.get(0)
        })
        .optional()?;
    match thread {
        Some(t) => {
            let thread = ThreadId(t);
            // The edited message may be the one the thread list shows.
            refresh_thread_head(conn, thread)?;
            Ok(Some(thread))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::{IDENTITY_LOOKUP, THREAD_LOOKUP};
    use crate::Store;
    use parley_domain::*;
    use rusqlite::StatementStatus;

    fn setup() -> (Store, AccountId) {
        let mut s = Store::open_in_memory().expect("open");
        let account = crate::test_support::account(&mut s, ChannelKind::Telegram, "shop");
        (s, account)
    }

    use crate::test_support::inbound as message;

    fn found(s: &Store, q: &str) -> Vec<MessageId> {
        let mut ids: Vec<MessageId> = s
            .search(q, 100)
            .expect("search")
            .into_iter()
            .map(|h| h.message_id)
            .collect();
        ids.sort_by_key(|m| m.0);
        ids
    }

    /// FTS5's own check that the index holds exactly the terms of the content table.
    fn fts_is_consistent(s: &Store) {
        s.conn
            .execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .expect("FTS index matches messages");
    }

    #[test]
    fn batched_rows_are_indexed_once_and_edits_replace_their_terms() {
        let (mut s, a) = setup();
        let out = s
            .apply_batch(
                a,
                &IngestBatch {
                    messages: vec![
                        message("1", "1:1", "parcel arrived", 10),
                        message("2", "2:1", "parcel lost", 11),
                        // The same remote id twice in one batch: the first one is stored.
                        message("1", "1:1", "parcel duplicate", 12),
                        message("1", "1:2", "where is it", 13),
                    ],
                    // An edit of a message stored by the same batch.
                    edits: vec![MessageEdit {
                        remote_id: "2:1".into(),
                        text: "parcel found".into(),
                        edited_at: 20,
                    }],
                    ..Default::default()
                },
                Some(("offset", "1")),
                0,
            )
            .expect("batch");
        let ids: Vec<MessageId> = out.new_messages.iter().map(|m| m.message_id).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(
            out.new_messages
                .iter()
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>(),
            ["parcel arrived", "parcel lost", "where is it"]
        );
        fts_is_consistent(&s);
        assert_eq!(found(&s, "parcel"), [ids[0], ids[1]]);
        assert!(found(&s, "duplicate").is_empty());
        assert!(
            found(&s, "lost").is_empty(),
            "old text of an edited message"
        );
        assert_eq!(found(&s, "found"), [ids[1]]);

        // A replay of the whole batch stores and indexes nothing again.
        let again = s
            .apply_batch(
                a,
                &IngestBatch {
                    messages: vec![message("1", "1:1", "parcel arrived", 10)],
                    edits: vec![MessageEdit {
                        remote_id: "1:1".into(),
                        text: "parcel arrived late".into(),
                        edited_at: 30,
                    }],
                    ..Default::default()
                },
                Some(("offset", "2")),
                0,
            )
            .expect("replay");
        assert!(again.new_messages.is_empty());
        fts_is_consistent(&s);
        assert_eq!(found(&s, "parcel"), [ids[0], ids[1]]);
        assert_eq!(found(&s, "late"), [ids[0]]);
        assert!(found(&s, "arrived").len() == 1);
    }

    #[test]
    fn a_removed_accounts_messages_are_not_found() {
        let (mut s, a) = setup();
        let b = crate::test_support::account(&mut s, ChannelKind::Telegram, "other");
        let batch = |text: &str| IngestBatch {
            messages: vec![message("1", "1:1", text, 10)],
            edits: vec![],
            ..Default::default()
        };
        s.apply_batch(a, &batch("invoice gone"), None, 0)
            .expect("a");
        let kept = s
            .apply_batch(b, &batch("invoice kept"), None, 0)
            .expect("b");
        s.remove_account(a).expect("remove");
        fts_is_consistent(&s);
        assert!(found(&s, "gone").is_empty());
        assert_eq!(found(&s, "invoice"), [kept.new_messages[0].message_id]);
    }

    #[test]
    fn a_failed_batch_leaves_no_staged_rows_behind() {
        let (mut s, a) = setup();
        let mut bad = message("1", "1:2", "never stored", 11);
        bad.remote_thread_id.clear();
        let err = s.apply_batch(
            a,
            &IngestBatch {
                messages: vec![message("1", "1:1", "first", 10), bad],
                edits: vec![],
                ..Default::default()
            },
            None,
            0,
        );
        assert!(err.is_err());
        let out = s
            .apply_batch(
                a,
                &IngestBatch {
                    messages: vec![message("1", "1:3", "second", 12)],
                    edits: vec![],
                    ..Default::default()
                },
                None,
                0,
            )
            .expect("next batch");
        assert_eq!(out.new_messages.len(), 1);
        assert!(found(&s, "first").is_empty());
        assert!(found(&s, "never").is_empty());
        assert_eq!(found(&s, "second").len(), 1);
        fts_is_consistent(&s);
    }

    /// remote thread id, unread, status, snippet, its direction, last activity, contact name,
    /// contact first seen.
    type Summary = (String, i64, String, String, String, i64, String, i64);

    /// Every thread's summary and every contact's first-seen time, for comparing two stores.
    fn summaries(s: &Store) -> Vec<Summary> {
        let mut stmt = s
            .conn
            .prepare(
                "SELECT t.remote_thread_id, t.unread_count, t.status, t.snippet,
                        t.snippet_direction, t.last_activity_at, c.display_name, c.first_seen_at
                 FROM threads t JOIN contacts c ON c.id = t.contact_id
                 ORDER BY t.remote_thread_id",
            )
            .expect("prepare");
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
    }

    proptest::proptest! {
        /// A batch leaves the thread summaries and contacts that storing its messages one at a
        /// time (one batch each, in order) leaves: unread counts, reopening, snippet and its
        /// direction, last activity (ties, older messages delivered late, replays, renamed
        /// customers), whatever was stored before. (`read_elsewhere` is left out: it also clears
        /// whole threads after the messages, so one batch per message would not compare.)
        #[test]
        fn a_batch_summarises_threads_as_its_messages_one_by_one(
            before in proptest::collection::vec((0..3usize, 0..40i64, proptest::bool::ANY), 0..6),
            resolve in proptest::collection::vec(0..3usize, 0..3),
            // Email's rule too: an id reused by another sender is another message.
            chosen in proptest::bool::ANY,
            batch in proptest::collection::vec(
                (0..3usize, 0..12usize, 0..40i64, proptest::bool::ANY, 0..2usize),
                1..25,
            ),
        ) {
            let (mut one, a) = setup();
            let (mut each, b) = setup();
            let msg = |chat: usize, id: String, at: i64, inbound: bool, name: usize| {
                let mut m = message(&chat.to_string(), &id, &format!("text {id} at {at}"), at);
                if !inbound {
                    m.direction = Direction::Outbound;
                }
                m.customer.display_name = format!("Customer {chat} v{name}");
                m.sender = m.customer.clone();
                m
            };
            let earlier: Vec<IncomingMessage> = before
                .iter()
                .enumerate()
                .map(|(i, &(chat, at, inbound))| msg(chat, format!("old{i}"), at, inbound, 0))
                .collect();
            for (s, acc) in [(&mut one, a), (&mut each, b)] {
                let out = s
                    .apply_batch(
                        acc,
                        &IngestBatch {
                            ids_chosen_by_sender: chosen,
                            messages: earlier.clone(),
                            ..Default::default()
                        },
                        None,
                        0,
                    )
                    .expect("earlier");
                for &r in &resolve {
                    let chat = r.to_string();
                    let thread: Option<i64> = s
                        .conn
                        .query_row(
                            "SELECT id FROM threads WHERE remote_thread_id = ?1",
                            [&chat],
                            |row| row.get(0),
                        )
                        .ok();
                    if let Some(t) = thread {
                        s.set_thread_status(ThreadId(t), ThreadStatus::Resolved).expect("resolve");
                    }
                }
                drop(out);
            }
            let messages: Vec<IncomingMessage> = batch
                .iter()
                .map(|&(chat, id, at, inbound, name)| {
                    // Ids below 4 replay a message of `before` when there is one.
                    let id = if id < 4 && id < earlier.len() {
                        format!("old{id}")
                    } else {
                        format!("new{id}")
                    };
                    msg(chat, id, at, inbound, name)
                })
                .collect();
            let together = one
                .apply_batch(
                    a,
                    &IngestBatch {
                        ids_chosen_by_sender: chosen,
                        messages: messages.clone(),
                        ..Default::default()
                    },
                    None,
                    0,
                )
                .expect("batch");
            let mut singly = Vec::new();
            let mut changed = Vec::new();
            for m in &messages {
                let out = each
                    .apply_batch(
                        b,
                        &IngestBatch {
                            ids_chosen_by_sender: chosen,
                            messages: vec![m.clone()],
                            ..Default::default()
                        },
                        None,
                        0,
                    )
                    .expect("single");
                singly.extend(out.new_messages);
                for t in out.changed_threads {
                    if !changed.contains(&t) {
                        changed.push(t);
                    }
                }
            }
            proptest::prop_assert_eq!(summaries(&one), summaries(&each));
            proptest::prop_assert_eq!(together.changed_threads, changed);
            let view = |v: &[crate::types::NewMessageInfo]| {
                v.iter()
                    .map(|m| (m.thread_id, m.message_id, m.direction, m.contact_name.clone(), m.text.clone()))
                    .collect::<Vec<_>>()
            };
            proptest::prop_assert_eq!(view(&together.new_messages), view(&singly));
        }
    }

    #[test]
    fn lookups_use_their_unique_indexes_and_are_not_re_prepared() {
        let (mut s, a) = setup();
        // Account ids 0 and 1 are where SQLite re-prepares a statement whose plan may depend
        // on a bound value; the first account a user adds is 1.
        assert_eq!(a.0, 1);
        for n in 0..3 {
            let messages = (0..5)
                .map(|i| message(&i.to_string(), &format!("{i}:{n}"), "hi", n * 10 + i))
                .collect();
            s.apply_batch(
                a,
                &IngestBatch {
                    messages,
                    edits: vec![],
                    ..Default::default()
                },
                None,
                0,
            )
            .expect("batch");
        }
        for (sql, index) in [
            (IDENTITY_LOOKUP, "sqlite_autoindex_identities_1"),
            (THREAD_LOOKUP, "sqlite_autoindex_threads_1"),
        ] {
            let plan: String = s
                .conn
                .query_row(
                    &format!("EXPLAIN QUERY PLAN {sql}"),
                    rusqlite::params![1, "x"],
                    |r| r.get(3),
                )
                .expect("plan");
            assert!(plan.contains(index), "{sql}: {plan}");
            let stmt = s.conn.prepare_cached(sql).expect("cached");
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{sql}");
            assert!(stmt.get_status(StatementStatus::Run) >= 15, "{sql}");
        }
    }
}
