//! A manager's annotations (issue 16): private notes on a message of a conversation (with the
//! words highlighted), and the conversation's scores on the manager's checklist (yes/no or 1 to
//! 5). Nothing here is ever sent: no outbox, draft or channel reads these tables.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, TransactionBehavior, params, params_from_iter};

/// Longest annotation and highlight, in characters.
const MAX_BODY: usize = 4000;
const MAX_QUOTE: usize = 1000;
const MAX_LABEL: usize = 80;
const MAX_ITEMS: i64 = 20;

macro_rules! annotation_columns {
    () => {
        "n.id, n.thread_id, n.message_id, n.quote, n.body, n.author, n.created_at, \
         n.updated_at, c.display_name, a.channel"
    };
}

fn annotation(r: &rusqlite::Row<'_>) -> Result<Annotation> {
    Ok(Annotation {
        id: r.get(0)?,
        thread_id: ThreadId(r.get(1)?),
        message_id: r.get::<_, Option<i64>>(2)?.map(MessageId),
        quote: r.get(3)?,
        body: r.get(4)?,
        author: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        contact_name: r.get(8)?,
        channel: rows::channel(&r.get::<_, String>(9)?)?,
    })
}

fn kind_str(k: ChecklistKind) -> &'static str {
    match k {
        ChecklistKind::YesNo => "yesNo",
        ChecklistKind::Scale => "scale",
    }
}

fn kind_of(s: &str) -> Result<ChecklistKind> {
    match s {
        "yesNo" => Ok(ChecklistKind::YesNo),
        "scale" => Ok(ChecklistKind::Scale),
        _ => Err(StoreError::Corrupt(format!("checklist kind {s:?}"))),
    }
}

fn checked_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(StoreError::Invalid("an annotation needs some words".into()));
    }
    if body.chars().count() > MAX_BODY {
        return Err(StoreError::Invalid(format!(
            "an annotation is at most {MAX_BODY} characters"
        )));
    }
    Ok(body.to_owned())
}

impl Store {
    /// Adds a manager's annotation; the message (if any) must belong to the conversation.
    pub fn add_annotation(
        &mut self,
        input: &AnnotationInput,
        author: &str,
        now: Millis,
    ) -> Result<Annotation> {
        let body = checked_body(&input.body)?;
        let quote: String = input.quote.trim().chars().take(MAX_QUOTE).collect();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::threads::ensure_thread(&tx, input.thread_id)?;
        if let Some(m) = input.message_id {
            let ok = tx
                .prepare_cached("SELECT 1 FROM messages WHERE id = ?1 AND thread_id = ?2")?
                .exists(params![m.0, input.thread_id.0])?;
            if !ok {
                return Err(StoreError::NotFound("message in this conversation"));
            }
        }
        tx.prepare_cached(
            "INSERT INTO annotations (thread_id, message_id, quote, body, author, created_at,
                                      updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![
            input.thread_id.0,
            input.message_id.map(|m| m.0),
            quote,
            body,
            author,
            now
        ])?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        self.annotation(id)?
            .ok_or(StoreError::NotFound("annotation"))
    }

