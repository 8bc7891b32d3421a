//! Saved replies in and out as one JSON file, so a team can share them or move them to another
//! computer.
//!
//! The format (version 1), files inline so one file is the whole set:
//!
//! ```json
//! { "format": "parley.savedReplies", "version": 1,
//!   "savedReplies": [
//!     { "folder": "Shipping", "title": "Shipping times", "body": "Hi {{first_name|there}} …",
//!       "variants": { "sms": "…" },
//!       "files": [ { "fileName": "rates.pdf", "mimeType": "application/pdf",
//!                    "base64": "JVBERi0…" } ] } ] }
//! ```
//!
//! `folder`, `variants` and `files` may be left out. An import checks everything first and is
//! all or nothing: when any entry is wrong (a field missing or unknown, an empty or broken body,
//! an unknown channel, a file that is not base64 or too large, a title twice in the file)
//! nothing is imported and the error lists every problem by its place in the file. A reply whose
//! folder already has its title is skipped (and listed with why); the rest are written, with
//! their files, in one transaction.

use crate::errors;
use crate::facade::Parley;
use base64::Engine as _;
use parley_domain::*;
use parley_store::{NewSavedReply, StoredFile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "parley.savedReplies";
pub const VERSION: u32 = 1;
/// The largest import file Parley reads.
const IMPORT_MAX_BYTES: usize = 200 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileEntry {
    file_name: String,
    #[serde(default)]
    mime_type: String,
    base64: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    folder: String,
    title: String,
    body: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    variants: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    format: &'a str,
    version: u32,
    saved_replies: Vec<Entry>,
}

/// A checked entry: what the store writes once its files are on disk.
struct Checked {
    input: SavedReplyInput,
    files: Vec<(String, String, Vec<u8>)>,
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

/// Checks one entry of the file.
fn check_entry(value: serde_json::Value) -> Result<Checked, String> {
    let entry: Entry = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let mut variants = Vec::new();
    for (channel, body) in entry.variants {
        let kind = ChannelKind::parse(&channel).ok_or_else(|| {
            let known: Vec<&str> = ChannelKind::ALL.iter().map(|c| c.as_str()).collect();
            format!(
                "\"{channel}\" is not a channel (variants are for {})",
                known.join(", ")
            )
        })?;
        variants.push(SavedReplyVariant {
            channel: kind,
            body,
        });
    }
    let input = super::validate(SavedReplyInput {
        folder: entry.folder,
        title: entry.title,
        body: entry.body,
        variants,
    })
    .map_err(|e| e.message.trim_end_matches('.').to_owned())?;
    let mut files = Vec::new();
    for f in entry.files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.base64.trim())
            .map_err(|e| format!("the file \"{}\" is not valid base64 ({e})", f.file_name))?;
        if bytes.is_empty() {
            return Err(format!("the file \"{}\" is empty", f.file_name));
        }
        if bytes.len() as u64 > SAVED_REPLY_FILE_MAX_BYTES {
            return Err(format!(
                "the file \"{}\" is larger than {} MB",
                f.file_name,
                SAVED_REPLY_FILE_MAX_BYTES / (1024 * 1024)
            ));
        }
        files.push((f.file_name, f.mime_type, bytes));
    }
    Ok(Checked { input, files })
}

/// The title an entry gives itself, for messages about it (even when the entry is wrong).
fn title_of(value: &serde_json::Value) -> String {
    value
        .get("title")
        .and_then(|t| t.as_str())
        .map(|t| t.trim().to_owned())
        .unwrap_or_default()
}

/// Checks a whole file: the checked entries by their place, or every problem in words.
fn check_document(json: &str) -> Result<Vec<(usize, Checked)>, IpcError> {
    let doc: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        invalid(format!(
            "Nothing was imported: the file is not JSON ({e}). Choose a file exported from Parley's saved replies."
        ))
    })?;
    if doc.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(invalid(format!(
            "Nothing was imported: this is not a file of Parley saved replies (its \"format\" is not \"{FORMAT}\")."
        )));
    }
    match doc.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(invalid(format!(
                "Nothing was imported: the file is version {v} of the format and this Parley reads version {VERSION}. {}",
                if v > u64::from(VERSION) {
                    "Update Parley to import it."
                } else {
                    "Export it again from a current Parley."
                }
            )));
        }
        None => {
            return Err(invalid(
                "Nothing was imported: the file says no \"version\". Choose a file exported from Parley's saved replies.",
            ));
        }
    }
    let Some(entries) = doc.get("savedReplies").and_then(|e| e.as_array()) else {
        return Err(invalid(
            "Nothing was imported: the file has no \"savedReplies\" list.",
        ));
    };
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for (i, value) in entries.iter().enumerate() {
        let position = i + 1;
        let title = title_of(value);
        let label = if title.is_empty() {
            format!("Reply {position}")
        } else {
            format!("Reply {position} (“{title}”)")
        };
        match check_entry(value.clone()) {
            Err(why) => problems.push(format!("{label}: {why}.")),
            Ok(c) => {
                let key = (c.input.folder.to_lowercase(), c.input.title.to_lowercase());
                if let Some((_, _, first)) =
                    seen.iter().find(|(f, t, _)| (f, t) == (&key.0, &key.1))
                {
                    problems.push(format!(
                        "{label}: reply {first} has the same title in the same folder."
                    ));
                } else {
                    seen.push((key.0, key.1, position));
                    checked.push((position, c));
                }
            }
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        return Err(invalid(format!(
            "Nothing was imported: the file has {} Fix {} and import it again.\n{}",
            if n == 1 {
                "a problem.".to_owned()
            } else {
                format!("{n} problems.")
            },
            if n == 1 { "it" } else { "them" },
            problems.join("\n")
        )));
    }
    Ok(checked)
}

