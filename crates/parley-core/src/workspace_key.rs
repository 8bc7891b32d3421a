//! The workspace database's key (issue 18, docs/decisions/027-encryption-at-rest.md): one random
//! 256-bit key per workspace, made at its first start and kept in the OS keychain only, under
//! `workspace-database-key:<id>`. The id is a random name kept in the data folder
//! (`workspace-id`, not a secret), so two workspaces on one machine (`PARLEY_DATA_DIR`) have two
//! keys.
//!
//! Opening: a new workspace gets a new key; a plain workspace from before encryption at rest gets
//! one and is encrypted in place first ([`parley_store::encrypt_in_place`], kill-safe); an
//! encrypted one is opened with its key, and a missing or wrong key stops the start with a
//! sentence saying what is wrong and what to do.

use crate::secrets::SecretStore;
use parley_domain::{ErrorCode, IpcError};
use parley_store::{DatabaseFile, DbKey, KEY_BYTES, Store, StoreError};
use std::path::Path;

/// The file, in the data folder, naming the workspace's keychain entry.
const ID_FILE: &str = "workspace-id";
/// The keychain entry's name, before the workspace id.
pub(crate) const ENTRY_PREFIX: &str = "workspace-database-key:";

fn keychain(what: &str, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Keychain,
        format!(
            "Parley keeps the key of its encrypted database in the system keychain, which {what} ({e}). Unlock or start the keychain (GNOME Keyring, KWallet, the macOS Keychain, the Windows Credential Manager), then start Parley again."
        ),
    )
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Storage,
        format!(
            "Parley could not prepare {} ({e}). Check the data folder's free space and permissions, then start Parley again.",
            path.display()
        ),
    )
}

/// The workspace's id, made (and flushed) on its first start.
fn workspace_id(data_dir: &Path) -> Result<String, IpcError> {
    let path = data_dir.join(ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(storage(&path, e)),
    }
    std::fs::create_dir_all(data_dir).map_err(|e| storage(data_dir, e))?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let part = data_dir.join(format!("{ID_FILE}.part"));
    std::fs::write(&part, &id)
        .and_then(|()| std::fs::File::open(&part)?.sync_all())
        .and_then(|()| std::fs::rename(&part, &path))
        .map_err(|e| storage(&path, e))?;
    Ok(id)
}

fn entry_name(data_dir: &Path) -> Result<String, IpcError> {
    Ok(format!("{ENTRY_PREFIX}{}", workspace_id(data_dir)?))
}

/// The key kept for the workspace at `data_dir`, if any (tests open its database with it).
pub fn stored_key(secrets: &dyn SecretStore, data_dir: &Path) -> Result<Option<DbKey>, IpcError> {
    let name = entry_name(data_dir)?;
    match secrets
        .get(&name)
        .map_err(|e| keychain("cannot be read", e))?
    {
        None => Ok(None),
        Some(hex) => DbKey::from_hex(&hex).map(Some).ok_or_else(|| {
            IpcError::new(
                ErrorCode::Keychain,
                format!(
                    "The keychain entry “{name}” does not hold a Parley database key (it was changed by hand?). Put the original key back, or restore a backup into a new data folder."
                ),
            )
        }),
    }
}

/// A new random key, kept in the keychain (and read back, so a keychain that drops what it is
/// given is found now, not at the next start).
fn new_key(secrets: &dyn SecretStore, data_dir: &Path) -> Result<DbKey, IpcError> {
    let name = entry_name(data_dir)?;
    let mut bytes = [0u8; KEY_BYTES];
    rand::fill(&mut bytes);
    let key = DbKey::from_bytes(bytes);
    secrets
        .set(&name, &key.to_hex())
        .map_err(|e| keychain("refused to keep it", e))?;
    match stored_key(secrets, data_dir)? {
        Some(k) if k == key => Ok(key),
        _ => Err(keychain("did not keep it", "read back empty or different")),
    }
}

/// What opening the workspace's database went through, for the log and the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// `done` of `total` bytes of a plain workspace encrypted so far.
    Encrypting { done: u64, total: u64 },
}

/// Opens the workspace's database (see the module doc), encrypting a plain one first.
pub(crate) fn open_store(
    secrets: &dyn SecretStore,
    data_dir: &Path,
    db: &Path,
    progress: &(dyn Fn(Opening) + Sync),
) -> Result<(Store, DbKey), IpcError> {
    let kind = parley_store::database_file(db).map_err(|e| storage(db, e))?;
    let key = match (stored_key(secrets, data_dir)?, kind) {
        (Some(key), _) => key,
        (None, DatabaseFile::Encrypted) => {
            return Err(IpcError::new(
                ErrorCode::Keychain,
                format!(
                    "Parley's database {} is encrypted, and its key is not in this computer's keychain (entry “{}”). If the keychain was reset or this folder was copied from another computer, Parley cannot read it here: restore a backup instead (Settings → Backup), into a new data folder.",
                    db.display(),
                    entry_name(data_dir)?
                ),
            ));
        }
        (None, DatabaseFile::Missing | DatabaseFile::Plain) => new_key(secrets, data_dir)?,
    };
    if kind == DatabaseFile::Plain {
        tracing::info!("encrypting the workspace's database (first start with encryption at rest)");
        let started = std::time::Instant::now();
        let last = std::sync::Mutex::new(0u64);
        let report = |done: u64, total: u64| {
            // A line for each tenth done, and the window's progress each time.
            if let Ok(mut last) = last.lock() {
                let tenth = done * 10 / total.max(1);
                if tenth > *last {
                    *last = tenth;
                    tracing::info!(done, total, "encrypting the workspace's database");
                }
            }
            progress(Opening::Encrypting { done, total });
        };
        parley_store::encrypt_in_place(db, &key, &report).map_err(|e| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "Parley could not encrypt its database ({e}); the unencrypted one is kept as it was. Check the data folder's free space (the copy needs as much as the database), then start Parley again."
                ),
            )
        })?;
        tracing::info!(
            ms = started.elapsed().as_millis(),
            "the workspace's database is encrypted"
        );
    } else {
        // A copy left by a kill before its rename (the plain file was kept).
        let _ = std::fs::remove_file(parley_store::encrypting_path(db));
    }
    let store = Store::open_encrypted(db, &key).map_err(|e| match e {
        StoreError::KeyRejected => IpcError::new(
            ErrorCode::Keychain,
            format!(
                "Parley's database {} does not open with the key kept for it in the keychain (entry “{}”): the key was replaced, or the file is damaged or from another workspace. Put the original file or key back, or restore a backup into a new data folder.",
                db.display(),
                entry_name(data_dir).unwrap_or_default()
            ),
        ),
        other => crate::errors::store(other),
    })?;
    Ok((store, key))
}
