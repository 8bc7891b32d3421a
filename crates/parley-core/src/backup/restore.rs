//! Restore from a backup file and its passphrase, in three steps that each leave a usable
//! workspace:
//!
//! 1. **Check** ([`Parley::check_restore`]): the file is decrypted and unpacked into
//!    `restore-staging.part/` in the data folder, every file's SHA-256 is compared with the
//!    manifest, the database passes SQLite's `integrity_check` and is brought to this build's
//!    schema; only then is the folder renamed `restore-staging/`. A wrong passphrase, a damaged
//!    or cut file stops here with the workspace untouched (the part folder is removed). The
//!    owner sees the exact counts of the backup and of what it replaces.
//! 2. **Confirm** ([`Parley::confirm_restore`]): a `READY` marker is written in the staging
//!    folder (and flushed). Nothing else moves while the workspace is open.
//! 3. **Swap** ([`finish_pending`]), at the next start, before the database is opened: the
//!    live database's log files, then the database and each folder, are moved aside into
//!    `restore-old/` and the staged one renamed into place, item by item. Each rename is atomic
//!    and the marker stays until the last, so a kill at any point is finished by the next start
//!    (an item still in staging is not swapped yet); then the marker, the staging and the old
//!    workspace go. A staging folder without the marker (a check never confirmed, a crash
//!    while checking) is removed at start.

use super::format::{self, DATABASE, FOLDERS, Hashing, MANIFEST, Manifest, OpenError};
use super::{internal, invalid};
use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use parley_store::DbKey;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const STAGING: &str = "restore-staging";
const STAGING_PART: &str = "restore-staging.part";
const OLD: &str = "restore-old";
const READY: &str = "READY";
/// The longest manifest read (a manifest lists every file: a few hundred bytes each).
const MANIFEST_MAX: u64 = 256 * 1024 * 1024;

/// The checked backup waiting for confirmation.
#[derive(Default)]
pub(crate) struct RestoreSlot(Mutex<Option<RestorePreview>>);

fn damaged(why: impl std::fmt::Display) -> IpcError {
    invalid(format!(
        "This backup file is damaged or incomplete ({why}). Nothing was changed; try another copy of the backup."
    ))
}

