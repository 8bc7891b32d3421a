//! The Contacts screen: every customer, found by name, handle, email, phone or attribute value,
//! sorted by last contact or by name, a page at a time (keyset, never OFFSET); and the agents'
//! VIP / Blocked marks (what Blocked means: the module doc of `parley-domain/src/contacts.rs`).
//!
//! The search reads one column per contact, `contacts.search_text`, which triggers keep
//! (migration 18, `migrations/contacts.rs`; the customer's tags since migration 22), walking the
//! sort's own index; the channels and
//! handle of a row are read only for the rows of the page.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::rows;
use parley_domain::*;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// Longer queries are cut to this many characters (nobody types more to find a person).
const QUERY_MAX_CHARS: usize = 200;

/// Which contacts the screen lists at all, and the search. Contacts merged into another are to
/// be left out here too (one line: `AND c.merged_into IS NULL`) once merging exists.
macro_rules! listed {
    () => {
        " WHERE c.merged_into IS NULL AND (?1 = '' OR instr(c.search_text, ?1) > 0 OR instr(c.search_text, ?2) > 0)"
    };
}

macro_rules! contact_row_columns {
    () => {
        "SELECT c.id, c.display_name, c.last_contact_at, c.vip, c.blocked,
                (SELECT group_concat(DISTINCT a.channel) FROM identities i
                   JOIN accounts a ON a.id = i.account_id WHERE i.contact_id = c.id),
                (SELECT COALESCE(i.handle, i.remote_id) FROM identities i
                  WHERE i.contact_id = c.id ORDER BY i.id LIMIT 1)
         FROM contacts c"
    };
}

const BY_LAST_CONTACT: &str = concat!(
    contact_row_columns!(),
    listed!(),
    " ORDER BY c.last_contact_at DESC, c.id DESC LIMIT ?3"
);
const BY_LAST_CONTACT_AFTER: &str = concat!(
    contact_row_columns!(),
    listed!(),
    " AND (c.last_contact_at, c.id) < (?4, ?5)",
    " ORDER BY c.last_contact_at DESC, c.id DESC LIMIT ?3"
);
const BY_NAME: &str = concat!(
    contact_row_columns!(),
    listed!(),
    " ORDER BY c.display_name COLLATE NOCASE, c.id LIMIT ?3"
);
const BY_NAME_AFTER: &str = concat!(
    contact_row_columns!(),
    listed!(),
    " AND (c.display_name COLLATE NOCASE, c.id) > (?4, ?5)",
    " ORDER BY c.display_name COLLATE NOCASE, c.id LIMIT ?3"
);

/// What the search looks for in `search_text`: the query in lower case as Rust and as SQLite
/// fold it (SQLite's `lower()` folds ASCII only, so "Émile" is stored as "Émile"; both forms are
/// tried). A query that looks like a phone number (digits and the separators people type, at
/// least three digits) is its digits alone, which `search_text` holds for every handle, remote
/// id and value too: "+1 555 123" finds "+15551234567" and "whatsapp:+1 (555) 123-4567".
/// A leading `@` (a handle as people write it) is dropped.
pub fn search_patterns(query: &str) -> (String, String) {
    let q: String = query.trim().chars().take(QUERY_MAX_CHARS).collect();
    let q = q.trim_start_matches('@').trim();
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like && digits.len() >= 3 {
        return (digits.clone(), digits);
    }
    (q.to_lowercase(), q.to_ascii_lowercase())
}

fn contact_row(r: &rusqlite::Row<'_>) -> Result<ContactRow> {
    let mut channels: Vec<ChannelKind> = Vec::new();
    for name in r
        .get::<_, Option<String>>(5)?
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let c = rows::channel(name)?;
        if !channels.contains(&c) {
            channels.push(c);
        }
    }
    channels.sort_by_key(|c| ChannelKind::ALL.iter().position(|k| k == c));
    Ok(ContactRow {
        id: ContactId(r.get(0)?),
        display_name: r.get(1)?,
        last_contact_at: r.get(2)?,
        vip: r.get(3)?,
        blocked: r.get(4)?,
        channels,
        handle: r.get(6)?,
    })
}

