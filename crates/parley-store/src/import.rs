//! Customers imported from a file: the store's half. The core reads the file, decides each row
//! (new customer, update of one Parley knows, skipped) outside the store's lock and hands over
//! an [`ImportPlan`]; [`Store::import_contacts`] writes the whole plan in ONE transaction, so
//! an import is all or nothing: a cancel, an error or a kill -9 before the commit leaves no row
//! of it behind (WAL: frames of an uncommitted transaction are never read back).
//!
//! A new customer is a contact with no channel identity: a name, `first_seen_at` = the import's
//! time, `import_id` naming the import (migration 21), and attributes (email and phone among
//! them, normalised by the core). When they write on a channel later, the merge suggestions
//! match them by those attributes (`contact_merge.rs::merge_candidates`).

use crate::Store;
use crate::error::{Result, StoreError};
use crate::notes::checked_attribute;
use parley_domain::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// What one row of the file does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// The file's line where the row starts.
    pub line: u32,
    /// The customer the row matched; `None`: a new customer.
    pub contact: Option<ContactId>,
    /// The name from the file (a new customer needs one).
    pub name: Option<String>,
    /// The row's values, one per key.
    pub attributes: Vec<ContactAttribute>,
}

/// Everything an import writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub file_name: String,
    pub mode: ImportMode,
    pub rows: Vec<PlannedRow>,
    /// Rows of the file the plan skipped (kept with the import's counts).
    pub skipped: u32,
}

/// What a planned row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub line: u32,
    pub contact: ContactId,
    /// Created, Updated or Unchanged.
    pub outcome: ImportOutcome,
    /// The customer's name after the import.
    pub name: String,
}

/// A committed import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedImport {
    pub import_id: i64,
    pub rows: Vec<AppliedRow>,
}

/// Something an existing customer is known by, for matching a row against: an identity's remote
/// id (an address, a number, `whatsapp:+…`) or an attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchSource {
    Identity {
        channel: ChannelKind,
        remote_id: String,
    },
    Attribute {
        key: String,
        value: String,
    },
}

/// How often (in rows) the import reports progress and looks for a cancel.
const PROGRESS_EVERY: usize = 250;

