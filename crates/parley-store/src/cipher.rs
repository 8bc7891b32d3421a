//! Encryption at rest (issue 18; docs/decisions/027-encryption-at-rest.md): the database is a
//! SQLCipher file keyed with a random 256-bit key that the caller keeps in the OS keychain. The
//! key is given to SQLCipher raw (`x'…'`), so opening costs no key derivation; each page is
//! AES-256 encrypted and authenticated (HMAC-SHA512), the WAL's frames too.
//!
//! A workspace created before this is a plain SQLite file; [`encrypt_database`] copies it into a
//! new encrypted file (`sqlcipher_export`), which the caller renames over the old one: one atomic
//! rename, so a kill at any point leaves the plain file or the encrypted one, never neither.

use crate::Store;
use crate::error::{Result, StoreError};
use rusqlite::Connection;
use std::io::Read;
use std::path::Path;

/// Bytes of a database key.
pub const KEY_BYTES: usize = 32;

/// The first bytes of every plain SQLite database file (an encrypted one starts with its salt).
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A database key. Never written to a file or a log (its `Debug` hides it); the app keeps it in
/// the OS keychain.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey([u8; KEY_BYTES]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl DbKey {
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> DbKey {
        DbKey(bytes)
    }

    /// The key from its keychain form (64 hex digits); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<DbKey> {
        let hex = hex.trim().as_bytes();
        if hex.len() != KEY_BYTES * 2 {
            return None;
        }
        let mut out = [0u8; KEY_BYTES];
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16);
            out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some(DbKey(out))
    }

    /// The keychain form: 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// SQLCipher's raw-key form, `x'…'` (no key derivation).
    pub(crate) fn sql_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

/// What the file at a database path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFile {
    /// No file, or an empty one: a new workspace.
    Missing,
    /// A plain SQLite database (a workspace from before encryption at rest).
    Plain,
    /// Anything else: an encrypted database (or not a database at all, which the key check
    /// tells apart).
    Encrypted,
}

/// Looks at the first bytes of `path` (see [`DatabaseFile`]).
pub fn database_file(path: &Path) -> std::io::Result<DatabaseFile> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DatabaseFile::Missing),
        Err(e) => return Err(e),
    };
    let mut head = Vec::with_capacity(PLAIN_HEADER.len());
    file.by_ref()
        .take(PLAIN_HEADER.len() as u64)
        .read_to_end(&mut head)?;
    Ok(if head.is_empty() {
        DatabaseFile::Missing
    } else if head.as_slice() == PLAIN_HEADER {
        DatabaseFile::Plain
    } else {
        DatabaseFile::Encrypted
    })
}

/// Keys `conn` and checks the key opens it: SQLCipher only finds out at the first read.
pub(crate) fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    conn.pragma_update(None, "key", key.sql_value())?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::KeyRejected)
        }
        Err(e) => Err(e.into()),
    }
}

/// A connection to the database at `path` (which must exist), keyed with `key` when given.
pub fn connect(path: &Path, key: Option<&DbKey>, flags: rusqlite::OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    if let Some(key) = key {
        apply_key(&conn, key)?;
    }
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) the encrypted database at `path` with `key` and brings its
    /// schema up to date. A key that does not open it is [`StoreError::KeyRejected`].
    pub fn open_encrypted(path: &Path, key: &DbKey) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        apply_key(&conn, key)?;
        Self::setup(conn)
    }
}

/// Copies the plain database at `plain` into a new encrypted file `dest` keyed with `key`
/// (`sqlcipher_export`: the schema, every row, `user_version`), synced to disk. `plain` is left as
/// it was, except that its WAL is checkpointed into it first. `dest` is replaced if it exists.
pub fn encrypt_database(plain: &Path, dest: &Path, key: &DbKey) -> Result<()> {
    export(plain, None, dest, Some(key))
}

