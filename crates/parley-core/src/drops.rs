//! Files the agent drops on the window. The webview never names a path to read: the shell
//! hands the core the paths of each real drop from the operating system
//! ([`Parley::remember_drop`]); the window then asks to stage *that* drop into the open thread
//! ([`Parley::stage_dropped_files`]). Only the last drop is kept, for a short while, and it can
//! be staged once.

use crate::facade::Parley;
use crate::files::{display_name, mime_of};
use parley_domain::*;
use std::path::{Path, PathBuf};

/// The name to show for a dropped path (tamed like an uploaded file's).
fn shown_name(path: &Path) -> String {
    let raw = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    display_name(&raw, &mime_of("", &raw))
}

fn refuse(message: String) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

impl Parley {
    /// The shell saw the operating system drop these files on the window.
    pub fn remember_drop(&self, paths: Vec<PathBuf>) {
        self.drops.remember(paths, self.clock.now());
    }

    /// Stages the files of the last drop in `thread`'s composer, with the same rules as the
    /// Attach button. Folders and unreadable or too large files are refused one by one (the
    /// others are still staged); a channel without files refuses the whole drop.
    pub async fn stage_dropped_files(&self, thread: ThreadId) -> Result<DroppedFiles, IpcError> {
        let paths = self.drops.take(self.clock.now()).ok_or_else(|| {
            refuse(
                "No files were dropped on the window in the last 30 seconds. Drop them on the conversation again."
                    .into(),
            )
        })?;
        let target = self.thread_target(thread).await?;
        crate::attachments::files_allowed(target.channel)?;
        let mut out = DroppedFiles {
            staged: Vec::new(),
            refused: Vec::new(),
        };
        for path in paths {
            match self.stage_path(thread, &path).await {
                Ok(staged) => out.staged.push(staged),
                Err(e) => out.refused.push(e.message),
            }
        }
        Ok(out)
    }

    /// Stages one file from this computer: refuses folders and what cannot be read, checks the
    /// channel's limits on its size before reading it, then stages it like an upload.
    pub(crate) async fn stage_path(
        &self,
        thread: ThreadId,
        path: &Path,
    ) -> Result<StagedAttachment, IpcError> {
        let name = shown_name(path);
        let unreadable = |e: std::io::Error| {
            refuse(format!(
                "\"{name}\" could not be read ({e}). Check that it still exists and that you may open it, then attach it again."
            ))
        };
        let meta = tokio::fs::metadata(path).await.map_err(unreadable)?;
        if meta.is_dir() {
            return Err(refuse(format!(
                "\"{name}\" is a folder; Parley attaches files. Drop the files inside it, or a zip of the folder."
            )));
        }
        if !meta.is_file() {
            return Err(refuse(format!(
                "\"{name}\" is not an ordinary file; only files can be attached."
            )));
        }
        self.check_file_fits(thread, &name, meta.len()).await?;
        let bytes = tokio::fs::read(path).await.map_err(unreadable)?;
        let raw = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.stage_attachment(thread, raw, String::new(), bytes)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{DROP_LIFETIME_MS, DropRegistry};

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn only_the_last_drop_is_kept_and_taken_once() {
        let r = DropRegistry::default();
        assert_eq!(r.take(0), None, "nothing dropped yet");
        r.remember(paths(&["/a/one.pdf"]), 1_000);
        r.remember(paths(&["/b/two.png", "/b/three.txt"]), 2_000);
        assert_eq!(r.take(2_500), Some(paths(&["/b/two.png", "/b/three.txt"])));
        assert_eq!(r.take(2_600), None, "a drop is staged once");
    }

    #[test]
    fn a_drop_expires() {
        let r = DropRegistry::default();
        r.remember(paths(&["/a/one.pdf"]), 1_000);
        assert_eq!(r.take(1_000 + DROP_LIFETIME_MS + 1), None);
        r.remember(paths(&["/a/one.pdf"]), 1_000);
        assert_eq!(
            r.take(1_000 + DROP_LIFETIME_MS),
            Some(paths(&["/a/one.pdf"])),
            "still fresh at the limit"
        );
        r.remember(paths(&["/a/one.pdf"]), 5_000);
        assert_eq!(
            r.take(4_000),
            None,
            "a clock that went back does not revive it"
        );
        r.remember(paths(&["/a/one.pdf"]), 1_000);
        r.remember(vec![], 1_100);
        assert_eq!(r.take(1_200), None, "an empty drop replaces the last one");
    }
}
