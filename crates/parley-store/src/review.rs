//! The manager's review list (issue 16): every conversation, filtered by period, channel,
//! account, status, label, priority, VIP, customer, words, "answered later than the target",
//! "not answered yet", who answered and "annotated"; ordered by start, wait, first response or
//! length, each keyset-paged on (key, id), never OFFSET. Also the measures each conversation
//! keeps (written by [`refresh_measures`]) and the transcript's pages.
//!
//! The measures (migration 26) are wall-clock durations between stored times, so daylight saving
//! changes nothing in them (only the metrics' days and hours are local; `metrics.rs`). They are
//! recomputed from the stored messages whenever the waiting time is (ingest, the outbox, email
//! threads joined), so a message arriving late (older than others) moves them where they belong.
//!
//! Seams left on purpose:
//! - Automated replies: [`HUMAN_REPLY`] is the one condition saying which business message is a
//!   human answer: outbound and not sent by a rule (greeting, away, FAQ bot, spike
//!   acknowledgement: `automated_kind`).
//! - Business hours: the measures are wall-clock; "slower than the target" counts open hours
//!   only when the filter asks (`business_hours`), through the calendar the core registers
//!   (`open_hours.rs`): the closed time between the customer's first message and the answer
//!   (or now) is left out at query time, so changing the schedule needs no rewrite.
//! - Agents: `first_responder` holds the name written on the first answer (the local agent
//!   today); more agents need no new column.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use crate::text::fts_query;
use parley_domain::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// Which business message counts as a human answer (see the module doc's seam).
pub(crate) const HUMAN_REPLY: &str = "m.direction = 'outbound' AND m.automated_kind IS NULL";

/// Pages bigger than this are a caller bug.
const MAX_PAGE: u32 = 500;

/// The settings key of the first-response targets (JSON: channel → minutes).
pub const TARGETS_KEY: &str = "review.targets";

/// The target of a channel nobody set one for ([`ChannelKind::default_response_target_minutes`]).
pub fn default_target_minutes(channel: ChannelKind) -> i64 {
    channel.default_response_target_minutes()
}

/// Every channel's target, the defaults where none was set.
pub fn targets_from_json(json: Option<&str>) -> Vec<ResponseTarget> {
    let set: std::collections::HashMap<String, i64> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    ChannelKind::ALL
        .iter()
        .map(|&channel| ResponseTarget {
            channel,
            minutes: set
                .get(channel.as_str())
                .copied()
                .filter(|m| *m > 0)
                .unwrap_or_else(|| default_target_minutes(channel)),
        })
        .collect()
}

/// SQL giving the target of `a.channel` in milliseconds (the targets are numbers, written in).
pub(crate) fn target_ms_sql(targets: &[ResponseTarget]) -> String {
    if targets.is_empty() {
        return "1800000".into();
    }
    let mut sql = String::from("(CASE a.channel");
    for t in targets {
        sql.push_str(&format!(
            " WHEN '{}' THEN {}",
            t.channel.as_str(),
            t.minutes.max(1) * 60_000
        ));
    }
    sql.push_str(" ELSE 1800000 END)");
    sql
}

/// SQL: whether `t`'s first answer came (or, unanswered, is) later than its `target` at `now`;
/// counted in the open hours of `parley_open_ms` ([`Store::set_open_hours`]) when
/// `business_hours`, else in wall-clock time.
fn late_sql(business_hours: bool, target: &str, now: Millis) -> String {
    if business_hours {
        format!(
            "(t.first_inbound_at IS NOT NULL AND {f}(t.account_id, t.first_inbound_at, COALESCE(t.first_response_at, {now})) > {target})",
            f = crate::open_hours::OPEN_MS_FN
        )
    } else {
        format!(
            "(t.first_inbound_at IS NOT NULL AND COALESCE(t.first_response_ms, {now} - t.first_inbound_at) > {target})"
        )
    }
}

