//! The FAQ bot's tables (migration 24): the owner's rules and each conversation's session with
//! the bot. What the bot decides is in `parley-core/src/bot/`; here it is read in one go
//! ([`Store::bot_context`]) and applied in one transaction with the messages it queues through
//! the automation primitive ([`Store::apply_bot_turn`], `automation::queue_automated_in`), whose
//! ledger its per-customer rate limit counts.

use crate::Store;
use crate::automation::AutomatedQueued;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The priority a conversation handed to a person has at least (high).
pub const HANDOFF_PRIORITY: i64 = 3;

const RULE_COLUMNS: &str = "r.id, r.position, r.name, r.enabled, r.phrases, r.saved_reply_id, \
     r.steps, r.updated_at, s.title";

fn rule_of(r: &rusqlite::Row<'_>) -> Result<FaqRule> {
    let phrases: String = r.get(4)?;
    let steps: String = r.get(6)?;
    let corrupt =
        |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("FAQ rule {what}: {e}"));
    Ok(FaqRule {
        id: FaqRuleId(r.get(0)?),
        position: r.get(1)?,
        rule: FaqRuleInput {
            name: r.get(2)?,
            enabled: r.get(3)?,
            phrases: serde_json::from_str(&phrases).map_err(|e| corrupt("phrases", e))?,
            saved_reply_id: r.get::<_, Option<i64>>(5)?.map(SavedReplyId),
            steps: serde_json::from_str(&steps).map_err(|e| corrupt("steps", e))?,
        },
        updated_at: r.get(7)?,
        saved_reply_title: r.get(8)?,
    })
}

fn rule_by_id(conn: &Connection, id: FaqRuleId) -> Result<FaqRule> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM faq_rules r LEFT JOIN saved_replies s ON s.id = r.saved_reply_id
         WHERE r.id = ?1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id.0])?;
    match rows.next()? {
        Some(r) => rule_of(r),
        None => Err(StoreError::NotFound("FAQ rule")),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn check_reply(conn: &Connection, reply: Option<SavedReplyId>) -> Result<()> {
    if let Some(id) = reply {
        conn.prepare_cached("SELECT 1 FROM saved_replies WHERE id = ?1")?
            .query_row([id.0], |_| Ok(()))
            .optional()?
            .ok_or(StoreError::NotFound("saved reply"))?;
    }
    Ok(())
}

/// A conversation's row in `bot_sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotSessionRow {
    /// The session (JSON, the core's) while the bot asks a rule's questions.
    pub session: Option<String>,
    pub handed_off_at: Option<Millis>,
    pub last_message_id: MessageId,
}

/// An inbound message the bot has not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotPending {
    pub message: MessageId,
    pub text: String,
    pub sent_at: Millis,
}

/// Everything the bot reads about a conversation before deciding, in one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotContext {
    pub account: AccountId,
    /// The bot is on for the account (`bot_accounts`).
    pub bot_on: bool,
    pub channel: ChannelKind,
    pub contact: ContactId,
    pub contact_name: String,
    pub contact_blocked: bool,
    pub owner: Option<ThreadOwner>,
    /// When a person (not the bot) last wrote to the customer here.
    pub agent_wrote_at: Option<Millis>,
    pub session: Option<BotSessionRow>,
    /// Messages the bot queued for this customer on this account since the caller's
    /// `hour_since` (the automation ledger).
    pub bot_sends_since: i64,
    /// The customer's messages after the last one the bot read (oldest first, at most
    /// [`PENDING_MAX`]), sent at `fresh_since` or later.
    pub pending: Vec<BotPending>,
}

/// The most unread messages the bot looks at in one go.
pub const PENDING_MAX: i64 = 20;

/// A decision of the bot, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotTurn {
    pub thread: ThreadId,
    pub contact: ContactId,
    /// The inbound message read; a turn for a message not newer than the last one read is
    /// refused ([`StoreError::Conflict`]).
    pub message: MessageId,
    /// The session after this message (JSON).
    pub session: Option<String>,
    pub handed_off: bool,
    /// Attributes to keep on the customer (key, text value).
    pub keep: Vec<(String, String)>,
    /// The note a person finds (a hand off).
    pub note: Option<String>,
}

impl BotTurn {
    /// A turn that changes nothing but the message read (and ends any session).
    pub fn new(thread: ThreadId, contact: ContactId, message: MessageId) -> Self {
        Self {
            thread,
            contact,
            message,
            session: None,
            handed_off: false,
            keep: Vec::new(),
            note: None,
        }
    }
}