fn wrong_passphrase() -> IpcError {
    invalid(
        "The passphrase does not open this backup. Check it (capitals count) and try again; nothing was changed.",
    )
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Storage,
        format!(
            "The backup could not be unpacked into {} ({e}). Check the free space, then try again; nothing was changed.",
            path.display()
        ),
    )
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) {
    // Directory entries are flushed where the platform allows opening a folder.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Unpacks and checks `file` into the staging folder (step 1 of the module doc).
pub(crate) fn stage(
    data_dir: &Path,
    file: &Path,
    passphrase: &str,
    local_key: &DbKey,
) -> Result<Manifest, IpcError> {
    let part = data_dir.join(STAGING_PART);
    let staging = data_dir.join(STAGING);
    remove_any(&part).map_err(|e| storage(&part, e))?;
    remove_any(&staging).map_err(|e| storage(&staging, e))?;
    let result = unpack(&part, file, passphrase, local_key);
    match result {
        Ok(manifest) => {
            std::fs::rename(&part, &staging).map_err(|e| storage(&staging, e))?;
            sync_dir(data_dir);
            Ok(manifest)
        }
        Err(e) => {
            let _ = remove_any(&part);
            Err(e)
        }
    }
}

fn unpack(
    part: &Path,
    file: &Path,
    passphrase: &str,
    local_key: &DbKey,
) -> Result<Manifest, IpcError> {
    std::fs::create_dir_all(part).map_err(|e| storage(part, e))?;
    let input = std::fs::File::open(file).map_err(|e| {
        invalid(format!(
            "The backup file {} cannot be read ({e}).",
            file.display()
        ))
    })?;
    let payload = match format::open(BufReader::new(input), passphrase) {
        Ok(p) => p,
        Err(OpenError::WrongPassphrase) => return Err(wrong_passphrase()),
        Err(OpenError::Damaged(why)) => return Err(damaged(why)),
        Err(OpenError::Io(e)) => return Err(damaged(e)),
    };
    let mut archive = tar::Archive::new(payload);
    let mut seen: HashMap<String, (u64, String)> = HashMap::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged("it holds something that is not a file"));
        }
        let path = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| damaged("it holds a file with a name that is not text"))?;
        if !format::allowed_path(&path) || seen.contains_key(&path) || manifest.is_some() {
            return Err(damaged(format!("it holds an unexpected file “{path}”")));
        }
        if path == MANIFEST {
            let mut json = Vec::new();
            (&mut entry)
                .take(MANIFEST_MAX)
                .read_to_end(&mut json)
                .map_err(damaged)?;
            manifest = Some(
                serde_json::from_slice(&json)
                    .map_err(|e| damaged(format!("its manifest cannot be read: {e}")))?,
            );
            continue;
        }
        let dest = part.join(&path);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| storage(part, e))?;
        }
        let mut out = std::fs::File::create(&dest).map_err(|e| storage(part, e))?;
        let mut reader = Hashing::new(&mut entry);
        // Reading fails on damage, writing on the disk: said apart.
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(damaged)?;
            if n == 0 {
                break;
            }
            std::io::Write::write_all(&mut out, &buf[..n]).map_err(|e| storage(part, e))?;
        }
        seen.insert(path, reader.digest());
    }
    // Read to the end, so the last chunk's authentication (a cut file) is checked too.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink()).map_err(damaged)?;
    let manifest = manifest.ok_or_else(|| damaged("its manifest is missing"))?;
    if manifest.format > format::FORMAT_VERSION {
        return Err(invalid(
            "This backup was made by a newer Parley. Update Parley, then restore it.",
        ));
    }
    if manifest.files.len() != seen.len() {
        return Err(damaged("files are missing from it"));
    }
    for f in &manifest.files {
        match seen.get(&f.path) {
            Some((size, sha)) if *size == f.size && *sha == f.sha256 => {}
            Some(_) => return Err(damaged(format!("“{}” does not match its checksum", f.path))),
            None => return Err(damaged(format!("“{}” is missing from it", f.path))),
        }
    }
    let db = part.join(DATABASE);
    if !seen.contains_key(DATABASE) {
        return Err(damaged("its database is missing"));
    }
    let copy_key = match &manifest.database_key {
        Some(hex) => {
            Some(DbKey::from_hex(hex).ok_or_else(|| damaged("its database key is unreadable"))?)
        }
        None => None,
    };
    parley_store::backup::verify_database(&db, copy_key.as_ref()).map_err(|e| match e {
        parley_store::StoreError::TooNew { .. } => {
            invalid("This backup was made by a newer Parley. Update Parley, then restore it.")
        }
        other => damaged(other),
    })?;
    // The copy takes this workspace's key (from this computer's keychain): the archive's own
    // key, or, from a backup made before encryption at rest, a plain copy encrypted.
    match &copy_key {
        Some(k) => parley_store::backup::rekey_database(&db, k, local_key).map_err(damaged)?,
        None => {
            let encrypted = parley_store::encrypting_path(&db);
            parley_store::encrypt_database(&db, &encrypted, local_key).map_err(damaged)?;
            std::fs::rename(&encrypted, &db).map_err(|e| storage(part, e))?;
        }
    }
    // An older schema is brought up to date here, before anything is swapped.
    drop(parley_store::Store::open_encrypted(&db, local_key).map_err(damaged)?);
    std::fs::File::open(&db)
        .and_then(|f| f.sync_all())
        .map_err(|e| storage(part, e))?;
    // Every item exists in staging, so "still in staging" means "not swapped yet".
    for folder in FOLDERS {
        std::fs::create_dir_all(part.join(folder)).map_err(|e| storage(part, e))?;
    }
    Ok(manifest)
}

/// Finishes a confirmed restore before the store opens (step 3 of the module doc). Answers
/// whether one was finished.
pub(crate) fn finish_pending(data_dir: &Path) -> std::io::Result<bool> {
    let staging = data_dir.join(STAGING);
    let old = data_dir.join(OLD);
    if !staging.join(READY).exists() {
        remove_any(&staging)?;
        remove_any(&data_dir.join(STAGING_PART))?;
        remove_any(&old)?;
        return Ok(false);
    }
    std::fs::create_dir_all(&old)?;
    if staging.join(DATABASE).exists() {
        // The old database's log must never be read against the new database.
        for suffix in ["-wal", "-shm"] {
            let name = format!("{DATABASE}{suffix}");
            let live = data_dir.join(&name);
            if live.exists() {
                remove_any(&old.join(&name))?;
                std::fs::rename(&live, old.join(&name))?;
            }
        }
    }
    for item in std::iter::once(DATABASE).chain(FOLDERS.iter().copied()) {
        let staged = staging.join(item);
        if !staged.exists() {
            continue;
        }
        let live = data_dir.join(item);
        if std::fs::symlink_metadata(&live).is_ok() {
            remove_any(&old.join(item))?;
            std::fs::rename(&live, old.join(item))?;
        }
        std::fs::rename(&staged, &live)?;
    }
    sync_dir(data_dir);
    std::fs::remove_file(staging.join(READY))?;
    sync_dir(&staging);
    remove_any(&staging)?;
    remove_any(&old)?;
    Ok(true)
}