/// Recomputes a conversation's measures from its messages: its start, the customer's first
/// message, the first human answer at or after it (and who wrote it).
pub(crate) fn refresh_measures(conn: &Connection, thread: ThreadId) -> Result<()> {
    let started: Option<Millis> = conn
        .prepare_cached(
            "SELECT sent_at FROM messages WHERE thread_id = ?1 ORDER BY sent_at, id LIMIT 1",
        )?
        .query_row([thread.0], |r| r.get(0))
        .optional()?;
    let first_in: Option<Millis> = conn
        .prepare_cached(
            "SELECT sent_at FROM messages WHERE thread_id = ?1 AND direction = 'inbound'
             ORDER BY sent_at, id LIMIT 1",
        )?
        .query_row([thread.0], |r| r.get(0))
        .optional()?;
    let answer: Option<(Millis, String)> = match first_in {
        None => None,
        Some(at) => conn
            .prepare_cached(&format!(
                "SELECT m.sent_at, m.author_name FROM messages m
                 WHERE m.thread_id = ?1 AND {HUMAN_REPLY} AND m.sent_at >= ?2
                 ORDER BY m.sent_at, m.id LIMIT 1"
            ))?
            .query_row(params![thread.0, at], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    };
    let (answered_at, responder) = answer.unzip();
    let response_ms = answered_at.zip(first_in).map(|(a, f)| a - f);
    conn.prepare_cached(
        "UPDATE threads SET started_at = ?2, first_inbound_at = ?3, first_response_at = ?4,
                            first_response_ms = ?5, first_responder = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        thread.0,
        started,
        first_in,
        answered_at,
        response_ms,
        responder
    ])?;
    Ok(())
}

/// SQL: a conversation's first response time, in wall-clock time (kept on the row) or, when
/// `business_hours`, in the open hours of its account's schedule (computed at query time like
/// [`late_sql`]; sorting on it then walks every conversation the filter keeps).
fn first_response_sql(business_hours: bool) -> String {
    if business_hours {
        format!(
            "(CASE WHEN t.first_response_at IS NULL OR t.first_inbound_at IS NULL THEN NULL \
              ELSE {f}(t.account_id, t.first_inbound_at, t.first_response_at) END)",
            f = crate::open_hours::OPEN_MS_FN
        )
    } else {
        "t.first_response_ms".into()
    }
}

/// The review row's columns, the first response time given as `first_response`.
fn review_columns(first_response: &str) -> String {
    format!(
        "t.id, t.account_id, a.channel, a.name, t.contact_id, c.display_name, t.status, \
         t.priority, c.vip, \
         (SELECT group_concat(tl.label_id) FROM thread_labels tl WHERE tl.thread_id = t.id), \
         t.snippet, t.started_at, t.last_activity_at, {first_response}, t.first_responder, \
         t.waiting_since, t.resolved_at, t.message_count, \
         (SELECT COUNT(*) FROM annotations n WHERE n.thread_id = t.id) \
           + (SELECT COUNT(*) FROM checklist_scores s WHERE s.thread_id = t.id)"
    )
}

/// The sort key's expression (`first_response` for the first response time) and whether
/// "largest first" walks it upwards.
fn sort_key(sort: ReviewSort, first_response: &str) -> (String, bool) {
    match sort {
        ReviewSort::Date => ("t.started_at".into(), false),
        // The longest wait is the oldest `waiting_since`.
        ReviewSort::Wait => ("t.waiting_since".into(), true),
        ReviewSort::FirstResponse => (first_response.into(), false),
        ReviewSort::Length => ("t.message_count".into(), false),
    }
}

fn review_row(r: &rusqlite::Row<'_>, slow: bool) -> Result<ReviewRow> {
    Ok(ReviewRow {
        thread_id: ThreadId(r.get(0)?),
        account_id: AccountId(r.get(1)?),
        channel: rows::channel(&r.get::<_, String>(2)?)?,
        account_name: r.get(3)?,
        contact_id: ContactId(r.get(4)?),
        contact_name: r.get(5)?,
        status: rows::status(&r.get::<_, String>(6)?)?,
        priority: r.get(7)?,
        vip: r.get(8)?,
        labels: rows::label_ids(r.get(9)?)?,
        snippet: r.get(10)?,
        started_at: r.get(11)?,
        last_activity_at: r.get(12)?,
        first_response_ms: r.get(13)?,
        first_responder: r.get(14)?,
        waiting_since: r.get(15)?,
        resolved_at: r.get(16)?,
        message_count: r.get(17)?,
        annotations: r.get(18)?,
        slow,
    })
}

