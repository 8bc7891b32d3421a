//! Backup and restore of the whole workspace (issue 18; why so: `docs/decisions/024-backup.md`).
//!
//! A backup is one file ([`format`]): the database copied through SQLite's online backup API
//! while the app runs (`parley_store::backup`), the workspace's files, and a manifest with a
//! SHA-256 per file, as a tar streamed through age encryption. Nothing is held in memory: the
//! database copy is a temporary file in the data folder, the tar is written entry by entry into
//! the encrypting writer, and the file is written as `.name.partial` beside the target and
//! renamed once complete and flushed.
//!
//! By hand ([`Parley::backup_now`]): the owner types a passphrase, picks where (the system's
//! save dialog; `PARLEY_BACKUP_PATH` overrides it for tests). Scheduled (daily, [`scheduler`]):
//! to a folder the owner chose, keeping the newest N, written to a key set up once from the
//! passphrase — only its public half and its passphrase-sealed private half are kept, in the
//! settings; the passphrase never is. Restore: [`restore`].

pub(crate) mod format;
pub(crate) mod restore;
pub(crate) mod scheduler;

use crate::errors;
use crate::facade::Parley;
use format::{DATABASE, FORMAT_VERSION, Hashing, MANIFEST, Manifest, ManifestFile, SealedKey};
use parley_domain::*;
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The settings key of the schedule.
pub(crate) const SCHEDULE_KEY: &str = "backup.schedule";
/// A backup file's extension.
pub const EXTENSION: &str = "parley-backup";
/// Scheduled backups' names start with this (rotation only ever deletes such files).
const SCHEDULED_PREFIX: &str = "parley-backup-";
pub(crate) const DAY_MS: Millis = 86_400_000;
/// After a failed scheduled backup, the next try.
pub(crate) const RETRY_MS: Millis = 3_600_000;
/// The temporary folder of the database copy.
const TMP_DIR: &str = ".backup-tmp";

/// The schedule as kept in the settings (no secret: see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Schedule {
    pub enabled: bool,
    pub folder: Option<String>,
    pub keep: Option<u32>,
    pub key: Option<SealedKey>,
    /// The last backup, by hand or scheduled.
    pub last: Option<BackupResult>,
    /// When the schedule last tried (success or not).
    pub last_scheduled_at: Option<Millis>,
    pub last_scheduled_ok: bool,
}

impl Schedule {
    pub fn keep(&self) -> u32 {
        self.keep.unwrap_or(BACKUP_KEEP_DEFAULT).max(1)
    }

    /// When the next scheduled backup is due, if one is scheduled.
    pub fn next_at(&self, now: Millis) -> Option<Millis> {
        if !self.enabled || self.folder.is_none() || self.key.is_none() {
            return None;
        }
        Some(match self.last_scheduled_at {
            None => now,
            Some(at) if self.last_scheduled_ok => at + DAY_MS,
            Some(at) => at + RETRY_MS,
        })
    }
}

/// One backup at a time (by hand or scheduled).
#[derive(Default)]
pub(crate) struct BackupState {
    running: AtomicBool,
    pub(crate) wake: std::sync::Arc<tokio::sync::Notify>,
    pub(crate) restore: restore::RestoreSlot,
}

struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Storage,
        format!(
            "The backup could not be written to {} ({e}). Check the folder and its free space, then try again.",
            path.display()
        ),
    )
}

fn internal(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorCode::Internal, e.to_string())
}

pub(crate) fn check_passphrase(passphrase: &str) -> Result<(), IpcError> {
    if passphrase.chars().count() < PASSPHRASE_MIN_CHARS {
        return Err(invalid(format!(
            "Choose a passphrase of at least {PASSPHRASE_MIN_CHARS} characters (a few words are easy to remember and hard to guess). Keep it somewhere safe: without it the backup cannot be opened."
        )));
    }
    Ok(())
}

/// The temporary file beside `target`.
fn partial_of(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.partial"))
}

fn stamp(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| t.strftime("%Y-%m-%d-%H%M%S").to_string())
        .unwrap_or_else(|_| at.to_string())
}

