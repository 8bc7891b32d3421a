//! Exports with attachments (issue 16, "optionally with attachments as a zip"): one zip holding
//! the transcript file, every attachment already downloaded to this computer (never fetched
//! for the export), and `attachments-not-downloaded.txt` listing the others.
//!
//! Streamed like every export: the transcript is written through the zip entry as batches
//! come ([`ZipEntry`]); each conversation's attachments are remembered as references only
//! (message, part, the name they take) and copied afterwards from their files, a buffer at a
//! time. Names inside the zip are built from safe characters only (`attachments/<conversation
//! id>-<customer>/<message id>-<part>-<file name>`): no name can leave the folder it is
//! unpacked into, whatever the customer called a file.

use super::export::safe_name;
use crate::facade::Parley;
use crate::files::{account_files, attachment_file, safe_file_name};
use parley_domain::*;
use parley_store::LOCAL_REF_PREFIX;
use parley_store::export::ExportConversation;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// The list of attachments left out.
pub const MISSING_LIST: &str = "attachments-not-downloaded.txt";

pub(crate) type SharedZip = Arc<Mutex<ZipWriter<BufWriter<File>>>>;

/// The zip's current entry as a plain writer (the transcript's writer owns one).
pub(crate) struct ZipEntry(pub SharedZip);

impl Write for ZipEntry {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// An attachment to put in the zip once the transcript is written.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    message: MessageId,
    index: usize,
    /// Its name in the zip.
    name: String,
    /// "Anna Schmidt, 2026-03-29T10:00:00Z: invoice.pdf" for the list of the missing.
    label: String,
}

/// Opens the zip in `file` with its transcript entry `entry` started.
pub(crate) fn open(file: File, entry: &str) -> zip::result::ZipResult<SharedZip> {
    let mut zip = ZipWriter::new(BufWriter::new(file));
    zip.start_file(
        entry,
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )?;
    Ok(Arc::new(Mutex::new(zip)))
}

/// The attachments of `c` that carry a file, as they will be named in the zip.
pub(crate) fn plan(c: &ExportConversation, out: &mut Vec<Planned>) {
    let folder = format!(
        "attachments/{}-{}",
        c.row.thread_id.0,
        safe_name(&c.row.contact_name)
    );
    for m in &c.messages {
        for (index, a) in m.message.attachments.iter().enumerate() {
            if a.remote_ref.is_none() {
                continue;
            }
            let file = safe_file_name(a.file_name.as_deref(), a.mime_type.as_deref());
            out.push(Planned {
                message: m.message.id,
                index,
                name: format!("{folder}/{}-{index}-{}", m.message.id.0, zip_safe(&file)),
                label: format!(
                    "{}, {}: {}",
                    c.row.contact_name,
                    parley_store::export::iso_utc(m.message.sent_at),
                    a.file_name.as_deref().unwrap_or(&file)
                ),
            });
        }
    }
}

/// A file name with nothing a zip tool could read as a folder or a drive.
fn zip_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

impl Parley {
    /// Where the attachment `index` of `message` is on this computer, if it was downloaded (or
    /// sent from here); never downloads.
    async fn cached_attachment(&self, message: MessageId, index: usize) -> Option<PathBuf> {
        let msg = self.db.call(move |s| s.message_ref(message)).await.ok()??;
        let a = msg.attachments.get(index)?.clone();
        let remote_ref = a.remote_ref.clone()?;
        let path = if let Some(key) = remote_ref.strip_prefix(LOCAL_REF_PREFIX) {
            let key = key.to_owned();
            self.db.call(move |s| s.local_file(&key)).await.ok()??.path
        } else {
            let account = self.account_row(msg.account_id).await.ok()?;
            let dir = account_files(
                &self.paths().attachments(),
                account.channel,
                &account.external_id,
            );
            let name = safe_file_name(a.file_name.as_deref(), a.mime_type.as_deref());
            let key = msg.remote_id.unwrap_or_else(|| format!("row {message}"));
            attachment_file(&dir, &key, index, &remote_ref, &name)
        };
        tokio::fs::try_exists(&path)
            .await
            .unwrap_or(false)
            .then_some(path)
    }

    /// Adds the planned attachments found on this computer to `zip`, then the list of the
    /// others, and closes it (flushed). Answers how many files went in.
    pub(crate) async fn finish_zip(
        &self,
        zip: SharedZip,
        planned: Vec<Planned>,
    ) -> std::io::Result<usize> {
        let mut missing = String::new();
        let mut added = 0;
        for p in planned {
            match self.cached_attachment(p.message, p.index).await {
                Some(path) => {
                    let zip = zip.clone();
                    let name = p.name.clone();
                    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                        let mut file = File::open(&path)?;
                        let mut zip = zip.lock().unwrap_or_else(|e| e.into_inner());
                        // Stored: photos and documents are compressed already.
                        zip.start_file(
                            name,
                            SimpleFileOptions::default()
                                .compression_method(zip::CompressionMethod::Stored)
                                .large_file(true),
                        )
                        .map_err(std::io::Error::other)?;
                        std::io::copy(&mut file, &mut *zip)?;
                        Ok(())
                    })
                    .await
                    .map_err(std::io::Error::other)??;
                    added += 1;
                }
                None => {
                    missing.push_str(&p.label);
                    missing.push_str("\r\n");
                }
            }
        }
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let zip = Arc::try_unwrap(zip)
                .map_err(|_| std::io::Error::other("the zip is still being written"))?
                .into_inner()
                .unwrap_or_else(|e| e.into_inner());
            let mut zip = zip;
            zip.start_file(MISSING_LIST, SimpleFileOptions::default())
                .map_err(std::io::Error::other)?;
            if missing.is_empty() {
                zip.write_all(b"Every attachment is in this zip.\r\n")?;
            } else {
                zip.write_all(
                    "Not downloaded to this computer when exported (open them in Parley to download them, then export again):\r\n"
                        .as_bytes(),
                )?;
                zip.write_all(missing.as_bytes())?;
            }
            let mut out = zip.finish().map_err(std::io::Error::other)?;
            out.flush()?;
            Ok(())
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::zip_safe;

    #[test]
    fn names_in_the_zip_stay_in_their_folder() {
        assert_eq!(zip_safe("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(zip_safe("C:\\x.txt"), "C__x.txt");
        assert_eq!(zip_safe("..."), "file");
        assert_eq!(zip_safe("Rechnung März.pdf"), "Rechnung März.pdf");
    }
}
