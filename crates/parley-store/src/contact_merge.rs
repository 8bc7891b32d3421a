//! One customer, several identities: merging two contacts, splitting an identity back out, and
//! undoing either, each in one transaction that records exactly what it moved.
//!
//! **Merge** (absorbed → survivor): the absorbed contact's identities, conversations (with
//! everything that hangs off a conversation — messages, FTS rows, drafts, outbox items, mutes,
//! labels — since those point at the thread, not the contact) and notes move to the survivor.
//! Attributes only the absorbed contact has are copied; where both have a key, the side the
//! agent chose wins. The survivor takes the chosen name, and is VIP if either was (Blocked stays
//! the survivor's own: merging a blocked contact must not hide a real customer). A contact's own `first_seen_at` never
//! changes: the pane shows the earliest of it and of the contacts merged into it, so no order
//! of merges and undos can leave it stale. The
//! absorbed row itself stays, hidden (`merged_into`), with its own name and attributes, so
//! undoing the merge gives it back exactly. `contact_changes.detail` names every identity,
//! thread and note that moved and every attribute value the merge overwrote.
//!
//! **Undo of a merge** moves back the identities it brought that are still on the survivor, the
//! conversations of those identities (including ones that arrived since), and the notes it
//! brought; it restores the survivor's name and the attributes it overwrote
//! when they still hold what the merge wrote (an agent's later edit wins).
//!
//! **Tags** are joined: the survivor gets each tag only the absorbed contact had (a row of its
//! own, named in the detail). Undo removes exactly those rows: a tag agents took off and added
//! again since is a new row and stays; one they took off stays off, also when the merge is
//! applied again. A split leaves tags with the person; undoing a split brings back any tag the
//! split-off customer was given meanwhile. Undoing an undone
//! merge applies it again with the same choices.
//!
//! **Split** moves one identity and its conversations to a new contact (named as the identity);
//! notes and attributes stay with the person they were written about. When the identity is the
//! last one a merge brought that is still here, the split is that merge's undo instead, so the
//! absorbed contact comes back with its name, attributes and notes. **Undo of a split** moves the
//! identity back and hides the split-off contact (anything agents added to it moves along).
//!
//! A merged-away contact cannot take part in a merge, and a change can be undone only while
//! its survivor is itself not merged away (undo the later merge first).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// An attribute row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AttributeRow {
    key: String,
    kind: String,
    value: String,
    updated_at: Millis,
}

/// What an undo of a merge changed on the survivor (what agents changed since the merge, it
/// left alone), so that applying the merge again puts back exactly that: redo is the exact
/// inverse of undo, whatever happened in between.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UndoRecord {
    /// Per attribute it touched: the row before the undo, and the row it left (none: removed).
    attributes: Vec<(AttributeRow, Option<AttributeRow>)>,
    /// The survivor's name before the undo and after it, when the undo changed it.
    name: Option<(String, String)>,
    /// The undo took off the VIP mark the merge had brought.
    vip_cleared: bool,
    /// The tags (tag, added at) the undo took off.
    tags: Vec<(String, Millis)>,
}

/// `contact_changes.detail`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Detail {
    #[serde(rename_all = "camelCase")]
    Merge {
        name_from_absorbed: bool,
        attributes_from_absorbed: bool,
        survivor_name_before: String,
        survivor_name_after: String,
        identities: Vec<i64>,
        threads: Vec<i64>,
        notes: Vec<i64>,
        /// Each attribute the merge wrote on the survivor, with the row it replaced.
        attributes: Vec<(AttributeRow, Option<AttributeRow>)>,
        /// What the latest undo changed (empty until there is one).
        #[serde(default)]
        undo: Box<UndoRecord>,
        /// The survivor became VIP because the absorbed contact was.
        #[serde(default)]
        vip_from_absorbed: bool,
        /// The `contact_tags` rows (id, tag) the merge added to the survivor (tags only the
        /// absorbed contact had).
        #[serde(default)]
        tags: Vec<(i64, String)>,
    },
    #[serde(rename_all = "camelCase")]
    Split { identity: i64, threads: Vec<i64> },
}

