//! JSON state files shared by the fakes: a missing file is "no state yet", and writes go
//! through a temp file + rename so that a crash mid-write never leaves a half file behind.

use std::io;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

/// Reads the state at `path`; `Ok(None)` when there is no file yet.
pub(crate) fn load<T: DeserializeOwned>(path: &Path) -> io::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Temp file + rename so that a crash mid-write never leaves a half state file behind.
pub(crate) fn save<T: Serialize>(value: &T, path: &Path) -> io::Result<()> {
    let json = serde_json::to_vec(value).map_err(io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// Runs `f` on the state under its lock, saves the result to `file` (when there is one) and
/// bumps `changed`. `name` ("fake telegram", ...) prefixes the log line of a failed save.
pub(crate) fn mutate<S: Serialize, R>(
    state: &Mutex<S>,
    file: Option<&Path>,
    changed: &watch::Sender<u64>,
    name: &str,
    f: impl FnOnce(&mut S) -> R,
) -> R {
    let result = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut state);
        if let Some(path) = file {
            // Saved under the lock so two writers can never land an older snapshot last.
            if let Err(e) = save(&*state, path) {
                tracing::warn!(path = %path.display(), error = %e, "{name}: saving state failed");
            }
        }
        result
    };
    changed.send_modify(|v| *v += 1);
    result
}