impl Parley {
    pub(crate) async fn load_schedule(&self) -> Result<Schedule, IpcError> {
        let json = self
            .db
            .call(|s| s.setting(SCHEDULE_KEY))
            .await
            .map_err(errors::store)?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub(crate) async fn save_schedule(&self, schedule: &Schedule) -> Result<(), IpcError> {
        let json = serde_json::to_string(schedule).map_err(internal)?;
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(SCHEDULE_KEY, &json, now))
            .await
            .map_err(errors::store)
    }

    fn settings_view(&self, s: &Schedule) -> BackupSettings {
        BackupSettings {
            enabled: s.enabled,
            folder: s.folder.clone(),
            keep: s.keep(),
            has_key: s.key.is_some(),
            last: s.last.clone(),
            next_at: s.next_at(self.clock.now()),
        }
    }

    /// The Backup section of Settings.
    pub async fn backup_settings(&self) -> Result<BackupSettings, IpcError> {
        let s = self.load_schedule().await?;
        Ok(self.settings_view(&s))
    }

    /// Changes the schedule; a passphrase given sets up a new key for it (see the module doc).
    pub async fn set_backup_schedule(
        &self,
        input: BackupScheduleInput,
    ) -> Result<BackupSettings, IpcError> {
        let mut s = self.load_schedule().await?;
        if !(1..=365).contains(&input.keep) {
            return Err(invalid("Keep between 1 and 365 backups."));
        }
        let folder = input
            .folder
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty());
        if let Some(f) = &folder
            && !Path::new(f).is_absolute()
        {
            return Err(invalid(
                "Choose the backup folder with “Choose…” (a full path is needed).",
            ));
        }
        if let Some(p) = input.passphrase.filter(|p| !p.is_empty()) {
            check_passphrase(&p)?;
            let key = tokio::task::spawn_blocking(move || SealedKey::new(&p))
                .await
                .map_err(internal)?
                .map_err(internal)?;
            s.key = Some(key);
        }
        if input.enabled && folder.is_none() {
            return Err(invalid(
                "Choose a folder for the daily backups first (a synced drive or a USB disk).",
            ));
        }
        if input.enabled && s.key.is_none() {
            return Err(invalid(
                "Type the passphrase the daily backups are locked with (it is needed to restore them, and not kept).",
            ));
        }
        if s.folder != folder {
            // A new folder gets its first backup now.
            s.last_scheduled_at = None;
        }
        s.enabled = input.enabled;
        s.folder = folder;
        s.keep = Some(input.keep);
        self.save_schedule(&s).await?;
        self.backup.wake.notify_one();
        Ok(self.settings_view(&s))
    }

    /// The folder picker for the schedule (`PARLEY_BACKUP_FOLDER` overrides it); `None` when
    /// cancelled.
    pub async fn pick_backup_folder(&self) -> Result<Option<String>, IpcError> {
        if let Some(p) = std::env::var_os("PARLEY_BACKUP_FOLDER").filter(|p| !p.is_empty()) {
            return Ok(Some(PathBuf::from(p).to_string_lossy().into_owned()));
        }
        let Some(picker) = self.save_picker() else {
            return Ok(None);
        };
        let picked = tokio::task::spawn_blocking(move || picker.pick_folder("Backup folder"))
            .await
            .map_err(internal)?;
        Ok(picked.map(|p| p.to_string_lossy().into_owned()))
    }

    /// A backup now, locked with `passphrase`, to a file the owner picks.
    pub async fn backup_now(&self, passphrase: String) -> Result<BackupOutcome, IpcError> {
        check_passphrase(&passphrase)?;
        let now = self.clock.now();
        let name = format!("parley-{}", stamp(now));
        let target =
            if let Some(p) = std::env::var_os("PARLEY_BACKUP_PATH").filter(|p| !p.is_empty()) {
                Some(PathBuf::from(p))
            } else if let Some(picker) = self.save_picker() {
                let file = format!("{name}.{EXTENSION}");
                tokio::task::spawn_blocking(move || {
                    picker.pick_titled("Save a backup", &file, EXTENSION)
                })
                .await
                .map_err(internal)?
            } else {
                Some(
                    self.paths
                        .data_dir
                        .join("backups")
                        .join(format!("{name}.{EXTENSION}")),
                )
            };
        let Some(target) = target else {
            return Ok(BackupOutcome {
                path: None,
                counts: WorkspaceCounts::default(),
                bytes: 0,
            });
        };
        let key = tokio::task::spawn_blocking(move || SealedKey::new(&passphrase))
            .await
            .map_err(internal)?
            .map_err(internal)?;
        let written = self.write_backup(&key, &target).await;
        self.record(now, &target, &written, false).await;
        let (counts, bytes) = written?;
        Ok(BackupOutcome {
            path: Some(target.to_string_lossy().into_owned()),
            counts,
            bytes,
        })
    }

    /// Keeps how a backup went for Settings (and, `scheduled`, when the schedule last ran).
    pub(crate) async fn record(
        &self,
        at: Millis,
        target: &Path,
        written: &Result<(WorkspaceCounts, i64), IpcError>,
        scheduled: bool,
    ) {
        let result = match written {
            Ok((c, bytes)) => BackupResult {
                at,
                ok: true,
                path: Some(target.to_string_lossy().into_owned()),
                message: format!(
                    "Backed up {} conversations, {} messages and {} files.",
                    c.conversations, c.messages, c.files
                ),
                bytes: *bytes,
            },
            Err(e) => BackupResult {
                at,
                ok: false,
                path: None,
                message: e.message.clone(),
                bytes: 0,
            },
        };
        match self.load_schedule().await {
            Ok(mut s) => {
                s.last = Some(result);
                if scheduled {
                    s.last_scheduled_at = Some(at);
                    s.last_scheduled_ok = written.is_ok();
                }
                if let Err(e) = self.save_schedule(&s).await {
                    tracing::warn!("backup result not kept: {}", e.message);
                }
            }
            Err(e) => tracing::warn!("backup result not kept: {}", e.message),
        }
    }

    /// Writes a backup of the workspace sealed to `key` at `target` (see the module doc).
    /// Answers what it holds and the file's size.
    pub(crate) async fn write_backup(
        &self,
        key: &SealedKey,
        target: &Path,
    ) -> Result<(WorkspaceCounts, i64), IpcError> {
        if self.backup.running.swap(true, Ordering::SeqCst) {
            return Err(invalid(
                "A backup is already being made; wait for it to finish.",
            ));
        }
        let _running = Running(&self.backup.running);
        let tmp = self.paths.data_dir.join(TMP_DIR);
        let db = self.paths.database();
        let data_dir = self.paths.data_dir.clone();
        let (key, target) = (key.clone(), target.to_path_buf());
        let events = self.events.clone();
        let created_at = self.clock.now();
        let db_key = self.db_key.clone();
        let result = tokio::task::spawn_blocking(move || {
            let live = Live {
                db: &db,
                key: &db_key,
            };
            write_blocking(&data_dir, live, &tmp, &key, &target, created_at, &events)
        })
        .await
        .map_err(internal)?;
        let _ = tokio::fs::remove_dir_all(self.paths.data_dir.join(TMP_DIR)).await;
        result
    }
}