/// The review query for `filter`: its SQL and parameters (the page's keyset and limit last).
fn review_sql(
    filter: &ReviewFilter,
    targets: &[ResponseTarget],
    now: Millis,
    after: Option<ReviewCursor>,
    limit: Option<u32>,
    words: WordsPlan,
) -> Result<(String, Vec<Value>)> {
    let target = target_ms_sql(targets);
    let late = late_sql(filter.business_hours, &target, now);
    let first_response = first_response_sql(filter.business_hours);
    let mut sql = format!(
        concat!(
            "SELECT {columns}",
            // CROSS JOIN: conversations are the outer loop, walked on the order's index; the
            // unary `+` below keeps a condition from choosing another index and sorting.
            ", {late} FROM threads t CROSS JOIN accounts a ON a.id = t.account_id",
            " CROSS JOIN contacts c ON c.id = t.contact_id WHERE t.started_at IS NOT NULL"
        ),
        columns = review_columns(&first_response),
        late = late
    );
    let mut p: Vec<Value> = Vec::new();
    let list = |n: usize| vec!["?"; n].join(", ");
    if let Some(from) = filter.from {
        sql.push_str(" AND t.started_at >= ?");
        p.push(Value::Integer(from));
    }
    if let Some(to) = filter.to {
        sql.push_str(" AND t.started_at < ?");
        p.push(Value::Integer(to));
    }
    if !filter.channels.is_empty() {
        sql.push_str(&format!(
            " AND +t.account_id IN (SELECT id FROM accounts WHERE channel IN ({}))",
            list(filter.channels.len())
        ));
        p.extend(
            filter
                .channels
                .iter()
                .map(|c| Value::Text(c.as_str().into())),
        );
    }
    if !filter.accounts.is_empty() {
        sql.push_str(&format!(
            " AND +t.account_id IN ({})",
            list(filter.accounts.len())
        ));
        p.extend(filter.accounts.iter().map(|a| Value::Integer(a.0)));
    }
    if !filter.statuses.is_empty() {
        sql.push_str(&format!(
            " AND +t.status IN ({})",
            list(filter.statuses.len())
        ));
        p.extend(
            filter
                .statuses
                .iter()
                .map(|s| Value::Text(s.as_str().into())),
        );
    }
    if !filter.labels.is_empty() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM thread_labels tl WHERE tl.thread_id = t.id AND tl.label_id IN ({}))",
            list(filter.labels.len())
        ));
        p.extend(filter.labels.iter().map(|l| Value::Integer(l.0)));
    }
    if let Some(min) = filter.min_priority {
        sql.push_str(" AND +t.priority >= ?");
        p.push(Value::Integer(min));
    }
    if filter.vip_only {
        sql.push_str(" AND c.vip <> 0");
    }
    if let Some(contact) = filter.contact {
        sql.push_str(" AND t.contact_id = ?");
        p.push(Value::Integer(contact.0));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        match (fts_query(text), words) {
            // A rare word: the conversations of its messages, listed once (the cost grows with
            // the matching messages).
            (Some(q), WordsPlan::Rare) => {
                sql.push_str(
                    " AND t.id IN (SELECT m.thread_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
                                    WHERE messages_fts MATCH ?)",
                );
                p.push(Value::Text(q));
            }
            // A common word: the conversations are walked on the order's index and each is
            // checked against the matching messages' ids, gathered once into a temporary index
            // (no lookup per match; the walk stops at the page's end). `+m.id` keeps the
            // planner from searching messages by id for every id of the list.
            (Some(q), WordsPlan::Common) => {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id
                                  AND +m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))",
                );
                p.push(Value::Text(q));
            }
            // Nothing searchable in the words: nothing matches them.
            (None, _) => sql.push_str(" AND 0"),
        }
    }
    if filter.slow_only {
        sql.push_str(&format!(" AND {late}"));
    }
    if filter.unanswered_only {
        sql.push_str(" AND t.first_inbound_at IS NOT NULL AND t.first_response_at IS NULL");
    }
    if let Some(who) = filter.responder.as_deref().filter(|w| !w.is_empty()) {
        sql.push_str(" AND t.first_responder = ?");
        p.push(Value::Text(who.into()));
    }
    if filter.annotated_only {
        sql.push_str(
            " AND (EXISTS (SELECT 1 FROM annotations n WHERE n.thread_id = t.id)
                   OR EXISTS (SELECT 1 FROM checklist_scores s WHERE s.thread_id = t.id))",
        );
    }
    let (key, inverted) = sort_key(filter.sort, &first_response);
    sql.push_str(&format!(" AND {key} IS NOT NULL"));
    let down = filter.descending != inverted;
    let (cmp, dir) = if down { ("<", "DESC") } else { (">", "ASC") };
    if let Some(c) = after {
        sql.push_str(&format!(" AND ({key}, t.id) {cmp} (?, ?)"));
        p.push(Value::Integer(c.key));
        p.push(Value::Integer(c.id));
    }
    sql.push_str(&format!(" ORDER BY {key} {dir}, t.id {dir}"));
    if let Some(limit) = limit {
        sql.push_str(" LIMIT ?");
        p.push(Value::Integer(i64::from(limit)));
    }
    Ok((sql, p))
}