/// Copies the database at `src` (keyed with `src_key`, or plain) into a new file `dest` keyed
/// with `dest_key` (or plain), synced; see [`encrypt_database`].
pub fn export(
    src: &Path,
    src_key: Option<&DbKey>,
    dest: &Path,
    dest_key: Option<&DbKey>,
) -> Result<()> {
    if !src.exists() {
        return Err(StoreError::NotFound("database file"));
    }
    let conn = connect(
        src,
        src_key,
        // CREATE for the attached copy (ATTACH opens with the main file's flags); `src` exists.
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Everything committed is in the main file before it is read (and before the caller swaps
    // files: a WAL left beside the new file would be replayed into it).
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(StoreError::Invalid(
            "the database is in use by another program; close it and try again".into(),
        ));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    match std::fs::remove_file(dest) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| StoreError::Invalid(format!("the path {} is not UTF-8", dest.display())))?;
    let key_value = dest_key.map(DbKey::sql_value).unwrap_or_default();
    conn.execute(
        "ATTACH DATABASE ?1 AS export KEY ?2",
        rusqlite::params![dest_text, key_value],
    )?;
    let exported = (|| -> Result<()> {
        conn.query_row("SELECT sqlcipher_export('export')", [], |_| Ok(()))?;
        conn.pragma_update(Some("export"), "user_version", version)?;
        Ok(())
    })();
    conn.execute("DETACH DATABASE export", [])?;
    exported?;
    drop(conn);
    std::fs::File::open(dest)?.sync_all()?;
    Ok(())
}

/// The file a plain database is encrypted into, beside it, before it replaces it.
pub fn encrypting_path(db: &Path) -> std::path::PathBuf {
    sibling(db, ".encrypting")
}

fn sibling(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Encrypts the workspace database at `db` with `key` if it is a plain one (a workspace from
/// before encryption at rest), and answers whether it did. Nothing may have the database open.
///
/// The plain file is copied into [`encrypting_path`] (`sqlcipher_export`, synced), its WAL
/// (checkpointed into it first) removed, and the copy renamed over it (then the folder synced):
/// a kill before the rename leaves the plain workspace, whole, which the next start encrypts
/// again; after it, the encrypted one. A copy left by such a kill is removed here.
///
/// `progress(bytes written, bytes to write)` is called every tenth of a second or so, from
/// another thread, while the copy runs (the total is the plain file's size, so a guess).
pub fn encrypt_in_place(
    db: &Path,
    key: &DbKey,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<bool> {
    let tmp = encrypting_path(db);
    let tmp_journal = sibling(&tmp, "-journal");
    if database_file(db)? != DatabaseFile::Plain {
        remove_if_present(&tmp)?;
        remove_if_present(&tmp_journal)?;
        return Ok(false);
    }
    remove_if_present(&tmp)?;
    remove_if_present(&tmp_journal)?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total = size(db) + size(&sibling(db, "-wal"));
    let done = std::sync::atomic::AtomicBool::new(false);
    let exported = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                progress(size(&tmp).min(total), total);
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let result = export(db, None, &tmp, Some(key));
        done.store(true, std::sync::atomic::Ordering::Release);
        result
    });
    exported?;
    // Checkpointed and closed: the log files hold nothing the plain file lacks, and a WAL left
    // beside the encrypted file would be replayed into it.
    remove_if_present(&sibling(db, "-wal"))?;
    remove_if_present(&sibling(db, "-shm"))?;
    std::fs::rename(&tmp, db)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directory entries are flushed where the platform allows opening a folder.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    progress(total, total);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_keychain_form_and_never_prints() {
        let key = DbKey::from_bytes(std::array::from_fn(|i| i as u8 * 7));
        let hex = key.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(DbKey::from_hex(&hex), Some(key.clone()));
        assert_eq!(DbKey::from_hex(&hex[..62]), None);
        assert_eq!(DbKey::from_hex(&format!("{}zz", &hex[..62])), None);
        assert!(!format!("{key:?}").contains(&hex[..8]));
    }
}