/// The live customer `id` stands for now: itself, or the one it was merged into since the plan
/// was made.
fn live_target(conn: &Connection, id: ContactId) -> Result<(i64, String)> {
    let mut at = id.0;
    for _ in 0..64 {
        let row: Option<(Option<i64>, String)> = conn
            .prepare_cached("SELECT merged_into, display_name FROM contacts WHERE id = ?1")?
            .query_row([at], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match row {
            None => break,
            Some((Some(next), _)) => at = next,
            Some((None, name)) => return Ok((at, name)),
        }
    }
    Err(StoreError::Invalid(
        "a customer this import would update was removed meanwhile; nothing was imported, run it again".into(),
    ))
}

impl Store {
    /// Everything live customers are known by, for the import's matching (normalised by the
    /// core): every identity's remote id and every attribute's value.
    pub fn import_match_sources(&self) -> Result<Vec<(ContactId, MatchSource)>> {
        let mut out = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT i.contact_id, a.channel, i.remote_id FROM identities i
                   JOIN accounts a ON a.id = i.account_id
                   JOIN contacts c ON c.id = i.contact_id
                 WHERE c.merged_into IS NULL ORDER BY i.id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                out.push((
                    ContactId(r.get(0)?),
                    MatchSource::Identity {
                        channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                        remote_id: r.get(2)?,
                    },
                ));
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.contact_id, a.key, a.value FROM contact_attributes a
               JOIN contacts c ON c.id = a.contact_id
             WHERE c.merged_into IS NULL ORDER BY a.contact_id, a.key",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.push((
                ContactId(r.get(0)?),
                MatchSource::Attribute {
                    key: r.get(1)?,
                    value: r.get(2)?,
                },
            ));
        }
        Ok(out)
    }

    /// Writes `plan` in one transaction (see the module doc). `progress` is told how many rows
    /// are written every few hundred rows and once more before the commit; when it answers
    /// `false` the transaction is rolled back and `None` returned: nothing was imported.
    pub fn import_contacts(
        &mut self,
        plan: &ImportPlan,
        now: Millis,
        progress: &mut dyn FnMut(u32) -> bool,
    ) -> Result<Option<AppliedImport>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let import_id: i64 = tx
            .prepare_cached(
                "INSERT INTO contact_imports (at, file_name, created, updated, unchanged, skipped)
                 VALUES (?1, ?2, 0, 0, 0, ?3) RETURNING id",
            )?
            .query_row(params![now, plan.file_name, plan.skipped], |r| r.get(0))?;
        let mut applied = Vec::with_capacity(plan.rows.len());
        for (i, row) in plan.rows.iter().enumerate() {
            if i % PROGRESS_EVERY == 0 && !progress(i as u32) {
                return Ok(None);
            }
            let attributes = row
                .attributes
                .iter()
                .map(checked_attribute)
                .collect::<Result<Vec<_>>>()?;
            let (contact, name, outcome) = match row.contact {
                None => {
                    let name = row
                        .name
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| {
                            StoreError::Invalid(format!(
                                "line {}: a new customer needs a name",
                                row.line
                            ))
                        })?
                        .to_owned();
                    let id: i64 = tx
                        .prepare_cached(
                            "INSERT INTO contacts (display_name, first_seen_at, import_id)
                             VALUES (?1, ?2, ?3) RETURNING id",
                        )?
                        .query_row(params![name, now, import_id], |r| r.get(0))?;
                    for a in &attributes {
                        put(&tx, id, a, now)?;
                    }
                    (id, name, ImportOutcome::Created)
                }
                Some(target) => {
                    let (id, mut name) = live_target(&tx, target)?;
                    let mut changed = false;
                    if plan.mode == ImportMode::Overwrite
                        && let Some(new) = row.name.as_deref().map(str::trim)
                        && !new.is_empty()
                        && new != name
                    {
                        tx.prepare_cached("UPDATE contacts SET display_name = ?2 WHERE id = ?1")?
                            .execute(params![id, new])?;
                        name = new.to_owned();
                        changed = true;
                    }
                    for a in &attributes {
                        let old: Option<(String, String)> = tx
                            .prepare_cached(
                                "SELECT kind, value FROM contact_attributes
                                 WHERE contact_id = ?1 AND key = ?2",
                            )?
                            .query_row(params![id, a.key], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?;
                        let write = match (&old, plan.mode) {
                            (None, _) => true,
                            (Some(_), ImportMode::FillBlanks) => false,
                            (Some((kind, value)), ImportMode::Overwrite) => {
                                kind != a.kind.as_str() || *value != a.value
                            }
                        };
                        if write {
                            put(&tx, id, a, now)?;
                            changed = true;
                        }
                    }
                    let outcome = if changed {
                        ImportOutcome::Updated
                    } else {
                        ImportOutcome::Unchanged
                    };
                    (id, name, outcome)
                }
            };
            applied.push(AppliedRow {
                line: row.line,
                contact: ContactId(contact),
                outcome,
                name,
            });
        }
        if !progress(plan.rows.len() as u32) {
            return Ok(None);
        }
        let count = |o: ImportOutcome| applied.iter().filter(|r| r.outcome == o).count() as i64;
        tx.prepare_cached(
            "UPDATE contact_imports SET created = ?2, updated = ?3, unchanged = ?4 WHERE id = ?1",
        )?
        .execute(params![
            import_id,
            count(ImportOutcome::Created),
            count(ImportOutcome::Updated),
            count(ImportOutcome::Unchanged)
        ])?;
        tx.commit()?;
        Ok(Some(AppliedImport {
            import_id,
            rows: applied,
        }))
    }

    /// The import that created `contact`, as (id, when, file name), if one did.
    pub fn contact_import(&self, contact: ContactId) -> Result<Option<(i64, Millis, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT i.id, i.at, i.file_name FROM contacts c
                   JOIN contact_imports i ON i.id = c.import_id WHERE c.id = ?1",
            )?
            .query_row([contact.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }

    /// How many imports were committed and how many contacts they created (still there).
    pub fn import_counts(&self) -> Result<(u32, u32)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM contact_imports),
                    (SELECT count(*) FROM contacts WHERE import_id IS NOT NULL)",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }
}

fn put(conn: &Connection, contact: i64, a: &ContactAttribute, now: Millis) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO contact_attributes (contact_id, key, kind, value, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (contact_id, key) DO UPDATE
            SET kind = excluded.kind, value = excluded.value, updated_at = excluded.updated_at",
    )?
    .execute(params![contact, a.key, a.kind.as_str(), a.value, now])?;
    Ok(())
}