/// How the words filter finds its conversations (see [`words_plan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordsPlan {
    /// From the matching messages to their conversations.
    Rare,
    /// From the conversations, in the list's order, to a check of their messages.
    Common,
}

/// Matching messages from which the words are "common". Measured on the bench workspace (1M
/// messages, 100k conversations, first page of 50): listing the conversations of the matches
/// costs ~4 µs a match (5–10 ms at 1.2k, 26–31 ms at 7k, ~200 ms at 135k), walking the order and
/// checking each conversation costs 5–9 ms at 7k and 47–70 ms at 135k but walks most
/// conversations when few match (14–35 ms at 1.2k, ~0.2 s at 100). They cross near 3k.
pub(crate) const COMMON_WORDS: i64 = 3_000;

/// Which plan the words of `filter` take: their matching messages counted up to
/// [`COMMON_WORDS`] (a few milliseconds).
pub(crate) fn words_plan(conn: &Connection, filter: &ReviewFilter) -> Result<WordsPlan> {
    let Some(q) = filter.text.as_deref().and_then(fts_query) else {
        return Ok(WordsPlan::Rare);
    };
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)",
        )?
        .query_row(params![q, COMMON_WORDS], |r| r.get(0))?;
    Ok(if n >= COMMON_WORDS {
        WordsPlan::Common
    } else {
        WordsPlan::Rare
    })
}

fn key_of(sort: ReviewSort, r: &ReviewRow) -> i64 {
    match sort {
        ReviewSort::Date => r.started_at.unwrap_or(0),
        ReviewSort::Wait => r.waiting_since.unwrap_or(0),
        ReviewSort::FirstResponse => r.first_response_ms.unwrap_or(0),
        ReviewSort::Length => r.message_count,
    }
}

