//! Files attached to a reply. The window uploads each file's bytes once (a raw IPC body); they
//! are written into the data folder (`outgoing/<uuid>/<name>`: a temporary file, fsync, rename)
//! and staged with the thread's draft in SQLite, so they survive a restart or a crash. Sending
//! the reply moves them to its outbox items in the same transaction (split by the channel's
//! [`AttachmentRule`]); removing a staged file, or discarding a reply, deletes its files.

use crate::errors;
use crate::facade::Parley;
use crate::files::{display_name, mime_of, safe_file_name};
use parley_channels::AttachmentRule;
use parley_domain::*;
use parley_store::{FileSplit, LOCAL_REF_PREFIX, StoredFile};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folder (under the data folder) of the files Parley sends.
const OUTGOING_DIR: &str = "outgoing";

fn mb(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 || mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// What the composer says about files on a channel, before anything is uploaded.
fn rule_note(kind: ChannelKind, rule: AttachmentRule) -> String {
    match rule {
        AttachmentRule::OnePerFile { max_file } => format!(
            "{}: up to {} per file; each file goes as its own message after the text.",
            kind.display_name(),
            mb(max_file)
        ),
        AttachmentRule::AllInOne { max_total } => format!(
            "{}: up to {} for all files together, sent in the same message.",
            kind.display_name(),
            mb(max_total)
        ),
        AttachmentRule::Unsupported { reason } => {
            format!(
                "{} cannot carry files from Parley: {reason}",
                kind.display_name()
            )
        }
    }
}

/// Refuses a channel that cannot carry files from this computer (Twilio: SMS, WhatsApp).
pub(crate) fn files_allowed(kind: ChannelKind) -> Result<(), IpcError> {
    match crate::providers::provider(kind).attachment_rule() {
        AttachmentRule::Unsupported { reason } => Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!(
                "{} cannot carry files from Parley: {reason}",
                kind.display_name()
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether a file of `size` bytes named `name` may join the files already staged on `kind`.
fn check_limits(
    kind: ChannelKind,
    staged: &[StagedAttachment],
    name: &str,
    size: u64,
) -> Result<(), IpcError> {
    if size == 0 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("\"{name}\" is empty; there is nothing to send."),
        ));
    }
    files_allowed(kind)?;
    match crate::providers::provider(kind).attachment_rule() {
        AttachmentRule::OnePerFile { max_file } if size > max_file => Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!(
                "\"{name}\" is {}; {} accepts up to {} per file. Send a smaller file or a link to it.",
                mb(size),
                kind.display_name(),
                mb(max_file)
            ),
        )),
        AttachmentRule::AllInOne { max_total } => {
            let before: u64 = staged.iter().map(|f| f.size.max(0) as u64).sum();
            if before + size > max_total {
                return Err(IpcError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "With \"{name}\" ({}) the files would add up to {}; {} carries up to {} in one message. Send it in a separate reply or as a link.",
                        mb(size),
                        mb(before + size),
                        kind.display_name().to_lowercase(),
                        mb(max_total)
                    ),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// How the outbox splits a reply on this rule (`None`: files are not allowed).
pub(crate) fn split_of(rule: AttachmentRule) -> Option<FileSplit> {
    match rule {
        AttachmentRule::AllInOne { .. } => Some(FileSplit::AllInOne),
        AttachmentRule::OnePerFile { .. } => Some(FileSplit::OnePerFile),
        AttachmentRule::Unsupported { .. } => None,
    }
}

/// Writes `bytes` at `path` durably: a temporary file beside it, fsync, rename, fsync of the
/// folder, so a crash leaves either no file or the whole file.
pub(crate) async fn write_durably(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(".part");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A file as the window uploads it: the raw IPC body, with the thread, name and type in the
/// headers `parley-thread-id`, `parley-file-name` and `parley-file-type` (percent-encoded, so
/// any name survives HTTP header rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUpload {
    pub thread: ThreadId,
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

impl RawUpload {
    /// From the IPC request: `body` is `None` when it was not raw bytes (a JSON body).
    pub fn from_parts<'a>(
        body: Option<Vec<u8>>,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Self, IpcError> {
        let bad = |what: &str| {
            IpcError::new(
                ErrorCode::InvalidInput,
                format!("The file could not be attached: {what}. Try attaching it again."),
            )
        };
        let bytes = body.ok_or_else(|| bad("its bytes did not arrive as a raw body"))?;
        let thread = header("parley-thread-id")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(ThreadId)
            .ok_or_else(|| bad("the conversation is missing"))?;
        let file_name = header("parley-file-name")
            .map(percent_decode)
            .ok_or_else(|| bad("its name is missing"))?;
        let mime_type = header("parley-file-type")
            .map(percent_decode)
            .unwrap_or_default();
        Ok(Self {
            thread,
            file_name,
            mime_type,
            bytes,
        })
    }
}

/// Decodes `%XX` escapes (what `encodeURIComponent` makes) as UTF-8, lossily; a `%` that
/// starts no escape stays as it is.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

impl Parley {
    /// [`Parley::stage_attachment`] for a [`RawUpload`] (the Tauri command's one line).
    pub async fn stage_raw_attachment(
        &self,
        upload: RawUpload,
    ) -> Result<StagedAttachment, IpcError> {
        self.stage_attachment(
            upload.thread,
            upload.file_name,
            upload.mime_type,
            upload.bytes,
        )
        .await
    }

    fn outgoing_dir(&self) -> PathBuf {
        self.paths().data_dir.join(OUTGOING_DIR)
    }

    /// Deletes a file Parley wrote to send (its own folder under `outgoing/`).
    pub(crate) async fn delete_outgoing(&self, key: &str) {
        delete_file_folder(&self.outgoing_dir(), key).await;
    }

    /// The files of the composer of `thread` and what its channel allows.
    pub async fn draft_attachments(&self, thread: ThreadId) -> Result<DraftAttachments, IpcError> {
        let (target, staged, media_links) = self
            .db
            .call(move |s| {
                Ok((
                    s.thread_target(thread)?,
                    s.staged_files(thread)?,
                    s.draft_media_links(thread)?,
                ))
            })
            .await
            .map_err(errors::store)?;
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        let rule = crate::providers::provider(target.channel).attachment_rule();
        let (max_file, max_total) = match rule {
            AttachmentRule::OnePerFile { max_file } => (Some(max_file as i64), None),
            AttachmentRule::AllInOne { max_total } => (None, Some(max_total as i64)),
            AttachmentRule::Unsupported { .. } => (None, None),
        };
        Ok(DraftAttachments {
            staged,
            allowed: split_of(rule).is_some(),
            note: rule_note(target.channel, rule),
            max_file_bytes: max_file,
            max_total_bytes: max_total,
            media_links,
        })
    }

    /// Whether a file of `size` bytes may join `thread`'s staged files (before reading it).
    pub(crate) async fn check_file_fits(
        &self,
        thread: ThreadId,
        name: &str,
        size: u64,
    ) -> Result<(), IpcError> {
        let (target, staged) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.staged_files(thread)?)))
            .await
            .map_err(errors::store)?;
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        check_limits(target.channel, &staged, name, size)
    }

    /// Stages a file in `thread`'s composer: checks the channel's limits, writes the bytes into
    /// the data folder and records it with the draft.
    pub async fn stage_attachment(
        &self,
        thread: ThreadId,
        file_name: String,
        mime_type: String,
        bytes: Vec<u8>,
    ) -> Result<StagedAttachment, IpcError> {
        let (target, staged) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.staged_files(thread)?)))
            .await
            .map_err(errors::store)?;
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        let mime = mime_of(&mime_type, &file_name);
        let name = display_name(&file_name, &mime);
        let size = bytes.len() as u64;
        check_limits(target.channel, &staged, &name, size)?;
        let folder = uuid::Uuid::new_v4().simple().to_string();
        let disk_name = safe_file_name(Some(&name), Some(&mime));
        let key = format!("{folder}/{disk_name}");
        let path = self.outgoing_dir().join(&folder).join(&disk_name);
        write_durably(&path, bytes).await.map_err(|e| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "\"{name}\" could not be saved in {} ({e}). Check the free space and try again.",
                    self.outgoing_dir().display()
                ),
            )
        })?;
        let file = StoredFile {
            key: key.clone(),
            path,
            file_name: name,
            mime_type: mime,
            size: size as i64,
        };
        let now = self.clock.now();
        match self
            .db
            .call(move |s| s.stage_file(thread, &file, now))
            .await
        {
            Ok(staged) => Ok(staged),
            Err(e) => {
                self.delete_outgoing(&key).await;
                Err(errors::store(e))
            }
        }
    }

    /// Takes a staged file off the composer and deletes it.
    pub async fn remove_staged_attachment(&self, id: i64) -> Result<(), IpcError> {
        let file = self
            .db
            .call(move |s| s.unstage_file(id))
            .await
            .map_err(errors::store)?;
        self.delete_outgoing(&file.key).await;
        Ok(())
    }

    /// The file on this computer behind an outbound reply's attachment (`local:` reference).
    pub(crate) async fn local_attachment(&self, remote_ref: &str) -> Result<PathBuf, IpcError> {
        let key = remote_ref
            .strip_prefix(LOCAL_REF_PREFIX)
            .unwrap_or(remote_ref)
            .to_owned();
        let file = self
            .db
            .call(move |s| s.local_file(&key))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("file"))?;
        if !tokio::fs::try_exists(&file.path).await.unwrap_or(false) {
            return Err(IpcError::new(
                ErrorCode::NotFound,
                format!(
                    "The file \"{}\" is no longer in {}.",
                    file.file_name,
                    self.outgoing_dir().display()
                ),
            ));
        }
        Ok(file.path)
    }

    /// At start-up: deletes files under `outgoing/` that no staged file or reply names any more
    /// (a crash between writing a file and staging it, a reply deleted with its account).
    pub(crate) async fn sweep_outgoing(&self) {
        let keys = match self.db.call(|s| s.file_keys_in_use()).await {
            Ok(keys) => keys,
            Err(e) => {
                tracing::warn!("outgoing files not swept: {e}");
                return;
            }
        };
        let in_use: HashSet<String> = keys
            .iter()
            .filter_map(|k| k.split_once('/').map(|(folder, _)| folder.to_owned()))
            .collect();
        let Ok(mut dir) = tokio::fs::read_dir(self.outgoing_dir()).await else {
            return;
        };
        while let Ok(Some(entry)) = dir.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !in_use.contains(&name) {
                let _ = tokio::fs::remove_dir_all(entry.path()).await;
            }
        }
    }
}

