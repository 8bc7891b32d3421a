//! Respectful outbound in the store (issue 18): the workspace's quiet hours and caps
//! ([`Store::outbound_settings`]), opt-outs with their source and time (a customer's keyword in
//! an ingest batch, an agent's mark, the provider's refusal), the release of replies held for
//! quiet hours when the customer's morning comes, and the frequency caps' counts.
//!
//! Where each rule bites: the outbox re-check (`outbox.rs`: an opt-out is never waived, not even
//! by "Send anyway"; quiet hours and the proactive cap hold a reply with a note), the automated
//! primitive (`automation.rs`: over the cap, nothing is queued and the drop is noted in
//! `automation_dropped`), and ingest (`ingest.rs` calls [`apply_keyword_opts`]).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::outbox::{load, require, transition};
use crate::types::OutboxState;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

const DAY: Millis = 24 * 60 * 60 * 1000;
const WEEK: Millis = 7 * DAY;

/// The note of a reply the store refuses to send to an opted-out customer.
pub const OPTED_OUT_REFUSAL: &str = "The customer opted out of messages on this channel, so \
     Parley will not send to them, not even with Send anyway. They can opt back in by writing \
     START, or an agent can mark them opted in from the customer pane if they asked for it.";

impl Store {
    /// The workspace's quiet hours and caps (the defaults until someone changes them).
    pub fn outbound_settings(&self) -> Result<OutboundSettings> {
        Store::outbound_settings_in(&self.conn)
    }

    pub(crate) fn outbound_settings_in(conn: &Connection) -> Result<OutboundSettings> {
        let json: Option<String> = conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([OUTBOUND_SETTINGS_KEY], |r| r.get(0))
            .optional()?;
        Ok(json
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Saves the quiet hours and caps after checking them.
    pub fn set_outbound_settings(
        &mut self,
        settings: &OutboundSettings,
        now: Millis,
    ) -> Result<()> {
        settings.validate().map_err(StoreError::Invalid)?;
        let json = serde_json::to_string(settings)
            .map_err(|e| StoreError::Invalid(format!("settings: {e}")))?;
        self.set_setting(OUTBOUND_SETTINGS_KEY, &json, now)
    }

    /// Records that the customer opted out of messages on `identity` (or back in), with who or
    /// what said so and when. Returns the threads of that identity (to refresh).
    pub fn set_identity_opt_out(
        &mut self,
        identity: IdentityId,
        opted_out: bool,
        source: OptOutSource,
        detail: Option<&str>,
        now: Millis,
    ) -> Result<Vec<ThreadId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx
            .prepare_cached(
                "UPDATE identities SET opted_out = ?2, opt_source = ?3, opt_detail = ?4, opt_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![identity.0, opted_out, source.as_str(), detail, now])?;
        if changed == 0 {
            return Err(StoreError::NotFound("identity"));
        }
        let threads = {
            let mut stmt = tx.prepare_cached("SELECT id FROM threads WHERE identity_id = ?1")?;
            crate::rows::collect(&mut stmt, [identity.0], |r| Ok(ThreadId(r.get(0)?)))?
        };
        tx.commit()?;
        Ok(threads)
    }

    /// Replies held for quiet hours whose release time has come go back to the queue (not
    /// waived: the usual re-checks run again before they leave). Each moves once, in one
    /// transaction; returns their threads.
    pub fn outbox_release_quiet(
        &mut self,
        account: AccountId,
        now: Millis,
    ) -> Result<Vec<ThreadId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let due: Vec<i64> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id FROM outbox
                 WHERE account_id = ?1 AND release_at IS NOT NULL AND release_at <= ?2
                   AND state = 'held' AND hold_reason = 'quietHours'
                 ORDER BY id",
            )?;
            crate::rows::collect(&mut stmt, params![account.0, now], |r| Ok(r.get(0)?))?
        };
        let mut threads = Vec::new();
        for id in due {
            let id = OutboxId(id);
            let item = load(&tx, id)?;
            require(id, &item, OutboxState::Queued, &[OutboxState::Held])?;
            tx.prepare_cached(
                "UPDATE outbox SET hold_reason = NULL, release_at = NULL, next_attempt_at = ?2
                 WHERE id = ?1",
            )?
            .execute(params![id.0, now])?;
            transition(
                &tx,
                id,
                &item,
                OutboxState::Queued,
                DeliveryState::Queued,
                None,
                now,
            )?;
            if !threads.contains(&item.thread_id) {
                threads.push(item.thread_id);
            }
        }
        tx.commit()?;
        Ok(threads)
    }

    /// The automated messages the caps dropped for the customer of `thread`, newest first:
    /// `(rule, note, when)`.
    pub fn automation_dropped(&self, thread: ThreadId) -> Result<Vec<(String, String, Millis)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.rule, d.note, d.dropped_at FROM automation_dropped d
             WHERE d.contact_id = (SELECT contact_id FROM threads WHERE id = ?1)
             ORDER BY d.dropped_at DESC, d.id DESC",
        )?;
        crate::rows::collect(&mut stmt, [thread.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
    }
}

/// The opt-out record of an identity row, from its three columns.
pub(crate) fn opt_record(
    opted_out: bool,
    source: Option<String>,
    detail: Option<String>,
    at: Option<Millis>,
) -> Option<OptOutRecord> {
    Some(OptOutRecord {
        opted_out,
        source: OptOutSource::parse(source.as_deref()?)?,
        detail,
        at: at?,
    })
}