impl Parley {
    /// Where a restore stands.
    pub async fn restore_state(&self) -> RestoreState {
        if self.paths.data_dir.join(STAGING).join(READY).exists() {
            return RestoreState::Pending;
        }
        let checked = self
            .backup
            .restore
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if checked {
            RestoreState::Checked
        } else {
            RestoreState::None
        }
    }

    /// Opens the backup file the owner picks (`PARLEY_BACKUP_OPEN_PATH` overrides the dialog)
    /// with `passphrase` and checks it (step 1 of the module doc); `None` when the dialog was
    /// cancelled. Nothing in the workspace changes.
    pub async fn check_restore(
        &self,
        passphrase: String,
    ) -> Result<Option<RestorePreview>, IpcError> {
        if passphrase.is_empty() {
            return Err(invalid("Type the backup's passphrase first."));
        }
        let file = if let Some(p) =
            std::env::var_os("PARLEY_BACKUP_OPEN_PATH").filter(|p| !p.is_empty())
        {
            Some(PathBuf::from(p))
        } else if let Some(picker) = self.save_picker() {
            tokio::task::spawn_blocking(move || picker.pick_file("Restore from a backup"))
                .await
                .map_err(internal)?
        } else {
            None
        };
        let Some(file) = file else { return Ok(None) };
        self.check_restore_file(&file, passphrase).await.map(Some)
    }

    /// [`Parley::check_restore`] of a known file.
    pub async fn check_restore_file(
        &self,
        file: &Path,
        passphrase: String,
    ) -> Result<RestorePreview, IpcError> {
        *self
            .backup
            .restore
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        let data_dir = self.paths.data_dir.clone();
        let f = file.to_path_buf();
        let key = self.db_key.clone();
        let manifest = tokio::task::spawn_blocking(move || stage(&data_dir, &f, &passphrase, &key))
            .await
            .map_err(internal)??;
        let c = self
            .db
            .call(|s| s.workspace_counts())
            .await
            .map_err(errors::store)?;
        let dir = self.paths.data_dir.clone();
        let files = tokio::task::spawn_blocking(move || format::workspace_files(&dir))
            .await
            .map_err(internal)?
            .map(|f| f.len() as i64)
            .unwrap_or(0);
        let preview = RestorePreview {
            path: file.to_string_lossy().into_owned(),
            created_at: manifest.created_at,
            app_version: manifest.app_version,
            backup: manifest.counts,
            current: WorkspaceCounts {
                accounts: c.accounts,
                contacts: c.contacts,
                conversations: c.conversations,
                messages: c.messages,
                notes: c.notes,
                files,
            },
        };
        *self
            .backup
            .restore
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(preview.clone());
        Ok(preview)
    }

    /// Confirms the checked restore: it replaces this workspace when Parley starts next.
    pub async fn confirm_restore(&self) -> Result<RestoreState, IpcError> {
        let staged = self.paths.data_dir.join(STAGING);
        let checked = self
            .backup
            .restore
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if checked.is_none() || !staged.is_dir() {
            return Err(invalid(
                "Open and check a backup first (Restore from a backup…).",
            ));
        }
        tokio::task::spawn_blocking(move || {
            let marker = staged.join(READY);
            std::fs::write(&marker, b"restore on next start\n")?;
            std::fs::File::open(&marker)?.sync_all()?;
            sync_dir(&staged);
            Ok::<_, std::io::Error>(())
        })
        .await
        .map_err(internal)?
        .map_err(|e| storage(&self.paths.data_dir, e))?;
        Ok(RestoreState::Pending)
    }

    /// Drops a checked or confirmed restore that has not been swapped in yet.
    pub async fn cancel_restore(&self) -> Result<RestoreState, IpcError> {
        *self
            .backup
            .restore
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
        let staged = self.paths.data_dir.join(STAGING);
        tokio::task::spawn_blocking(move || remove_any(&staged))
            .await
            .map_err(internal)?
            .map_err(|e| storage(&self.paths.data_dir, e))?;
        Ok(RestoreState::None)
    }
}