/// [`check_document`] for the unit tests: how many entries passed, or the error.
#[cfg(test)]
pub(crate) fn check_document_for_tests(json: &str) -> Result<usize, IpcError> {
    check_document(json).map(|c| c.len())
}

impl Parley {
    /// The saved replies as the JSON of the format, files inline.
    pub async fn saved_replies_json(&self) -> Result<(String, i64), IpcError> {
        let all = self
            .db
            .call(|s| s.saved_replies_with_files())
            .await
            .map_err(errors::store)?;
        let mut entries = Vec::with_capacity(all.len());
        for (reply, files) in all {
            let mut out_files = Vec::new();
            for f in files {
                let bytes = tokio::fs::read(&f.path).await.map_err(|e| {
                    IpcError::new(
                        ErrorCode::Storage,
                        format!(
                            "The file \"{}\" of the saved reply “{}” could not be read ({e}). Remove it from the reply or add it again, then export.",
                            f.file_name, reply.title
                        ),
                    )
                })?;
                out_files.push(FileEntry {
                    file_name: f.file_name,
                    mime_type: f.mime_type,
                    base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                });
            }
            entries.push(Entry {
                folder: reply.folder,
                title: reply.title,
                body: reply.body,
                variants: reply
                    .variants
                    .into_iter()
                    .map(|v| (v.channel.as_str().to_owned(), v.body))
                    .collect(),
                files: out_files,
            });
        }
        let count = entries.len() as i64;
        let doc = Document {
            format: FORMAT,
            version: VERSION,
            saved_replies: entries,
        };
        let json = serde_json::to_string_pretty(&doc)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        Ok((json, count))
    }

    /// Writes every saved reply into a file in the data folder's `exports/`.
    pub async fn export_saved_replies(&self) -> Result<SavedRepliesExport, IpcError> {
        let (json, count) = self.saved_replies_json().await?;
        let stamp = jiff::Timestamp::from_millisecond(self.clock.now())
            .map(|t| t.strftime("%Y-%m-%d-%H%M%S").to_string())
            .unwrap_or_else(|_| "export".into());
        let dir = self.paths().data_dir.join("exports");
        let path = dir.join(format!("saved-replies-{stamp}.json"));
        crate::attachments::write_durably(&path, json.into_bytes())
            .await
            .map_err(|e| {
                IpcError::new(
                    ErrorCode::Storage,
                    format!(
                        "The export could not be written in {} ({e}). Check the free space and try again.",
                        dir.display()
                    ),
                )
            })?;
        Ok(SavedRepliesExport {
            path: path.to_string_lossy().into_owned(),
            count,
        })
    }

    /// Imports saved replies from the JSON of the format (see the module's doc).
    pub async fn import_saved_replies(&self, json: String) -> Result<SavedRepliesImport, IpcError> {
        if json.len() > IMPORT_MAX_BYTES {
            return Err(invalid(format!(
                "Nothing was imported: the file is larger than {} MB.",
                IMPORT_MAX_BYTES / (1024 * 1024)
            )));
        }
        let checked = check_document(&json)?;
        let pairs: Vec<(String, String)> = checked
            .iter()
            .map(|(_, c)| (c.input.folder.clone(), c.input.title.clone()))
            .collect();
        let taken = self
            .db
            .call(move |s| s.saved_reply_titles_taken(&pairs))
            .await
            .map_err(errors::store)?;
        let mut skipped = Vec::new();
        let mut to_write = Vec::new();
        for ((position, c), taken) in checked.into_iter().zip(taken) {
            if taken {
                skipped.push(ImportSkip {
                    position: position as i64,
                    title: c.input.title.clone(),
                    reason: if c.input.folder.is_empty() {
                        "A saved reply outside folders already has this title; rename or delete it to import this one.".into()
                    } else {
                        format!(
                            "The folder “{}” already has a saved reply with this title; rename or delete it to import this one.",
                            c.input.folder
                        )
                    },
                });
            } else {
                to_write.push(c);
            }
        }
        // The files first (a crash leaves only files no reply names, swept at the next start).
        let mut written: Vec<StoredFile> = Vec::new();
        let mut replies = Vec::with_capacity(to_write.len());
        for c in to_write {
            let mut files = Vec::new();
            for (name, mime, bytes) in c.files {
                match self.write_saved_reply_file(&name, &mime, bytes).await {
                    Ok(f) => {
                        written.push(f.clone());
                        files.push(f);
                    }
                    Err(e) => {
                        for f in &written {
                            self.delete_saved_reply_file_on_disk(&f.key).await;
                        }
                        return Err(IpcError::new(
                            e.code,
                            format!("Nothing was imported: {}", e.message),
                        ));
                    }
                }
            }
            replies.push(NewSavedReply {
                input: c.input,
                files,
            });
        }
        let now = self.clock.now();
        let result = self
            .db
            .call(move |s| s.import_saved_replies(&replies, now))
            .await;
        match result {
            Ok(n) => Ok(SavedRepliesImport {
                imported: n as i64,
                skipped,
            }),
            Err(e) => {
                for f in &written {
                    self.delete_saved_reply_file_on_disk(&f.key).await;
                }
                Err(match e {
                    parley_store::StoreError::Duplicate => IpcError::new(
                        ErrorCode::Duplicate,
                        "Nothing was imported: a saved reply with one of these titles was added meanwhile. Import the file again.",
                    ),
                    other => errors::store(other),
                })
            }
        }
    }
}