impl Store {
    /// One page of the Contacts screen: the contacts `query` finds (all when it is blank) in
    /// `sort`'s order. Pass the returned `next` back for the following page.
    pub fn list_contacts(
        &self,
        query: &str,
        sort: ContactSort,
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> Result<ContactPage> {
        if limit == 0 || limit > CONTACT_PAGE_MAX {
            return Err(StoreError::Invalid(format!(
                "page size {limit} is outside 1..={CONTACT_PAGE_MAX}"
            )));
        }
        let (folded, ascii) = search_patterns(query);
        let fetch = i64::from(limit) + 1;
        let mut contacts = match (sort, after) {
            (ContactSort::LastContact, None) => {
                let mut stmt = self.conn.prepare_cached(BY_LAST_CONTACT)?;
                rows::collect(&mut stmt, params![folded, ascii, fetch], contact_row)?
            }
            (ContactSort::LastContact, Some(c)) => {
                let mut stmt = self.conn.prepare_cached(BY_LAST_CONTACT_AFTER)?;
                rows::collect(
                    &mut stmt,
                    params![folded, ascii, fetch, c.last_contact_at, c.id.0],
                    contact_row,
                )?
            }
            (ContactSort::Name, None) => {
                let mut stmt = self.conn.prepare_cached(BY_NAME)?;
                rows::collect(&mut stmt, params![folded, ascii, fetch], contact_row)?
            }
            (ContactSort::Name, Some(c)) => {
                let mut stmt = self.conn.prepare_cached(BY_NAME_AFTER)?;
                rows::collect(
                    &mut stmt,
                    params![folded, ascii, fetch, c.name, c.id.0],
                    contact_row,
                )?
            }
        };
        let next = if contacts.len() > limit as usize {
            contacts.truncate(limit as usize);
            contacts.last().map(|c| ContactCursor {
                last_contact_at: c.last_contact_at,
                name: c.display_name.clone(),
                id: c.id,
            })
        } else {
            None
        };
        Ok(ContactPage { contacts, next })
    }

    /// Sets or clears a contact's VIP and Blocked marks (`None` leaves one as it is) in one
    /// transaction; the count triggers take a blocked contact's conversations out of every view's
    /// count in it. Answers the marks as they now stand.
    pub fn set_contact_marks(
        &mut self,
        contact: ContactId,
        change: ContactMarksChange,
    ) -> Result<ContactMarks> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let marks = tx
            .prepare_cached(
                "UPDATE contacts SET vip = COALESCE(?2, vip), blocked = COALESCE(?3, blocked)
                 WHERE id = ?1 RETURNING vip, blocked",
            )?
            .query_row(params![contact.0, change.vip, change.blocked], |r| {
                Ok(ContactMarks {
                    vip: r.get(0)?,
                    blocked: r.get(1)?,
                })
            })
            .optional()?
            .ok_or(StoreError::NotFound("contact"))?;
        tx.commit()?;
        Ok(marks)
    }

    /// Every conversation with a contact, by id (what a change of their marks touches).
    pub fn contact_thread_ids(&self, contact: ContactId) -> Result<Vec<ThreadId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM threads WHERE contact_id = ?1 ORDER BY id")?;
        rows::collect(&mut stmt, [contact.0], |r| Ok(ThreadId(r.get(0)?)))
    }

    /// Those of `threads` whose customer is blocked (the notifications leave them out).
    pub fn blocked_threads(&self, threads: &[ThreadId]) -> Result<Vec<ThreadId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM threads t JOIN contacts c ON c.id = t.contact_id
             WHERE t.id = ?1 AND c.blocked",
        )?;
        let mut out = Vec::new();
        for &t in threads {
            if !out.contains(&t) && stmt.exists([t.0])? {
                out.push(t);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_like_queries_become_digits_and_others_lower_case() {
        assert_eq!(
            search_patterns(" +1 (555) 123-4 "),
            ("15551234".into(), "15551234".into())
        );
        assert_eq!(search_patterns("@Grace"), ("grace".into(), "grace".into()));
        assert_eq!(search_patterns("Émile"), ("émile".into(), "Émile".into()));
        // Two digits are not yet a number; a name with digits is not one either.
        assert_eq!(search_patterns("12"), ("12".into(), "12".into()));
        assert_eq!(search_patterns("R2-D2"), ("r2-d2".into(), "r2-d2".into()));
    }

    #[test]
    fn every_order_walks_its_index_without_sorting() {
        let s = Store::open_in_memory().expect("open");
        let first: &[&dyn rusqlite::ToSql] = &[&"a", &"a", &51];
        let after: &[&dyn rusqlite::ToSql] = &[&"a", &"a", &51, &1, &2];
        let name_after: &[&dyn rusqlite::ToSql] = &[&"a", &"a", &51, &"b", &2];
        for (sql, params) in [
            (BY_LAST_CONTACT, first),
            (BY_LAST_CONTACT_AFTER, after),
            (BY_NAME, first),
            (BY_NAME_AFTER, name_after),
        ] {
            let plan = crate::test_support::query_plan(&s, sql, params);
            assert!(plan.contains("USING INDEX contacts_"), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE FOR ORDER BY"), "{sql}: {plan}");
        }
    }
}