impl Detail {
    fn kind(&self) -> ContactChangeKind {
        match self {
            Detail::Merge { .. } => ContactChangeKind::Merge,
            Detail::Split { .. } => ContactChangeKind::Split,
        }
    }
}

fn kind_str(kind: ContactChangeKind) -> &'static str {
    match kind {
        ContactChangeKind::Merge => "merge",
        ContactChangeKind::Split => "split",
    }
}

/// The name of a contact that can take part in a merge: present and not merged away.
fn live_contact(conn: &Connection, id: ContactId) -> Result<String> {
    let row: Option<(String, Option<i64>)> = conn
        .prepare_cached("SELECT display_name, merged_into FROM contacts WHERE id = ?1")?
        .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Err(StoreError::NotFound("contact")),
        Some((_, Some(_))) => Err(StoreError::Invalid(
            "this customer was merged into another one; open that one instead".into(),
        )),
        Some((name, None)) => Ok(name),
    }
}

fn ids(conn: &Connection, sql: &str, id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let out = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

fn attribute_rows(conn: &Connection, contact: i64) -> Result<Vec<AttributeRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, kind, value, updated_at FROM contact_attributes
         WHERE contact_id = ?1 ORDER BY key",
    )?;
    let out = stmt
        .query_map([contact], |r| {
            Ok(AttributeRow {
                key: r.get(0)?,
                kind: r.get(1)?,
                value: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

fn attribute_row(conn: &Connection, contact: i64, key: &str) -> Result<Option<AttributeRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT key, kind, value, updated_at FROM contact_attributes
             WHERE contact_id = ?1 AND key = ?2",
        )?
        .query_row(params![contact, key], |r| {
            Ok(AttributeRow {
                key: r.get(0)?,
                kind: r.get(1)?,
                value: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .optional()?)
}

fn put_attribute(conn: &Connection, contact: i64, row: &AttributeRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO contact_attributes (contact_id, key, kind, value, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (contact_id, key) DO UPDATE
            SET key = excluded.key, kind = excluded.kind, value = excluded.value,
                updated_at = excluded.updated_at",
    )?
    .execute(params![
        contact,
        row.key,
        row.kind,
        row.value,
        row.updated_at
    ])?;
    Ok(())
}

/// Moves the rows named by `ids` (a JSON array) of `table` from one contact to another; only
/// rows still on `from` move.
fn move_rows(conn: &Connection, table: &str, ids: &[i64], from: i64, to: i64) -> Result<usize> {
    let json = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sql = format!(
        "UPDATE {table} SET contact_id = ?3
         WHERE contact_id = ?2 AND id IN (SELECT value FROM json_each(?1))"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .execute(params![json, from, to])?)
}

/// Applies a merge inside `tx`; answers what it did.
/// With `redo`, the merge is applied again after that undo: the rows move as the first time,
/// and the survivor gets back exactly what the undo changed (nothing else).
fn apply_merge(
    conn: &Connection,
    choice: &MergeChoice,
    redo: Option<&UndoRecord>,
) -> Result<Detail> {
    let (a, b) = (choice.survivor, choice.absorbed);
    if a == b {
        return Err(StoreError::Invalid(
            "a customer cannot be merged with themselves".into(),
        ));
    }
    for side in [choice.name_from, choice.attributes_from] {
        if side != a && side != b {
            return Err(StoreError::Invalid(
                "the name and the attributes must come from one of the two customers".into(),
            ));
        }
    }
    let a_name = live_contact(conn, a)?;
    let b_name = live_contact(conn, b)?;
    let identities = ids(
        conn,
        "SELECT id FROM identities WHERE contact_id = ?1 ORDER BY id",
        b.0,
    )?;
    let threads = ids(
        conn,
        "SELECT id FROM threads WHERE contact_id = ?1 ORDER BY id",
        b.0,
    )?;
    let notes = ids(
        conn,
        "SELECT id FROM notes WHERE contact_id = ?1 ORDER BY id",
        b.0,
    )?;
    for table in ["identities", "threads", "notes"] {
        conn.prepare_cached(&format!(
            "UPDATE {table} SET contact_id = ?1 WHERE contact_id = ?2"
        ))?
        .execute(params![a.0, b.0])?;
    }
    conn.prepare_cached("UPDATE contacts SET merged_into = ?1 WHERE id = ?2")?
        .execute(params![a.0, b.0])?;
    let attributes_from_absorbed = choice.attributes_from == b;
    let mut name_from_absorbed = choice.name_from == b;
    let mut tags = Vec::new();
    let mut attributes = Vec::new();
    let (name_before, name_after, vip_from_absorbed);
    if let Some(r) = redo {
        for (tag, added_at) in &r.tags {
            if let Some(id) = crate::customer::put_tag(conn, a.0, tag, *added_at)? {
                tags.push((id, tag.clone()));
            }
        }
        for (before_undo, after_undo) in &r.attributes {
            let now = attribute_row(conn, a.0, &before_undo.key)?;
            if same_value(now.as_ref(), after_undo.as_ref()) {
                put_attribute(conn, a.0, before_undo)?;
                attributes.push((before_undo.clone(), after_undo.clone()));
            }
        }
        (name_before, name_after) = match &r.name {
            Some((before_undo, after_undo)) if *after_undo == a_name => {
                (after_undo.clone(), before_undo.clone())
            }
            _ => {
                name_from_absorbed = false;
                (a_name.clone(), a_name.clone())
            }
        };
        vip_from_absorbed = r.vip_cleared
            && conn
                .prepare_cached("UPDATE contacts SET vip = 1 WHERE id = ?1 AND vip = 0")?
                .execute([a.0])?
                > 0;
    } else {
        // Tags: the union. The absorbed contact keeps its own rows (hidden with it); the
        // survivor gets a new row for each tag only the absorbed one had.
        let absorbed_tags: Vec<(String, Millis)> = {
            let mut stmt = conn.prepare_cached(
                "SELECT tag, added_at FROM contact_tags WHERE contact_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([b.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (tag, added_at) in absorbed_tags {
            if let Some(id) = crate::customer::put_tag(conn, a.0, &tag, added_at)? {
                tags.push((id, tag));
            }
        }
        for row in attribute_rows(conn, b.0)? {
            let before = attribute_row(conn, a.0, &row.key)?;
            let write = match &before {
                None => true,
                Some(old) => {
                    attributes_from_absorbed && (old.kind != row.kind || old.value != row.value)
                }
            };
            if write {
                put_attribute(conn, a.0, &row)?;
                attributes.push((row, before));
            }
        }
        name_before = a_name.clone();
        name_after = if name_from_absorbed { b_name } else { a_name };
        // A VIP stays one whichever side they were on; Blocked is the survivor's own (merging
        // a blocked contact must not hide a real customer's conversations).
        vip_from_absorbed = conn
            .prepare_cached(
                "UPDATE contacts SET vip = 1 WHERE id = ?1 AND vip = 0
                   AND (SELECT vip FROM contacts WHERE id = ?2) <> 0",
            )?
            .execute(params![a.0, b.0])?
            > 0;
    }
    conn.prepare_cached("UPDATE contacts SET display_name = ?2 WHERE id = ?1")?
        .execute(params![a.0, name_after])?;
    Ok(Detail::Merge {
        name_from_absorbed,
        attributes_from_absorbed,
        survivor_name_before: name_before,
        survivor_name_after: name_after,
        identities,
        threads,
        notes,
        attributes,
        undo: Box::default(),
        vip_from_absorbed,
        tags,
    })
}

/// Undoes a merge inside `tx`; answers what it changed on the survivor.
fn undo_merge(
    conn: &Connection,
    survivor: i64,
    absorbed: i64,
    detail: &Detail,
) -> Result<UndoRecord> {
    let Detail::Merge {
        survivor_name_before,
        survivor_name_after,
        identities,
        notes,
        attributes,
        vip_from_absorbed,
        tags,
        ..
    } = detail
    else {
        return Err(StoreError::Corrupt("a merge recorded as a split".into()));
    };
    let still_here: Vec<i64> = {
        let json =
            serde_json::to_string(identities).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM identities WHERE contact_id = ?2
               AND id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )?;
        stmt.query_map(params![json, survivor], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    if still_here.is_empty() && !identities.is_empty() {
        return Err(StoreError::Invalid(
            "none of the identities this merge brought are with this customer any more".into(),
        ));
    }
    move_rows(conn, "identities", &still_here, survivor, absorbed)?;
    {
        let json =
            serde_json::to_string(&still_here).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        conn.prepare_cached(
            "UPDATE threads SET contact_id = ?2
             WHERE contact_id = ?3 AND identity_id IN (SELECT value FROM json_each(?1))",
        )?
        .execute(params![json, absorbed, survivor])?;
    }
    move_rows(conn, "notes", notes, survivor, absorbed)?;
    let mut record = UndoRecord::default();
    // The tag rows the merge added go; a tag agents took off since stays off (also when the
    // merge is applied again); one they took off and added again is a new row, and stays.
    for (id, tag) in tags {
        let added_at: Option<Millis> = conn
            .prepare_cached(
                "DELETE FROM contact_tags WHERE id = ?1 AND contact_id = ?2 RETURNING added_at",
            )?
            .query_row(params![id, survivor], |r| r.get(0))
            .optional()?;
        if let Some(added_at) = added_at {
            record.tags.push((tag.clone(), added_at));
        }
    }
    for (written, before) in attributes {
        let now = attribute_row(conn, survivor, &written.key)?;
        let Some(now) = now.filter(|n| n.kind == written.kind && n.value == written.value) else {
            // Agents changed it since: theirs.
            continue;
        };
        // What the survivor had before (nothing: the key goes).
        let restore = before.clone();
        match &restore {
            Some(row) => put_attribute(conn, survivor, row)?,
            None => {
                conn.prepare_cached(
                    "DELETE FROM contact_attributes WHERE contact_id = ?1 AND key = ?2",
                )?
                .execute(params![survivor, written.key])?;
            }
        }
        record.attributes.push((now, restore));
    }
    let renamed = conn
        .prepare_cached(
            "UPDATE contacts SET display_name = ?3 WHERE id = ?1 AND display_name = ?2",
        )?
        .execute(params![survivor, survivor_name_after, survivor_name_before])?
        > 0;
    if renamed && survivor_name_after != survivor_name_before {
        record.name = Some((survivor_name_after.clone(), survivor_name_before.clone()));
    }
    if *vip_from_absorbed {
        record.vip_cleared = conn
            .prepare_cached("UPDATE contacts SET vip = 0 WHERE id = ?1 AND vip <> 0")?
            .execute([survivor])?
            > 0;
    }
    conn.prepare_cached("UPDATE contacts SET merged_into = NULL WHERE id = ?1")?
        .execute([absorbed])?;
    Ok(record)
}

/// Whether two attribute rows (or their absence) hold the same value.
fn same_value(a: Option<&AttributeRow>, b: Option<&AttributeRow>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.kind == b.kind && a.value == b.value,
        _ => false,
    }
}

/// Marks a merge undone, remembering what its undo changed.
fn mark_undone(
    conn: &Connection,
    id: i64,
    mut detail: Detail,
    record: UndoRecord,
    now: Millis,
) -> Result<()> {
    if let Detail::Merge { undo, .. } = &mut detail {
        **undo = record;
    }
    let json = serde_json::to_string(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached("UPDATE contact_changes SET undone_at = ?2, detail = ?3 WHERE id = ?1")?
        .execute(params![id, now, json])?;
    Ok(())
}

struct ChangeRow {
    id: i64,
    contact: Option<i64>,
    other: Option<i64>,
    undone: bool,
    detail: Detail,
}

fn load_change(conn: &Connection, id: ContactChangeId) -> Result<ChangeRow> {
    let row: Option<(ChangeRow, String)> = conn
        .prepare_cached(
            "SELECT id, contact_id, other_id, undone_at IS NOT NULL, detail
             FROM contact_changes WHERE id = ?1",
        )?
        .query_row([id.0], |r| {
            let row = ChangeRow {
                id: r.get(0)?,
                contact: r.get(1)?,
                other: r.get(2)?,
                undone: r.get(3)?,
                // Parsed below, where a parse error can become a store error.
                detail: Detail::Split {
                    identity: 0,
                    threads: vec![],
                },
            };
            Ok((row, r.get(4)?))
        })
        .optional()?;
    let (mut row, json) = row.ok_or(StoreError::NotFound("change"))?;
    row.detail = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("contact change: {e}")))?;
    Ok(row)
}

fn record(conn: &Connection, a: i64, b: i64, detail: &Detail, now: Millis) -> Result<i64> {
    let json = serde_json::to_string(detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO contact_changes (kind, contact_id, other_id, at, detail)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(params![kind_str(detail.kind()), a, b, now, json], |r| {
            r.get(0)
        })?)
}

fn name_of(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT display_name FROM contacts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

fn describe(conn: &Connection, change: &ChangeRow) -> Result<ContactChange> {
    let (Some(contact), Some(other)) = (change.contact, change.other) else {
        return Err(StoreError::Invalid(
            "one of the customers of this change was removed with its account".into(),
        ));
    };
    let (contact_name, other_name) = (name_of(conn, contact)?, name_of(conn, other)?);
    let (identity_id, summary) = match &change.detail {
        Detail::Merge { .. } if change.undone => (
            None,
            format!("Separated {other_name} from {contact_name} again"),
        ),
        Detail::Merge { .. } => (None, format!("Merged {other_name} into {contact_name}")),
        Detail::Split { identity, .. } if change.undone => (
            Some(IdentityId(*identity)),
            format!("Moved the identity back to {contact_name}"),
        ),
        Detail::Split { identity, .. } => (
            Some(IdentityId(*identity)),
            format!("Moved {other_name} out of {contact_name} as a customer of their own"),
        ),
    };
    Ok(ContactChange {
        id: ContactChangeId(change.id),
        kind: change.detail.kind(),
        contact_id: ContactId(contact),
        other_id: ContactId(other),
        identity_id,
        summary,
        undone: change.undone,
    })
}

/// The survivor of a change must itself be live for its undo to find what moved.
fn require_live(conn: &Connection, contact: i64) -> Result<()> {
    live_contact(conn, ContactId(contact))
        .map(|_| ())
        .map_err(|e| match e {
            StoreError::Invalid(_) => StoreError::Invalid(
                "this customer was merged into another one since; undo that merge first".into(),
            ),
            other => other,
        })
}

impl Store {
    /// Merges `choice.absorbed` into `choice.survivor` in one transaction.
    pub fn merge_contacts(&mut self, choice: &MergeChoice, now: Millis) -> Result<ContactChange> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let detail = apply_merge(&tx, choice, None)?;
        let id = record(&tx, choice.survivor.0, choice.absorbed.0, &detail, now)?;
        let change = describe(&tx, &load_change(&tx, ContactChangeId(id))?)?;
        tx.commit()?;
        Ok(change)
    }

    /// Moves `identity` (and its conversations) out of its contact; see the module doc.
    pub fn split_identity(&mut self, identity: IdentityId, now: Millis) -> Result<ContactChange> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(i64, String)> = tx
            .prepare_cached("SELECT contact_id, display_name FROM identities WHERE id = ?1")?
            .query_row([identity.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (contact, identity_name) = found.ok_or(StoreError::NotFound("identity"))?;
        live_contact(&tx, ContactId(contact))?;
        let count: i64 = tx
            .prepare_cached("SELECT count(*) FROM identities WHERE contact_id = ?1")?
            .query_row([contact], |r| r.get(0))?;
        if count < 2 {
            return Err(StoreError::Invalid(
                "this is the customer's only identity; there is nothing to separate it from".into(),
            ));
        }
        // The last identity of a live merge still here: the split is that merge's undo.
        let merges: Vec<(i64, i64, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, other_id, detail FROM contact_changes
                 WHERE contact_id = ?1 AND kind = 'merge' AND undone_at IS NULL
                   AND other_id IS NOT NULL ORDER BY id DESC",
            )?;
            stmt.query_map([contact], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, absorbed, json) in merges {
            let detail: Detail = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("contact change: {e}")))?;
            let Detail::Merge { identities, .. } = &detail else {
                continue;
            };
            if !identities.contains(&identity.0) {
                continue;
            }
            let here = identities
                .iter()
                .map(|i| {
                    tx.prepare_cached("SELECT contact_id FROM identities WHERE id = ?1")?
                        .query_row([i], |r| r.get::<_, i64>(0))
                        .optional()
                })
                .filter(|c| matches!(c, Ok(Some(c)) if *c == contact))
                .count();
            if here == 1 {
                let record = undo_merge(&tx, contact, absorbed, &detail)?;
                mark_undone(&tx, id, detail, record, now)?;
                let change = describe(&tx, &load_change(&tx, ContactChangeId(id))?)?;
                tx.commit()?;
                return Ok(change);
            }
        }
        let threads = ids(
            &tx,
            "SELECT id FROM threads WHERE identity_id = ?1 ORDER BY id",
            identity.0,
        )?;
        let first_seen: Millis = tx
            .prepare_cached(
                "SELECT coalesce(
                    (SELECT min(m.sent_at) FROM messages m JOIN threads t ON t.id = m.thread_id
                      WHERE t.identity_id = ?1),
                    (SELECT first_seen_at FROM contacts WHERE id = ?2))",
            )?
            .query_row(params![identity.0, contact], |r| r.get(0))?;
        let new: i64 = tx
            .prepare_cached(
                "INSERT INTO contacts (display_name, first_seen_at) VALUES (?1, ?2) RETURNING id",
            )?
            .query_row(params![identity_name, first_seen], |r| r.get(0))?;
        tx.prepare_cached("UPDATE identities SET contact_id = ?2 WHERE id = ?1")?
            .execute(params![identity.0, new])?;
        tx.prepare_cached("UPDATE threads SET contact_id = ?2 WHERE identity_id = ?1")?
            .execute(params![identity.0, new])?;
        let detail = Detail::Split {
            identity: identity.0,
            threads,
        };
        let id = record(&tx, contact, new, &detail, now)?;
        let change = describe(&tx, &load_change(&tx, ContactChangeId(id))?)?;
        tx.commit()?;
        Ok(change)
    }

    /// Undoes a merge or a split (and re-applies an undone merge), in one transaction.
    pub fn undo_contact_change(
        &mut self,
        id: ContactChangeId,
        now: Millis,
    ) -> Result<ContactChange> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let change = load_change(&tx, id)?;
        let (Some(contact), Some(other)) = (change.contact, change.other) else {
            return Err(StoreError::Invalid(
                "one of the customers of this change was removed with its account".into(),
            ));
        };
        match (&change.detail, change.undone) {
            (Detail::Merge { .. }, false) => {
                require_live(&tx, contact)?;
                let merged_into: Option<i64> = tx
                    .prepare_cached("SELECT merged_into FROM contacts WHERE id = ?1")?
                    .query_row([other], |r| r.get(0))?;
                if merged_into != Some(contact) {
                    return Err(StoreError::Corrupt(
                        "a merge whose contact is not merged".into(),
                    ));
                }
                let record = undo_merge(&tx, contact, other, &change.detail)?;
                mark_undone(&tx, id.0, change.detail.clone(), record, now)?;
            }
            (
                Detail::Merge {
                    name_from_absorbed,
                    attributes_from_absorbed,
                    undo,
                    ..
                },
                true,
            ) => {
                let side =
                    |from_absorbed: bool| ContactId(if from_absorbed { other } else { contact });
                let detail = apply_merge(
                    &tx,
                    &MergeChoice {
                        survivor: ContactId(contact),
                        absorbed: ContactId(other),
                        name_from: side(*name_from_absorbed),
                        attributes_from: side(*attributes_from_absorbed),
                    },
                    Some(undo),
                )?;
                let json = serde_json::to_string(&detail)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                tx.prepare_cached(
                    "UPDATE contact_changes SET undone_at = NULL, at = ?2, detail = ?3 WHERE id = ?1",
                )?
                .execute(params![id.0, now, json])?;
            }
            (Detail::Split { identity, .. }, false) => {
                require_live(&tx, contact)?;
                let on: Option<i64> = tx
                    .prepare_cached("SELECT contact_id FROM identities WHERE id = ?1")?
                    .query_row([identity], |r| r.get(0))
                    .optional()?;
                if on != Some(other) {
                    return Err(StoreError::Invalid(
                        "that identity has moved since; separate it again from where it is now"
                            .into(),
                    ));
                }
                let others: i64 = tx
                    .prepare_cached("SELECT count(*) FROM identities WHERE contact_id = ?1")?
                    .query_row([other], |r| r.get(0))?;
                if others > 1 {
                    return Err(StoreError::Invalid(
                        "the separated customer was merged with someone since; undo that first"
                            .into(),
                    ));
                }
                for table in ["identities", "threads", "notes"] {
                    tx.prepare_cached(&format!(
                        "UPDATE {table} SET contact_id = ?1 WHERE contact_id = ?2"
                    ))?
                    .execute(params![contact, other])?;
                }
                for row in attribute_rows(&tx, other)? {
                    if attribute_row(&tx, contact, &row.key)?.is_none() {
                        put_attribute(&tx, contact, &row)?;
                    }
                }
                let tags: Vec<(String, Millis)> = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT tag, added_at FROM contact_tags WHERE contact_id = ?1 ORDER BY id",
                    )?;
                    stmt.query_map([other], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<_>>()?
                };
                for (tag, added_at) in tags {
                    crate::customer::put_tag(&tx, contact, &tag, added_at)?;
                }
                tx.prepare_cached("UPDATE contacts SET merged_into = ?1 WHERE id = ?2")?
                    .execute(params![contact, other])?;
                tx.prepare_cached("UPDATE contact_changes SET undone_at = ?2 WHERE id = ?1")?
                    .execute(params![id.0, now])?;
            }
            (Detail::Split { .. }, true) => {
                return Err(StoreError::Invalid(
                    "this separation was already undone".into(),
                ));
            }
        }
        let out = describe(&tx, &load_change(&tx, id)?)?;
        tx.commit()?;
        Ok(out)
    }

    /// Both contacts as the merge dialog shows them, with the attribute keys they disagree on.
    pub fn merge_preview(&self, a: ContactId, b: ContactId) -> Result<MergePreview> {
        let a_side = self.merge_side(a)?;
        let b_side = self.merge_side(b)?;
        let conflicting_keys = a_side
            .attributes
            .iter()
            .filter(|x| {
                b_side.attributes.iter().any(|y| {
                    y.key.to_lowercase() == x.key.to_lowercase()
                        && (y.value != x.value || y.kind != x.kind)
                })
            })
            .map(|x| x.key.clone())
            .collect();
        Ok(MergePreview {
            a: a_side,
            b: b_side,
            conflicting_keys,
        })
    }

    fn merge_side(&self, contact: ContactId) -> Result<MergeSide> {
        let display_name = live_contact(&self.conn, contact)?;
        let channels = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT a.channel FROM identities i JOIN accounts a ON a.id = i.account_id
                 WHERE i.contact_id = ?1 ORDER BY i.id",
            )?;
            rows::collect(&mut stmt, [contact.0], |r| {
                rows::channel(&r.get::<_, String>(0)?)
            })?
        };
        let (conversation_count, last_activity_at): (u32, Option<Millis>) = self
            .conn
            .prepare_cached(
                "SELECT count(*), max(last_activity_at) FROM threads WHERE contact_id = ?1",
            )?
            .query_row([contact.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let note_count: u32 = self
            .conn
            .prepare_cached("SELECT count(*) FROM notes WHERE contact_id = ?1")?
            .query_row([contact.0], |r| r.get(0))?;
        Ok(MergeSide {
            contact_id: contact,
            display_name,
            identity_count: channels.len() as u32,
            channels,
            conversation_count,
            note_count,
            attributes: self.contact_attributes(contact)?,
            last_activity_at,
        })
    }

    /// Records that the agent said these two are not the same person.
    pub fn dismiss_merge_suggestion(
        &mut self,
        a: ContactId,
        b: ContactId,
        now: Millis,
    ) -> Result<()> {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        self.conn
            .prepare_cached(
                "INSERT INTO merge_dismissals (a, b, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (a, b) DO NOTHING",
            )?
            .execute(params![lo.0, hi.0, now])?;
        Ok(())
    }

    /// Every pair the agents dismissed, `(lower, higher)`.
    pub fn merge_dismissals(&self) -> Result<Vec<(ContactId, ContactId)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT a, b FROM merge_dismissals")?;
        rows::collect(&mut stmt, [], |r| {
            Ok((ContactId(r.get(0)?), ContactId(r.get(1)?)))
        })
    }
}

impl Store {
    /// The conversations of these contacts (a merge or split renames them in the inbox).
    pub fn threads_of_contacts(&self, contacts: &[ContactId]) -> Result<Vec<ThreadId>> {
        let json = serde_json::to_string(&contacts.iter().map(|c| c.0).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM threads WHERE contact_id IN (SELECT value FROM json_each(?1))
             ORDER BY id",
        )?;
        rows::collect(&mut stmt, [json], |r| Ok(ThreadId(r.get(0)?)))
    }
}

impl Store {
    /// Every live customer with what the suggestion engine compares: identities, attributes,
    /// first and last activity. Three set queries, assembled here.
    pub fn merge_candidates(&self) -> Result<Vec<MergeCandidate>> {
        let mut out: Vec<MergeCandidate> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT c.id, c.display_name, c.first_seen_at,
                        coalesce((SELECT max(t.last_activity_at) FROM threads t
                                  WHERE t.contact_id = c.id), c.first_seen_at)
                 FROM contacts c WHERE c.merged_into IS NULL ORDER BY c.id",
            )?;
            rows::collect(&mut stmt, [], |r| {
                Ok(MergeCandidate {
                    contact: ContactId(r.get(0)?),
                    display_name: r.get(1)?,
                    identities: Vec::new(),
                    attributes: Vec::new(),
                    first_activity_at: r.get(2)?,
                    last_activity_at: r.get(3)?,
                })
            })?
        };
        let index: std::collections::HashMap<i64, usize> = out
            .iter()
            .enumerate()
            .map(|(i, c)| (c.contact.0, i))
            .collect();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT i.contact_id, i.account_id, a.channel, i.remote_id, i.handle, i.display_name
                 FROM identities i JOIN accounts a ON a.id = i.account_id ORDER BY i.id",
            )?;
            let mut rows_ = stmt.query([])?;
            while let Some(r) = rows_.next()? {
                let Some(&at) = index.get(&r.get::<_, i64>(0)?) else {
                    continue;
                };
                out[at].identities.push(CandidateIdentity {
                    account: AccountId(r.get(1)?),
                    channel: rows::channel(&r.get::<_, String>(2)?)?,
                    remote_id: r.get(3)?,
                    handle: r.get(4)?,
                    display_name: r.get(5)?,
                });
            }
        }
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT contact_id, key, value FROM contact_attributes")?;
            let mut rows_ = stmt.query([])?;
            while let Some(r) = rows_.next()? {
                if let Some(&at) = index.get(&r.get::<_, i64>(0)?) {
                    out[at].attributes.push((r.get(1)?, r.get(2)?));
                }
            }
        }
        // A contact with no identity (imported from a file: `import.rs`) takes part by what its
        // attributes say (an email, a phone), so the person is found when they write in; one
        // with neither has nothing to be matched by.
        out.retain(|c| !c.identities.is_empty() || !c.attributes.is_empty());
        Ok(out)
    }

    /// Changes whenever what the suggestions are computed from may have changed (identities,
    /// names, attributes, merges, dismissals, activity), so they can be kept between asks.
    pub fn merge_inputs_revision(&self) -> Result<String> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT json_array(
                    (SELECT max(id) FROM identities), (SELECT count(*) FROM identities),
                    (SELECT total(length(display_name)) FROM contacts),
                    (SELECT max(id) FROM contacts),
                    (SELECT count(*) FROM contacts WHERE merged_into IS NULL),
                    (SELECT max(at) FROM contact_changes),
                    (SELECT max(undone_at) FROM contact_changes),
                    (SELECT count(*) FROM merge_dismissals),
                    (SELECT count(*) FROM contact_attributes),
                    (SELECT max(updated_at) FROM contact_attributes),
                    (SELECT max(last_activity_at) FROM threads))",
            )?
            .query_row([], |r| r.get(0))?)
    }
}
