//! One process per workspace. Two Parleys on one data folder would each sync every account into
//! the same database (a Telegram bot answers only one `getUpdates` caller at a time), notify
//! twice, and the second one's start-up would take the first one's sends in flight for sends
//! interrupted by a crash and mark them uncertain. So [`Parley::start`](crate::Parley::start)
//! first takes an exclusive lock on `parley.lock` in the data folder and holds it for as long as
//! the core lives. The OS drops the lock with the process, however it ends (kill -9 included),
//! so there is never a stale lock to clean up; the pid written into the file is only for people.

use parley_domain::{ErrorCode, IpcError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Seek, Write};
use std::path::Path;

pub(crate) const LOCK_FILE: &str = "parley.lock";

/// Held while the core runs; dropping it (or the process ending) lets the next one in.
#[derive(Debug)]
pub(crate) struct WorkspaceLock {
    _file: Option<File>,
}

impl WorkspaceLock {
    /// Takes the workspace for this process, or says which folder another Parley already has.
    /// A file system that cannot lock at all (some network shares) is let through with a
    /// warning: refusing to start there would lock the user out of their own inbox.
    pub(crate) fn acquire(data_dir: &Path) -> Result<Self, IpcError> {
        let cannot = |e: std::io::Error| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "Parley could not open its data folder {}: {e}. Check that the folder exists and that you may write to it.",
                    data_dir.display()
                ),
            )
        };
        std::fs::create_dir_all(data_dir).map_err(cannot)?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(cannot)?;
        match file.try_lock() {
            Ok(()) => {
                let pid = std::process::id();
                let written = file
                    .set_len(0)
                    .and_then(|()| file.rewind())
                    .and_then(|()| writeln!(file, "{pid}"));
                if let Err(e) = written {
                    tracing::debug!("could not note the pid in {}: {e}", path.display());
                }
                Ok(Self { _file: Some(file) })
            }
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                Err(IpcError::new(
                    ErrorCode::AlreadyRunning,
                    format!(
                        "Parley is already open with this workspace ({}{}). Use that window (it may be in the tray or on another desktop), or quit it before starting Parley again.",
                        data_dir.display(),
                        holder.map(|p| format!(", process {p}")).unwrap_or_default(),
                    ),
                ))
            }
            Err(TryLockError::Error(e)) => {
                tracing::warn!(
                    "the data folder {} cannot be locked ({e}); make sure only one Parley uses it",
                    data_dir.display()
                );
                Ok(Self { _file: None })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("dir");
        let first = WorkspaceLock::acquire(dir.path()).expect("first");
        let refused = WorkspaceLock::acquire(dir.path()).expect_err("second");
        assert_eq!(refused.code, ErrorCode::AlreadyRunning);
        assert!(
            refused.message.contains(&dir.path().display().to_string())
                && refused
                    .message
                    .contains(&format!("process {}", std::process::id())),
            "{}",
            refused.message
        );
        drop(first);
        let _again = WorkspaceLock::acquire(dir.path()).expect("free again");
    }

    #[test]
    fn a_missing_data_folder_is_created() {
        let dir = tempfile::tempdir().expect("dir");
        let nested = dir.path().join("a/b");
        let _lock = WorkspaceLock::acquire(&nested).expect("lock");
        assert!(nested.join(LOCK_FILE).is_file());
    }
}