impl Store {
    /// One page of the review list. Pass the returned `next` back for the following page.
    pub fn review_page(
        &self,
        filter: &ReviewFilter,
        targets: &[ResponseTarget],
        now: Millis,
        after: Option<ReviewCursor>,
        limit: u32,
    ) -> Result<ReviewPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "page size {limit} is outside 1..={MAX_PAGE}"
            )));
        }
        let words = words_plan(&self.conn, filter)?;
        let (sql, p) = review_sql(filter, targets, now, after, Some(limit + 1), words)?;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = rows::collect(&mut stmt, params_from_iter(p), |r| {
            review_row(r, r.get(19)?)
        })?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|r| ReviewCursor {
                key: key_of(filter.sort, r),
                id: r.thread_id.0,
            })
        } else {
            None
        };
        Ok(ReviewPage { rows, next })
    }

    /// Every conversation `filter` matches, in its order, `batch` at a time (exports walk it
    /// without holding the whole result).
    pub fn review_ids(
        &self,
        filter: &ReviewFilter,
        targets: &[ResponseTarget],
        now: Millis,
        after: Option<ReviewCursor>,
        batch: u32,
    ) -> Result<(Vec<ThreadId>, Option<ReviewCursor>)> {
        let page = self.review_page(filter, targets, now, after, batch.clamp(1, MAX_PAGE))?;
        Ok((page.rows.iter().map(|r| r.thread_id).collect(), page.next))
    }

    /// One conversation as the review list shows it: its first response time and "slower than
    /// the target" counted in business hours when `business_hours` (the calendar registered
    /// with [`Store::set_open_hours`]), else in wall-clock time.
    pub fn review_row(
        &self,
        thread: ThreadId,
        targets: &[ResponseTarget],
        now: Millis,
        business_hours: bool,
    ) -> Result<Option<ReviewRow>> {
        let target = target_ms_sql(targets);
        let sql = format!(
            concat!(
                "SELECT {columns}, {late}",
                " FROM threads t JOIN accounts a ON a.id = t.account_id",
                " JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?1"
            ),
            columns = review_columns(&first_response_sql(business_hours)),
            late = late_sql(business_hours, &target, now),
        );
        let mut stmt = self.conn.prepare(&sql)?;
        rows::first(&mut stmt, params![thread.0], |r| review_row(r, r.get(19)?))
    }

    /// The messages of `threads` after the cursor, oldest first, `limit` at most.
    pub fn transcript_page(
        &self,
        threads: &[ThreadId],
        after: Option<PageCursor>,
        limit: u32,
    ) -> Result<TranscriptPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "page size {limit} is outside 1..={MAX_PAGE}"
            )));
        }
        if threads.is_empty() {
            return Ok(TranscriptPage {
                messages: Vec::new(),
                next: None,
            });
        }
        let sql = format!(
            concat!(
                "SELECT ",
                message_columns!(),
                ", a.channel AS account_channel, a.name AS account_name",
                " FROM messages m JOIN threads t ON t.id = m.thread_id",
                " JOIN accounts a ON a.id = t.account_id",
                " WHERE m.thread_id IN ({}) AND (m.sent_at, m.id) > (?, ?)",
                " ORDER BY m.sent_at, m.id LIMIT ?"
            ),
            vec!["?"; threads.len()].join(", ")
        );
        let mut p: Vec<Value> = threads.iter().map(|t| Value::Integer(t.0)).collect();
        let (at, id) = after.map_or((i64::MIN, i64::MIN), |c| (c.at, c.id));
        p.extend([
            Value::Integer(at),
            Value::Integer(id),
            Value::Integer(i64::from(limit) + 1),
        ]);
        let mut stmt = self.conn.prepare(&sql)?;
        let mut messages = rows::collect(&mut stmt, params_from_iter(p), |r| {
            let message = rows::message_view(r)?;
            Ok(TranscriptMessage {
                // A rule's message (greeting, away, FAQ bot, spike acknowledgement) is the bot's.
                author_kind: author_kind(message.direction, message.automated.is_some()),
                channel: rows::channel(&r.get::<_, String>("account_channel")?)?,
                account_name: r.get("account_name")?,
                message,
            })
        })?;
        let next = if messages.len() > limit as usize {
            messages.truncate(limit as usize);
            messages.last().map(|m| PageCursor {
                at: m.message.sent_at,
                id: m.message.id.0,
            })
        } else {
            None
        };
        Ok(TranscriptPage { messages, next })
    }

    /// The names that answered conversations first (for the "answered by" filter).
    pub fn responders(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT first_responder FROM threads WHERE first_responder IS NOT NULL
             ORDER BY first_responder LIMIT 200",
        )?;
        rows::collect(&mut stmt, [], |r| Ok(r.get(0)?))
    }
}

#[cfg(test)]
#[path = "review_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "review_words_tests.rs"]
mod words_tests;

impl Store {
    /// The conversation of an account with the provider's key `remote`, if stored.
    pub fn thread_by_remote(&self, account: AccountId, remote: &str) -> Result<Option<ThreadId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM threads WHERE account_id = ?1 AND remote_thread_id = ?2",
            )?
            .query_row(params![account.0, remote], |r| r.get(0))
            .optional()?
            .map(ThreadId))
    }

    /// Marks conversations resolved at the given times, in one transaction, each with its
    /// `resolved` status event (the demo's seeded history; `workflow.rs` is the agent's path).
    pub fn seed_resolved(&mut self, threads: &[(ThreadId, Millis)]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for &(thread, at) in threads {
            tx.prepare_cached(
                "UPDATE threads SET status = 'resolved', snoozed_until = NULL WHERE id = ?1",
            )?
            .execute([thread.0])?;
            crate::workflow::record_event(&tx, thread, at, &ThreadEventKind::Resolved)?;
        }
        tx.commit()?;
        Ok(())
    }
}
