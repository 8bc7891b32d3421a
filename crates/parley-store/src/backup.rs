//! The database's side of a backup (issue 18): a consistent copy of the live file while the
//! sync writes, the checks a restored copy must pass, and the counts a restore confirmation
//! shows.
//!
//! The copy is SQLite's online backup API run on a second, read-only connection of its own, in
//! one step: one read transaction, so the copy is the database as of one commit, and in WAL
//! mode the writer (the sync, the outbox) is never blocked by it. Pages go from file to file; the
//! database never sits in memory.

use crate::error::{Result, StoreError};
use crate::migrations;
use crate::{DbKey, Store};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What a workspace holds, in the words a restore confirmation uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkspaceCounts {
    pub accounts: i64,
    pub contacts: i64,
    pub conversations: i64,
    pub messages: i64,
    pub notes: i64,
}

/// Copies the database at `src` (keyed with `key`, or plain) into a new file `dest` under the
/// same key (see the module doc; SQLCipher copies pages only between files with one key: see
/// [`rekey_database`] for the copy's own key).
pub fn snapshot_database(src: &Path, key: Option<&DbKey>, dest: &Path) -> Result<()> {
    let from = crate::connect(
        src,
        key,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(std::time::Duration::from_secs(30))?;
    let _ = std::fs::remove_file(dest);
    let mut to = Connection::open(dest)?;
    if let Some(key) = key {
        crate::cipher::apply_key(&to, key)?;
    }
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to)?;
        // All pages in one step: one read transaction, one consistent copy.
        backup.step(-1)?;
    }
    // The copy is one plain file (no WAL beside it) that any later open can read.
    let _mode: String = to.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
    drop(to);
    std::fs::File::open(dest)?.sync_all()?;
    Ok(())
}

/// Changes the key of the encrypted, unopened database file at `path` (not in WAL mode: a
/// snapshot) from `from` to `to`: SQLCipher rewrites every page in one transaction.
pub fn rekey_database(path: &Path, from: &DbKey, to: &DbKey) -> Result<()> {
    let conn = crate::connect(path, Some(from), OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.pragma_update(None, "rekey", to.sql_value())?;
    drop(conn);
    std::fs::File::open(path)?.sync_all()?;
    Ok(())
}

/// Checks a database file found in a backup (keyed with `key`, or plain): SQLite's
/// `integrity_check` says ok and its schema is one this build can read (older ones are migrated
/// when opened). Answers its schema version.
pub fn verify_database(path: &Path, key: Option<&DbKey>) -> Result<u32> {
    let conn = crate::connect(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| StoreError::Corrupt(format!("the database cannot be read ({e})")))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the database failed its integrity check ({verdict})"
        )));
    }
    let found = migrations::version(&conn)?;
    if found > migrations::LATEST {
        return Err(StoreError::TooNew {
            found,
            supported: migrations::LATEST,
        });
    }
    Ok(found)
}

fn count(conn: &Connection, sql: &str) -> Result<i64> {
    Ok(conn.query_row(sql, [], |r| r.get(0))?)
}

fn counts_of(conn: &Connection) -> Result<WorkspaceCounts> {
    Ok(WorkspaceCounts {
        accounts: count(
            conn,
            "SELECT count(*) FROM accounts WHERE removed_at IS NULL",
        )?,
        contacts: count(
            conn,
            "SELECT count(*) FROM contacts WHERE merged_into IS NULL",
        )?,
        conversations: count(conn, "SELECT count(*) FROM threads")?,
        messages: count(conn, "SELECT count(*) FROM messages")?,
        notes: count(conn, "SELECT count(*) FROM notes")?,
    })
}

/// The counts of a database file (a staged restore's; keyed with `key`, or plain), read-only.
pub fn database_counts(path: &Path, key: Option<&DbKey>) -> Result<WorkspaceCounts> {
    let conn = crate::connect(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    counts_of(&conn)
}

impl Store {
    /// What this workspace holds (the confirmation of a restore over it).
    pub fn workspace_counts(&self) -> Result<WorkspaceCounts> {
        counts_of(&self.conn)
    }
}

/// Every row of every table of the database at `path`, as text, table by table in rowid or
/// key order: two databases with the same dump hold the same data (tests compare a restore
/// with its original this way). The search index's shadow tables are left out (they follow
/// from `messages`).
pub fn dump_tables(path: &Path, key: Option<&DbKey>) -> Result<Vec<(String, Vec<String>)>> {
    let conn = crate::connect(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables {
        let n = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))?
            .column_count();
        let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let mut stmt = conn.prepare(&format!(
            "SELECT * FROM \"{t}\" ORDER BY {}",
            order.join(", ")
        ))?;
        let rows = stmt
            .query_map([], |r| {
                let mut line = Vec::with_capacity(n);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push(format!("{v:?}"));
                }
                Ok(line.join("|"))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.push((t, rows));
    }
    Ok(out)
}
