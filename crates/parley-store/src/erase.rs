//! Per-customer erase (a data-subject request): everything Parley holds about one person goes,
//! in one transaction — the contact and the contacts merged into it, their identities and
//! pictures, every conversation with its messages (and their search index rows, HTML, places on
//! the mail server, drafts, outbox items, labels and events), notes, details, tags, and the
//! merge audit that recorded their names and details. The deleted bytes do not linger in the
//! files either: the erase runs with `secure_delete`, the search index is merged into fresh
//! segments, the database is rebuilt from what is live, and the write-ahead log is checkpointed
//! and truncated (see [`purge`]). Annotations, bot sessions and the automation ledger's entries
//! about the person go too.
//!
//! A tombstone per provider identity (a hash of the account and the provider's id, and the time)
//! keeps a later sync from bringing the erased messages back (a mailbox read again, a refetched
//! page): `ingest` leaves out messages of an erased identity sent before the erase. A customer
//! who writes again afterwards is a new customer.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::{AccountId, Attachment, ChannelKind, ContactId, IngestBatch, Millis};
use rusqlite::{Connection, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// What the core still has to remove outside the database: the erased messages' downloaded
/// attachments, by account.
#[derive(Debug, Clone, PartialEq)]
pub struct ErasedFiles {
    pub channel: ChannelKind,
    pub external_id: String,
    /// `(message key, its attachments)` of each erased message that had attachments (the key
    /// the attachment cache files them under: the provider's id, or `row N`).
    pub messages: Vec<(String, Vec<Attachment>)>,
}

/// The hash an erased identity is remembered by.
pub(crate) fn identity_hash(account: AccountId, remote_id: &str) -> String {
    let digest = Sha256::digest(format!("{}:{remote_id}", account.0).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The time before which the messages of this identity were erased, if they were.
pub(crate) fn erased_before(
    conn: &Connection,
    account: AccountId,
    remote_id: &str,
) -> Result<Option<Millis>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT erased_at FROM erased_identities WHERE account_id = ?1 AND ref_hash = ?2",
        )?
        .query_row(params![account.0, identity_hash(account, remote_id)], |r| {
            r.get(0)
        })
        .optional()?)
}

/// `batch` without the messages of erased identities sent before their erase, when it has any
/// (`None`: nothing to leave out). One indexed look per batch when nobody was ever erased.
pub(crate) fn without_erased(
    conn: &Connection,
    account: AccountId,
    batch: &IngestBatch,
) -> Result<Option<IngestBatch>> {
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM erased_identities WHERE account_id = ?1)")?
        .query_row([account.0], |r| r.get(0))?;
    if !any || batch.messages.is_empty() {
        return Ok(None);
    }
    let mut before: std::collections::HashMap<&str, Option<Millis>> = Default::default();
    let mut erased = Vec::new();
    for (i, m) in batch.messages.iter().enumerate() {
        let id = m.customer.remote_id.as_str();
        let at = match before.get(id) {
            Some(at) => *at,
            None => {
                let at = erased_before(conn, account, id)?;
                before.insert(id, at);
                at
            }
        };
        if at.is_some_and(|t| m.sent_at <= t) {
            erased.push(i);
        }
    }
    if erased.is_empty() {
        return Ok(None);
    }
    let mut kept = batch.clone();
    let gone: std::collections::HashSet<String> = erased
        .iter()
        .map(|&i| batch.messages[i].remote_id.clone())
        .collect();
    kept.messages.retain(|m| !gone.contains(&m.remote_id));
    kept.html_bodies.retain(|h| !gone.contains(&h.remote_id));
    Ok(Some(kept))
}

impl Store {
    /// Erases the customer `contact` (see the module doc). Returns the files to delete.
    pub fn erase_contact(&mut self, contact: ContactId, now: Millis) -> Result<Vec<ErasedFiles>> {
        self.conn.pragma_update(None, "secure_delete", true)?;
        let erased = erase(&mut self.conn, contact, now);
        let purged = erased.is_ok().then(|| purge(&self.conn));
        self.conn.pragma_update(None, "secure_delete", false)?;
        let files = erased?;
        if let Some(purged) = purged {
            purged?;
        }
        Ok(files)
    }
}