/// The live database and its key.
struct Live<'a> {
    db: &'a Path,
    key: &'a parley_store::DbKey,
}

fn write_blocking(
    data_dir: &Path,
    live: Live<'_>,
    tmp: &Path,
    key: &SealedKey,
    target: &Path,
    created_at: Millis,
    events: &tokio::sync::broadcast::Sender<CoreEvent>,
) -> Result<(WorkspaceCounts, i64), IpcError> {
    let _ = std::fs::remove_dir_all(tmp);
    std::fs::create_dir_all(tmp).map_err(|e| storage(tmp, e))?;
    let copy = tmp.join(DATABASE);
    // The copy is taken under the workspace's key (SQLCipher copies pages between files of one
    // key), then given a key of its own, which travels inside the sealed archive: a restore on
    // another computer, whose keychain has another key, can open it (decision 027).
    parley_store::backup::snapshot_database(live.db, Some(live.key), &copy)
        .map_err(errors::store)?;
    let mut bytes = [0u8; parley_store::KEY_BYTES];
    rand::fill(&mut bytes);
    let copy_key = parley_store::DbKey::from_bytes(bytes);
    parley_store::backup::rekey_database(&copy, live.key, &copy_key).map_err(errors::store)?;
    let files = format::workspace_files(data_dir).map_err(|e| storage(data_dir, e))?;
    let c = parley_store::backup::database_counts(&copy, Some(&copy_key)).map_err(errors::store)?;
    let schema_version = parley_store::migrations::LATEST;
    let mut counts = WorkspaceCounts {
        accounts: c.accounts,
        contacts: c.contacts,
        conversations: c.conversations,
        messages: c.messages,
        notes: c.notes,
        files: 0,
    };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| storage(target, e))?;
    }
    let partial = partial_of(target);
    let written = (|| -> Result<(), IpcError> {
        let file = std::fs::File::create(&partial).map_err(|e| storage(target, e))?;
        let sealed = format::seal(key, BufWriter::new(file)).map_err(internal)?;
        let mut tar = tar::Builder::new(sealed);
        let mut manifest = Vec::with_capacity(files.len() + 1);
        let total = files.len() as u32 + 1;
        let mut append = |tar: &mut tar::Builder<_>, rel: &str, path: &Path| {
            let f = match std::fs::File::open(path) {
                Ok(f) => f,
                // Gone since it was listed (an erase): not part of this backup.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(storage(path, e)),
            };
            let len = f.metadata().map_err(|e| storage(path, e))?.len();
            let mut header = tar::Header::new_gnu();
            header.set_size(len);
            header.set_mode(0o600);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            let mut reader = Hashing::new(f.take(len));
            tar.append_data(&mut header, rel, &mut reader)
                .map_err(|e| storage(target, e))?;
            let (size, sha256) = reader.digest();
            manifest.push(ManifestFile {
                path: rel.to_owned(),
                size,
                sha256,
            });
            Ok::<bool, IpcError>(true)
        };
        append(&mut tar, DATABASE, &copy)?;
        let _ = events.send(CoreEvent::BackupProgress { done: 1, total });
        for (i, rel) in files.iter().enumerate() {
            if append(&mut tar, rel, &data_dir.join(rel))? {
                counts.files += 1;
            }
            if i % 20 == 19 {
                let _ = events.send(CoreEvent::BackupProgress {
                    done: i as u32 + 2,
                    total,
                });
            }
        }
        let manifest = Manifest {
            format: FORMAT_VERSION,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_version,
            created_at,
            counts,
            files: manifest,
            database_key: Some(copy_key.to_hex()),
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(internal)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, MANIFEST, json.as_slice())
            .map_err(|e| storage(target, e))?;
        let sealed = tar.into_inner().map_err(|e| storage(target, e))?;
        let mut out = sealed.finish().map_err(|e| storage(target, e))?;
        out.flush().map_err(|e| storage(target, e))?;
        let file = out.into_inner().map_err(|e| storage(target, e.error()))?;
        file.sync_all().map_err(|e| storage(target, e))?;
        let _ = events.send(CoreEvent::BackupProgress { done: total, total });
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, target).map_err(|e| storage(target, e))?;
    let bytes = std::fs::metadata(target)
        .map(|m| m.len() as i64)
        .unwrap_or(0);
    Ok((counts, bytes))
}

/// Deletes the oldest scheduled backups in `folder` beyond the newest `keep` (only files named
/// as the schedule names them). Answers how many went.
pub(crate) fn rotate(folder: &Path, keep: u32) -> std::io::Result<usize> {
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(&format!(".{EXTENSION}")))
        .collect();
    // The name carries the time (`parley-backup-YYYY-MM-DD-HHMMSS`): by name is by age.
    names.sort();
    let excess = names.len().saturating_sub(keep as usize);
    for n in &names[..excess] {
        std::fs::remove_file(folder.join(n))?;
    }
    Ok(excess)
}

/// The name of a scheduled backup made at `at`.
pub(crate) fn scheduled_name(at: Millis) -> String {
    format!("{SCHEDULED_PREFIX}{}.{EXTENSION}", stamp(at))
}

#[cfg(test)]
mod tests;