/// Deletes the folder of a file Parley wrote under `base`, named by its key `"{folder}/{name}"`
/// (each file has a folder of its own); a key naming anything else is ignored.
pub(crate) async fn delete_file_folder(base: &std::path::Path, key: &str) {
    let Some((folder, _)) = key.split_once('/') else {
        return;
    };
    if folder.is_empty() || folder.contains(['.', '\\']) {
        return;
    }
    let dir = base.join(folder);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("could not delete {}: {e}", dir.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_are_tamed() {
        assert_eq!(
            display_name("C:\\Users\\a\\report.pdf", "application/pdf"),
            "report.pdf"
        );
        assert_eq!(display_name("a\r\nb.txt", "text/plain"), "ab.txt");
        assert_eq!(display_name("..", "image/png"), "attachment.png");
        assert_eq!(display_name("Straße.pdf", "application/pdf"), "Straße.pdf");
        assert_eq!(mime_of("", "x.PNG"), "image/png");
        assert_eq!(
            mime_of("text/html\r\nX: y", "x.bin"),
            "application/octet-stream"
        );
        assert_eq!(mime_of("Application/PDF", "x"), "application/pdf");
        assert_eq!(
            percent_decode("Stra%C3%9Fe%20%22x%22.pdf"),
            "Straße \"x\".pdf"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%2"), "a%2");
    }

    #[test]
    fn limits_read_in_words() {
        let t = rule_note(
            ChannelKind::Telegram,
            crate::providers::provider(ChannelKind::Telegram).attachment_rule(),
        );
        assert!(t.contains("50 MB per file"), "{t}");
        let e = rule_note(
            ChannelKind::Email,
            crate::providers::provider(ChannelKind::Email).attachment_rule(),
        );
        assert!(e.contains("25 MB for all files"), "{e}");
        let s = rule_note(
            ChannelKind::Sms,
            crate::providers::provider(ChannelKind::Sms).attachment_rule(),
        );
        assert!(s.contains("public https"), "{s}");
    }
}