    pub fn annotation(&self, id: i64) -> Result<Option<Annotation>> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            annotation_columns!(),
            " FROM annotations n JOIN threads t ON t.id = n.thread_id",
            " JOIN contacts c ON c.id = t.contact_id JOIN accounts a ON a.id = t.account_id",
            " WHERE n.id = ?1"
        ))?;
        rows::first(&mut stmt, [id], annotation)
    }

    pub fn update_annotation(&mut self, id: i64, body: &str, now: Millis) -> Result<Annotation> {
        let body = checked_body(body)?;
        let n = self
            .conn
            .prepare_cached("UPDATE annotations SET body = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![id, body, now])?;
        if n == 0 {
            return Err(StoreError::NotFound("annotation"));
        }
        self.annotation(id)?
            .ok_or(StoreError::NotFound("annotation"))
    }

    pub fn delete_annotation(&mut self, id: i64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM annotations WHERE id = ?1")?
            .execute([id])?;
        if n == 0 {
            return Err(StoreError::NotFound("annotation"));
        }
        Ok(())
    }

    /// Annotations matching `filter`, newest first, at most `limit`.
    pub fn annotations(&self, filter: &AnnotationFilter, limit: u32) -> Result<Vec<Annotation>> {
        let mut sql = String::from(concat!(
            "SELECT ",
            annotation_columns!(),
            " FROM annotations n JOIN threads t ON t.id = n.thread_id",
            " JOIN contacts c ON c.id = t.contact_id JOIN accounts a ON a.id = t.account_id",
            " WHERE 1"
        ));
        let mut p: Vec<Value> = Vec::new();
        if let Some(t) = filter.thread_id {
            sql.push_str(" AND n.thread_id = ?");
            p.push(Value::Integer(t.0));
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            sql.push_str(
                " AND (instr(lower(n.body), lower(?)) > 0 OR instr(lower(n.quote), lower(?)) > 0)",
            );
            p.push(Value::Text(text.into()));
            p.push(Value::Text(text.into()));
        }
        if let Some(from) = filter.from {
            sql.push_str(" AND n.created_at >= ?");
            p.push(Value::Integer(from));
        }
        if let Some(to) = filter.to {
            sql.push_str(" AND n.created_at < ?");
            p.push(Value::Integer(to));
        }
        sql.push_str(" ORDER BY n.created_at DESC, n.id DESC LIMIT ?");
        p.push(Value::Integer(i64::from(limit.clamp(1, 1000))));
        let mut stmt = self.conn.prepare(&sql)?;
        rows::collect(&mut stmt, params_from_iter(p), annotation)
    }

    /// The checklist's items, in their order.
    pub fn checklist(&self) -> Result<Vec<ChecklistItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, label, kind FROM checklist_items WHERE archived = 0 ORDER BY position, id",
        )?;
        rows::collect(&mut stmt, [], |r| {
            Ok(ChecklistItem {
                id: r.get(0)?,
                label: r.get(1)?,
                kind: kind_of(&r.get::<_, String>(2)?)?,
            })
        })
    }

    /// Adds an item at the end of the checklist.
    pub fn add_checklist_item(
        &mut self,
        label: &str,
        kind: ChecklistKind,
        now: Millis,
    ) -> Result<ChecklistItem> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL {
            return Err(StoreError::Invalid(format!(
                "a checklist item is 1 to {MAX_LABEL} characters"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (count, next): (i64, i64) = tx
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(MAX(position), 0) + 1 FROM checklist_items
                 WHERE archived = 0",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if count >= MAX_ITEMS {
            return Err(StoreError::Invalid(format!(
                "a checklist holds at most {MAX_ITEMS} items"
            )));
        }
        tx.prepare_cached(
            "INSERT INTO checklist_items (label, kind, position, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![label, kind_str(kind), next, now])?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(ChecklistItem {
            id,
            label: label.to_owned(),
            kind,
        })
    }

    /// Takes an item off the checklist; the scores it holds go with it.
    pub fn remove_checklist_item(&mut self, id: i64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM checklist_items WHERE id = ?1")?
            .execute([id])?;
        if n == 0 {
            return Err(StoreError::NotFound("checklist item"));
        }
        Ok(())
    }

    /// Scores a conversation on one item (`None` clears the score).
    pub fn set_score(
        &mut self,
        thread: ThreadId,
        item: i64,
        score: Option<i64>,
        author: &str,
        now: Millis,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::threads::ensure_thread(&tx, thread)?;
        let kind: Option<String> = tx
            .prepare_cached("SELECT kind FROM checklist_items WHERE id = ?1")?
            .query_row([item], |r| r.get(0))
            .optional()?;
        let kind = kind_of(&kind.ok_or(StoreError::NotFound("checklist item"))?)?;
        match score {
            None => {
                tx.prepare_cached(
                    "DELETE FROM checklist_scores WHERE thread_id = ?1 AND item_id = ?2",
                )?
                .execute(params![thread.0, item])?;
            }
            Some(s) => {
                let ok = match kind {
                    ChecklistKind::YesNo => s == 0 || s == 1,
                    ChecklistKind::Scale => (1..=5).contains(&s),
                };
                if !ok {
                    return Err(StoreError::Invalid(match kind {
                        ChecklistKind::YesNo => "a yes/no item is scored 0 or 1".into(),
                        ChecklistKind::Scale => "a scale item is scored 1 to 5".into(),
                    }));
                }
                tx.prepare_cached(
                    "INSERT INTO checklist_scores (thread_id, item_id, score, author, scored_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (thread_id, item_id) DO UPDATE SET
                         score = excluded.score, author = excluded.author,
                         scored_at = excluded.scored_at",
                )?
                .execute(params![thread.0, item, s, author, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A conversation's scores.
    pub fn scores(&self, thread: ThreadId) -> Result<Vec<ChecklistScore>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.item_id, s.score, s.author, s.scored_at FROM checklist_scores s
             JOIN checklist_items i ON i.id = s.item_id
             WHERE s.thread_id = ?1 ORDER BY i.position, i.id",
        )?;
        rows::collect(&mut stmt, [thread.0], |r| {
            Ok(ChecklistScore {
                item_id: r.get(0)?,
                score: r.get(1)?,
                author: r.get(2)?,
                scored_at: r.get(3)?,
            })
        })
    }
}