impl Store {
    /// Every FAQ rule, in their order.
    pub fn faq_rules(&self) -> Result<Vec<FaqRule>> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM faq_rules r
             LEFT JOIN saved_replies s ON s.id = r.saved_reply_id ORDER BY r.position, r.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        rows::collect(&mut stmt, [], rule_of)
    }

    /// Adds a rule after the others. `input` was checked by the caller.
    pub fn create_faq_rule(&mut self, input: &FaqRuleInput, now: Millis) -> Result<FaqRule> {
        let tx = self.conn.transaction()?;
        check_reply(&tx, input.saved_reply_id)?;
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO faq_rules (position, name, enabled, phrases, saved_reply_id, steps,
                                        updated_at)
                 VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM faq_rules),
                         ?1, ?2, ?3, ?4, ?5, ?6)
                 RETURNING id",
            )?
            .query_row(
                params![
                    input.name,
                    input.enabled,
                    json(&input.phrases)?,
                    input.saved_reply_id.map(|r| r.0),
                    json(&input.steps)?,
                    now
                ],
                |r| r.get(0),
            )?;
        let rule = rule_by_id(&tx, FaqRuleId(id))?;
        tx.commit()?;
        Ok(rule)
    }

    pub fn update_faq_rule(
        &mut self,
        id: FaqRuleId,
        input: &FaqRuleInput,
        now: Millis,
    ) -> Result<FaqRule> {
        let tx = self.conn.transaction()?;
        check_reply(&tx, input.saved_reply_id)?;
        let changed = tx
            .prepare_cached(
                "UPDATE faq_rules SET name = ?2, enabled = ?3, phrases = ?4, saved_reply_id = ?5,
                                      steps = ?6, updated_at = ?7
                 WHERE id = ?1",
            )?
            .execute(params![
                id.0,
                input.name,
                input.enabled,
                json(&input.phrases)?,
                input.saved_reply_id.map(|r| r.0),
                json(&input.steps)?,
                now
            ])?;
        if changed == 0 {
            return Err(StoreError::NotFound("FAQ rule"));
        }
        let rule = rule_by_id(&tx, id)?;
        tx.commit()?;
        Ok(rule)
    }

    /// Deletes a rule; sessions on it end when the customer next writes.
    pub fn delete_faq_rule(&mut self, id: FaqRuleId) -> Result<()> {
        let gone = self
            .conn
            .prepare_cached("DELETE FROM faq_rules WHERE id = ?1")?
            .execute([id.0])?;
        if gone == 0 {
            return Err(StoreError::NotFound("FAQ rule"));
        }
        Ok(())
    }

    /// Moves a rule one place up (`-1`) or down (`1`) in the order; answers them all.
    pub fn move_faq_rule(&mut self, id: FaqRuleId, by: i64) -> Result<Vec<FaqRule>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = {
            let mut stmt = tx.prepare_cached("SELECT id FROM faq_rules ORDER BY position, id")?;
            rows::collect(&mut stmt, [], |r| Ok(r.get(0)?))?
        };
        let mut ids = ids;
        let at = ids
            .iter()
            .position(|&i| i == id.0)
            .ok_or(StoreError::NotFound("FAQ rule"))?;
        let to = (at as i64 + by).clamp(0, ids.len() as i64 - 1) as usize;
        let moved = ids.remove(at);
        ids.insert(to, moved);
        for (position, rule) in ids.iter().enumerate() {
            tx.prepare_cached("UPDATE faq_rules SET position = ?2 WHERE id = ?1")?
                .execute(params![rule, position as i64 + 1])?;
        }
        tx.commit()?;
        self.faq_rules()
    }

    /// The accounts the bot answers on.
    pub fn bot_accounts(&self) -> Result<Vec<AccountId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT account_id FROM bot_accounts ORDER BY account_id")?;
        rows::collect(&mut stmt, [], |r| Ok(AccountId(r.get(0)?)))
    }

    /// Saves the bot's settings in one transaction: `json` under `key` and the accounts it
    /// answers on (those that exist); answers the accounts kept.
    pub fn set_bot_settings(
        &mut self,
        key: &str,
        json: &str,
        accounts: &[AccountId],
        now: Millis,
    ) -> Result<Vec<AccountId>> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )?
        .execute(params![key, json, now])?;
        tx.prepare_cached("DELETE FROM bot_accounts")?.execute([])?;
        for a in accounts {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO bot_accounts (account_id) SELECT id FROM accounts WHERE id = ?1",
            )?
            .execute([a.0])?;
        }
        tx.commit()?;
        self.bot_accounts()
    }

    /// What the bot needs to decide about `thread`'s new messages; `None` when it is gone.
    pub fn bot_context(
        &self,
        thread: ThreadId,
        hour_since: Millis,
        fresh_since: Millis,
    ) -> Result<Option<BotContext>> {
        let head = self
            .conn
            .prepare_cached(
                "SELECT t.account_id, a.channel, t.contact_id, c.display_name, c.blocked, t.owner,
                        t.owner_app_id,
                        EXISTS (SELECT 1 FROM bot_accounts b WHERE b.account_id = t.account_id)
                 FROM threads t JOIN accounts a ON a.id = t.account_id
                 JOIN contacts c ON c.id = t.contact_id
                 WHERE t.id = ?1",
            )?
            .query_row([thread.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, bool>(7)?,
                ))
            })
            .optional()?;
        let Some((account, channel, contact, contact_name, blocked, owner, owner_app, bot_on)) =
            head
        else {
            return Ok(None);
        };
        let agent_wrote_at: Option<Millis> = self
            .conn
            .prepare_cached(
                "SELECT m.sent_at FROM messages m
                 WHERE m.thread_id = ?1 AND m.direction = 'outbound'
                   AND m.automated_kind IS NULL
                 ORDER BY m.sent_at DESC LIMIT 1",
            )?
            .query_row([thread.0], |r| r.get(0))
            .optional()?;
        let session = self
            .conn
            .prepare_cached(
                "SELECT session, handed_off_at, last_message_id FROM bot_sessions
                 WHERE thread_id = ?1",
            )?
            .query_row([thread.0], |r| {
                Ok(BotSessionRow {
                    session: r.get(0)?,
                    handed_off_at: r.get(1)?,
                    last_message_id: MessageId(r.get(2)?),
                })
            })
            .optional()?;
        let bot_sends_since: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM automation_ledger
                 WHERE account_id = ?1 AND contact_id = ?2 AND kind = ?3 AND sent_at >= ?4",
            )?
            .query_row(
                params![
                    account,
                    contact,
                    AutomationKind::FaqBot.as_str(),
                    hour_since
                ],
                |r| r.get(0),
            )?;
        let read_upto = session.as_ref().map_or(0, |s| s.last_message_id.0);
        let pending = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, text, sent_at FROM messages
                 WHERE thread_id = ?1 AND direction = 'inbound' AND id > ?2 AND sent_at >= ?3
                 ORDER BY id LIMIT ?4",
            )?;
            rows::collect(
                &mut stmt,
                params![thread.0, read_upto, fresh_since, PENDING_MAX],
                |r| {
                    Ok(BotPending {
                        message: MessageId(r.get(0)?),
                        text: r.get(1)?,
                        sent_at: r.get(2)?,
                    })
                },
            )?
        };
        Ok(Some(BotContext {
            account: AccountId(account),
            bot_on,
            channel: ChannelKind::parse(&channel)
                .ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
            contact: ContactId(contact),
            contact_name,
            contact_blocked: blocked,
            owner: rows::thread_owner(owner, owner_app)?,
            agent_wrote_at,
            session,
            bot_sends_since,
            pending,
        }))
    }

    /// Applies a decision of the bot in one transaction: the session, the attributes kept, the
    /// hand off (note, priority raised to at least [`HANDOFF_PRIORITY`]) and `texts` queued in
    /// the outbox as automated messages by `by` (the automation primitive, its ledger
    /// included). Answers their messages' ids; `None`, with nothing written, when the message
    /// was already read.
    pub fn apply_bot_turn(
        &mut self,
        turn: &BotTurn,
        texts: &[String],
        by: &AutomatedBy,
        now: Millis,
    ) -> Result<Option<Vec<MessageId>>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let read: Option<i64> = tx
            .prepare_cached("SELECT last_message_id FROM bot_sessions WHERE thread_id = ?1")?
            .query_row([turn.thread.0], |r| r.get(0))
            .optional()?;
        if read.is_some_and(|last| last >= turn.message.0) {
            return Ok(None);
        }
        tx.prepare_cached(
            "INSERT INTO bot_sessions (thread_id, session, handed_off_at, last_message_id, updated_at)
             VALUES (?1, ?2, CASE WHEN ?3 THEN ?5 END, ?4, ?5)
             ON CONFLICT (thread_id) DO UPDATE SET
                session = excluded.session,
                handed_off_at = COALESCE(excluded.handed_off_at, bot_sessions.handed_off_at),
                last_message_id = excluded.last_message_id,
                updated_at = excluded.updated_at",
        )?
        .execute(params![
            turn.thread.0,
            turn.session,
            turn.handed_off,
            turn.message.0,
            now
        ])?;
        for (key, value) in &turn.keep {
            let attribute = crate::notes::checked_attribute(&ContactAttribute {
                key: key.clone(),
                kind: AttributeKind::Text,
                value: value.clone(),
            })?;
            tx.prepare_cached(
                "INSERT INTO contact_attributes (contact_id, key, kind, value, updated_at)
                 VALUES (?1, ?2, 'text', ?3, ?4)
                 ON CONFLICT (contact_id, key) DO UPDATE
                    SET key = excluded.key, kind = excluded.kind, value = excluded.value,
                        updated_at = excluded.updated_at",
            )?
            .execute(params![turn.contact.0, attribute.key, attribute.value, now])?;
        }
        if let Some(note) = &turn.note {
            tx.prepare_cached(
                "INSERT INTO notes (contact_id, body, author, created_at) VALUES (?1, ?2, 'Bot', ?3)",
            )?
            .execute(params![turn.contact.0, note, now])?;
        }
        if turn.handed_off {
            tx.prepare_cached("UPDATE threads SET priority = max(priority, ?2) WHERE id = ?1")?
                .execute(params![turn.thread.0, HANDOFF_PRIORITY])?;
        }
        let mut sent = Vec::with_capacity(texts.len());
        for text in texts {
            match crate::automation::queue_automated_in(&tx, turn.thread, text, by, None, now)? {
                AutomatedQueued::Queued(q) => sent.push(q.message.id),
                AutomatedQueued::AlreadySent { .. } | AutomatedQueued::Capped { .. } => {}
            }
        }
        tx.commit()?;
        Ok(Some(sent))
    }
}

#[cfg(test)]
mod tests;