/// Applies the opt-out / opt-in keywords among the inbound messages a batch stored, oldest first:
/// a whole message "STOP" (or an equivalent) opts the sender's identity out, "START" back in
/// (only when it was out). A record newer than the message wins (an agent's later mark).
/// Returns the threads whose customer changed.
pub(crate) fn apply_keyword_opts(
    tx: &Transaction<'_>,
    account: AccountId,
    inbound: &mut [(MessageId, &str, Millis)],
) -> Result<Vec<ThreadId>> {
    if inbound.is_empty() {
        return Ok(Vec::new());
    }
    let channel: Option<String> = tx
        .prepare_cached("SELECT channel FROM accounts WHERE id = ?1")?
        .query_row([account.0], |r| r.get(0))
        .optional()?;
    let Some(channel) = channel.as_deref().and_then(ChannelKind::parse) else {
        return Ok(Vec::new());
    };
    inbound.sort_by_key(|(id, _, at)| (*at, id.0));
    let mut changed = Vec::new();
    for (message, text, at) in inbound.iter() {
        let Some(word) = opt_keyword(channel, text) else {
            continue;
        };
        let out = word == OptKeyword::Out;
        let thread: Option<i64> = tx
            .prepare_cached(
                "UPDATE identities SET opted_out = ?2, opt_source = 'keyword', opt_detail = ?3,
                                       opt_at = ?4
                 WHERE id = (SELECT t.identity_id FROM messages m JOIN threads t ON t.id = m.thread_id
                             WHERE m.id = ?1)
                   AND (opt_at IS NULL OR opt_at <= ?4)
                   AND (?2 OR opted_out)
                 RETURNING (SELECT thread_id FROM messages WHERE id = ?1)",
            )?
            .query_row(params![message.0, out, text.trim(), at], |r| r.get(0))
            .optional()?;
        if let Some(thread) = thread.map(ThreadId)
            && !changed.contains(&thread)
        {
            changed.push(thread);
        }
    }
    Ok(changed)
}

/// Why an automated message to `contact` would pass the caps now, in words; `None` when it
/// may be queued. Counts what rules queued to this customer on any account (the ledger).
pub(crate) fn automated_over_cap(
    conn: &Connection,
    contact: i64,
    settings: &OutboundSettings,
    now: Millis,
) -> Result<Option<String>> {
    let (day, week): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(sent_at > ?2), 0), COUNT(*) FROM automation_ledger
             WHERE contact_id = ?1 AND sent_at > ?3 AND kind != 'faqBot'",
        )?
        .query_row(params![contact, now - DAY, now - WEEK], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(if day >= i64::from(settings.automated_per_day) {
        Some(format!(
            "Not sent: this customer already had {day} automated messages today (the cap is {} a day).",
            settings.automated_per_day
        ))
    } else if week >= i64::from(settings.automated_per_week) {
        Some(format!(
            "Not sent: this customer already had {week} automated messages this week (the cap is {} a week).",
            settings.automated_per_week
        ))
    } else {
        None
    })
}

/// Notes an automated message the caps dropped (the ledger's note; nothing is queued).
pub(crate) fn note_dropped(
    conn: &Connection,
    account: i64,
    contact: i64,
    thread: ThreadId,
    by: &AutomatedBy,
    note: &str,
    now: Millis,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO automation_dropped (account_id, contact_id, thread_id, kind, rule, note,
                                         dropped_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        account,
        contact,
        thread.0,
        by.kind.as_str(),
        by.rule,
        note,
        now
    ])?;
    Ok(())
}

/// For an agent's message in `thread` that is proactive (the customer has not written for
/// 24 h): why it would pass the caps, in words; `None` when it is no proactive message or
/// may go. Counts the agents' proactive messages that left to this customer on any account.
pub(crate) fn proactive_over_cap(
    tx: &Transaction<'_>,
    thread: ThreadId,
    message: i64,
    settings: &OutboundSettings,
    now: Millis,
) -> Result<Option<String>> {
    let (contact, last_inbound): (i64, Option<Millis>) = tx
        .prepare_cached(
            "SELECT t.contact_id,
                    (SELECT MAX(m.sent_at) FROM threads t2 JOIN messages m ON m.thread_id = t2.id
                      WHERE t2.contact_id = t.contact_id AND m.direction = 'inbound')
             FROM threads t WHERE t.id = ?1",
        )?
        .query_row([thread.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if last_inbound.is_some_and(|at| now - at < PROACTIVE_AFTER_MILLIS) {
        return Ok(None);
    }
    // An agent's message that left while the customer had not written for 24 h before it.
    let (day, week): (i64, i64) = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(m.sent_at > ?3), 0), COUNT(*)
             FROM threads t JOIN messages m ON m.thread_id = t.id
             WHERE t.contact_id = ?1 AND m.direction = 'outbound' AND m.automated_kind IS NULL
               AND m.id != ?2 AND m.sent_at > ?4
               AND m.delivery IN ('sent', 'delivered', 'read', 'sending', 'uncertain')
               AND NOT EXISTS (SELECT 1 FROM threads t2 JOIN messages i ON i.thread_id = t2.id
                                WHERE t2.contact_id = t.contact_id AND i.direction = 'inbound'
                                  AND i.sent_at <= m.sent_at AND i.sent_at > m.sent_at - ?5)",
        )?
        .query_row(
            params![
                contact,
                message,
                now - DAY,
                now - WEEK,
                PROACTIVE_AFTER_MILLIS
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    let over = if day >= i64::from(settings.proactive_per_day) {
        Some((day, "today", settings.proactive_per_day, "a day"))
    } else if week >= i64::from(settings.proactive_per_week) {
        Some((week, "this week", settings.proactive_per_week, "a week"))
    } else {
        None
    };
    Ok(over.map(|(n, when, cap, per)| {
        format!(
            "Held: the customer has not written for a day and already got {n} messages from you \
             {when} (the cap is {cap} {per}). Send anyway if it cannot wait, or discard it."
        )
    }))
}