fn erase(conn: &mut Connection, contact: ContactId, now: Millis) -> Result<Vec<ErasedFiles>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // The person: the contact and every contact merged into it, however deep.
    tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS erase_people (id INTEGER PRIMARY KEY); DELETE FROM temp.erase_people;")?;
    let found = tx.execute(
        "INSERT INTO temp.erase_people (id)
         WITH RECURSIVE person(id) AS (
             SELECT id FROM contacts WHERE id = ?1
             UNION SELECT c.id FROM contacts c JOIN person p ON c.merged_into = p.id)
         SELECT id FROM person",
        [contact.0],
    )?;
    if found == 0 {
        return Err(StoreError::NotFound("customer"));
    }
    // The files to delete afterwards, and the tombstones, before the rows go.
    let mut files: Vec<ErasedFiles> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT a.channel, a.external_id, coalesce(m.remote_id, 'row ' || m.id), m.attachments
             FROM messages m JOIN threads t ON t.id = m.thread_id JOIN accounts a ON a.id = m.account_id
             WHERE t.contact_id IN (SELECT id FROM temp.erase_people) AND m.attachments <> '[]'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let channel = crate::rows::channel(&r.get::<_, String>(0)?)?;
            let external_id: String = r.get(1)?;
            let entry = (
                r.get(2)?,
                crate::rows::attachments_from_json(&r.get::<_, String>(3)?)?,
            );
            match files
                .iter_mut()
                .find(|f| f.channel == channel && f.external_id == external_id)
            {
                Some(f) => f.messages.push(entry),
                None => files.push(ErasedFiles {
                    channel,
                    external_id,
                    messages: vec![entry],
                }),
            }
        }
        let identities: Vec<(i64, String)> = tx
            .prepare("SELECT account_id, remote_id FROM identities WHERE contact_id IN (SELECT id FROM temp.erase_people)")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut tomb = tx.prepare(
            "INSERT INTO erased_identities (account_id, ref_hash, erased_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id, ref_hash) DO UPDATE SET erased_at = excluded.erased_at",
        )?;
        for (account, remote_id) in identities {
            tomb.execute(params![
                account,
                identity_hash(AccountId(account), &remote_id),
                now
            ])?;
        }
    }
    // Conversations (their messages, index rows, HTML, drafts, outbox, labels, events cascade),
    // then identities, the merge audit that names them, and the contacts (notes, details, tags).
    tx.execute(
        "DELETE FROM threads WHERE contact_id IN (SELECT id FROM temp.erase_people)
            OR identity_id IN (SELECT id FROM identities WHERE contact_id IN (SELECT id FROM temp.erase_people))",
        [],
    )?;
    tx.execute(
        "DELETE FROM identities WHERE contact_id IN (SELECT id FROM temp.erase_people)",
        [],
    )?;
    // Who was greeted or answered by a rule, and when (no text, but about them).
    tx.execute(
        "DELETE FROM automation_ledger WHERE contact_id IN (SELECT id FROM temp.erase_people)",
        [],
    )?;
    // The automated messages the caps dropped for them (issue 18).
    tx.execute(
        "DELETE FROM automation_dropped WHERE contact_id IN (SELECT id FROM temp.erase_people)",
        [],
    )?;
    tx.execute(
        "DELETE FROM contact_changes WHERE contact_id IN (SELECT id FROM temp.erase_people)
            OR other_id IN (SELECT id FROM temp.erase_people)",
        [],
    )?;
    // Merged contacts first (they point at the survivor), then the person.
    tx.execute(
        "DELETE FROM contacts WHERE id IN (SELECT id FROM temp.erase_people) AND id <> ?1",
        [contact.0],
    )?;
    tx.execute("DELETE FROM contacts WHERE id = ?1", [contact.0])?;
    tx.execute("DELETE FROM temp.erase_people", [])?;
    tx.commit()?;
    Ok(files)
}

/// The erased bytes out of the files: a fresh search index, then the database rebuilt from what
/// is live (`VACUUM`: older copies of the person's words — cells rewritten by an update, index
/// segments merged away — can sit in free space that no delete zeroes), and the log folded in
/// and cut. The rebuild takes time on a big workspace (seconds per GB) and room for a copy;
/// an erase is rare and must be complete.
pub(crate) fn purge(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
        [],
    )?;
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}
