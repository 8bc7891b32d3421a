//! Saved replies (store: `parley-store/src/saved_replies.rs`; DTOs:
//! `parley-domain/src/saved_replies.rs`).
//!
//! - **Folders** are a name on each reply ("" = none): a folder exists while a reply is in it.
//! - **Variables** (grammar in [`template`]): `{{first_name}}`, `{{last_name}}`,
//!   `{{full_name}}` (the customer's name as Parley shows it; none when that name is really an
//!   address, a number or a handle), `{{agent_name}}` (who writes on this computer:
//!   `notes::agent_name`), `{{business_hours}}` (the text set in Settings → Saved replies;
//!   without one, the schedule of the conversation's account from Settings → Automation,
//!   `automation::schedule::summary`) and any of the customer's attributes by its key (`{{Order}}`, `{{Customer since}}`). The names
//!   above come first; then an attribute whose key matches exactly, then one matching with case
//!   and spacing ignored. A value that is empty counts as missing.
//! - **Missing values**: with a fallback (`{{first_name|there}}`) the fallback is inserted. With
//!   none, the variable is left **empty** and the reply is still inserted for editing; the
//!   picker's preview marks it and the filled reply lists it in `missing` (the composer says
//!   which ones were left empty). Raw `{{…}}` never reaches the composer: a reply whose text is
//!   not a valid template is refused when saved or imported.
//! - **Channels**: a reply may have a body per channel, used there instead of the default.
//!   Parley sends plain text on every channel (Telegram without a parse mode, email as
//!   text/plain, Messenger, Instagram, SMS and WhatsApp as typed). Only WhatsApp's own app shows
//!   `*bold*`, `_italic_`, `~strike~` and ```` ``` ```` as formatting, so the default body may use
//!   them: they go as they are to WhatsApp and are removed on every other channel
//!   ([`template::strip_formatting`]). A channel's own variant is used exactly as written.
//! - **Files** live in the data folder (`saved-replies/<uuid>/<name>`). Inserting the reply
//!   stages copies of them in the composer like the Attach button (the channel's limits apply;
//!   a file refused there is reported, the text still inserted), so sending or removing them
//!   never touches the saved reply's own copies.
//! - **Usage** is counted when an agent **inserts** a reply: that is the agent choosing it, and
//!   it is known for sure then; by the time it is sent the text may have been rewritten beyond
//!   recognition. The picker ranks by it (`ui/src/lib/saved-replies.ts`).
//! - [`Parley::fill_saved_reply`] is what anything that answers with a saved reply uses (the
//!   composer's preview and insert; later the FAQ bot's answer).
//! - Import and export: [`exchange`].

pub(crate) mod exchange;
pub mod template;

use crate::errors;
use crate::facade::Parley;
use crate::files::{display_name, mime_of, safe_file_name};
use parley_domain::*;
use parley_store::StoredFile;
use std::path::PathBuf;
use template::{Piece, name_key};

/// Folder (under the data folder) of saved replies' files.
pub(crate) const FILES_DIR: &str = "saved-replies";
/// The setting holding the text of `{{business_hours}}` (a JSON string).
pub(crate) const BUSINESS_HOURS_KEY: &str = "savedReplies.businessHours";
/// The longest business-hours text, in characters.
const BUSINESS_HOURS_MAX: usize = 300;

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

/// What the variables of one conversation are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    pub full_name: Option<String>,
    pub agent_name: Option<String>,
    pub business_hours: Option<String>,
    /// The customer's attributes (key, value), in the pane's order.
    pub attributes: Vec<(String, String)>,
}

/// Whether a contact's name is a person's name (not an address, a number or a handle), which
/// first and last names can be taken from.
fn personal_name(name: &str) -> Option<&str> {
    let name = name.trim();
    let first = name.chars().next()?;
    if name.contains('@') || first.is_ascii_digit() || first == '+' {
        return None;
    }
    Some(name)
}

impl Values {
    /// The value of a variable here (`None`: missing or empty).
    pub fn get(&self, name: &str) -> Option<String> {
        let key = name_key(name);
        let full = self.full_name.as_deref().and_then(personal_name);
        let found = match key.as_str() {
            "first_name" => full
                .and_then(|n| n.split_whitespace().next())
                .map(str::to_owned),
            "last_name" => full.and_then(|n| {
                n.split_once(char::is_whitespace)
                    .map(|(_, rest)| rest.trim().to_owned())
            }),
            "full_name" | "name" => full.map(str::to_owned),
            "agent_name" => self.agent_name.clone(),
            "business_hours" => self.business_hours.clone(),
            _ => self
                .attributes
                .iter()
                .find(|(k, _)| k.trim() == name.trim())
                .or_else(|| self.attributes.iter().find(|(k, _)| name_key(k) == key))
                .map(|(_, v)| v.clone()),
        };
        found.filter(|v| !v.trim().is_empty())
    }
}

/// The body a channel gets: its own variant, else the default (formatting removed where the
/// channel shows it as typed). Answers whether it was the variant.
pub fn body_for(reply: &SavedReply, channel: ChannelKind) -> (String, bool) {
    if let Some(v) = reply.variants.iter().find(|v| v.channel == channel) {
        return (v.body.clone(), true);
    }
    if channel == ChannelKind::Whatsapp {
        (reply.body.clone(), false)
    } else {
        (template::strip_formatting(&reply.body), false)
    }
}

/// Fills `reply` for a conversation on `channel` with `values` (no notes about files).
pub fn fill(reply: &SavedReply, channel: ChannelKind, values: &Values) -> FilledReply {
    let (body, variant) = body_for(reply, channel);
    // Saved bodies were checked when saved; a body that somehow is not a template is shown as
    // plain text rather than half-filled.
    let pieces = template::parse(&body).unwrap_or_else(|_| vec![Piece::Text(body.clone())]);
    let mut parts = Vec::with_capacity(pieces.len());
    let mut missing: Vec<String> = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(text) => parts.push(FilledPart {
                text,
                variable: None,
                missing: false,
                fallback: false,
            }),
            Piece::Var { name, fallback } => {
                let (text, is_missing, used_fallback) = match (values.get(&name), fallback) {
                    (Some(v), _) => (v, false, false),
                    (None, Some(f)) => (f, false, true),
                    (None, None) => {
                        if !missing.iter().any(|m| name_key(m) == name_key(&name)) {
                            missing.push(name.clone());
                        }
                        (String::new(), true, false)
                    }
                };
                parts.push(FilledPart {
                    text,
                    variable: Some(name),
                    missing: is_missing,
                    fallback: used_fallback,
                });
            }
        }
    }
    let text = parts.iter().map(|p| p.text.as_str()).collect();
    let mut notes = Vec::new();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("{{{{{m}}}}}")).collect();
        notes.push(format!(
            "No value here for {} and no fallback: left empty. Check the text before sending, or add the detail to the customer.",
            names.join(", ")
        ));
    }
    FilledReply {
        saved_reply_id: reply.id,
        folder: reply.folder.clone(),
        title: reply.title.clone(),
        channel,
        variant,
        text,
        parts,
        missing,
        files: reply.files.clone(),
        notes,
        uses: reply.uses,
        last_used_at: reply.last_used_at,
    }
}

/// Checks and tidies what the agent wrote (trimmed title and folder, variants each once and
/// not empty, every body a valid template).
pub fn validate(input: SavedReplyInput) -> Result<SavedReplyInput, IpcError> {
    let title = input.title.trim().to_owned();
    let folder = input.folder.trim().to_owned();
    if title.is_empty() {
        return Err(invalid(
            "Give the saved reply a title (it is what the picker finds it by).",
        ));
    }
    if title.chars().count() > SAVED_REPLY_TITLE_MAX {
        return Err(invalid(format!(
            "The title is longer than {SAVED_REPLY_TITLE_MAX} characters: shorten it."
        )));
    }
    if folder.chars().count() > SAVED_REPLY_FOLDER_MAX {
        return Err(invalid(format!(
            "The folder's name is longer than {SAVED_REPLY_FOLDER_MAX} characters: shorten it."
        )));
    }
    let check_body = |what: &str, body: &str| -> Result<(), IpcError> {
        if body.trim().is_empty() {
            return Err(invalid(format!("{what} is empty: write its text.")));
        }
        if body.chars().count() > SAVED_REPLY_BODY_MAX {
            return Err(invalid(format!(
                "{what} is longer than {SAVED_REPLY_BODY_MAX} characters: shorten it."
            )));
        }
        template::parse(body)
            .map(|_| ())
            .map_err(|e| invalid(format!("{what}: {e}.")))
    };
    check_body("The reply's text", &input.body)?;
    let mut variants: Vec<SavedReplyVariant> = Vec::new();
    for v in input.variants {
        let what = format!("The {} variant", v.channel.display_name());
        if variants.iter().any(|w| w.channel == v.channel) {
            return Err(invalid(format!("{what} is there twice: keep one of them.")));
        }
        check_body(&what, &v.body)?;
        variants.push(v);
    }
    Ok(SavedReplyInput {
        folder,
        title,
        body: input.body,
        variants,
    })
}

fn save_error(e: parley_store::StoreError, title: &str, folder: &str) -> IpcError {
    match e {
        parley_store::StoreError::Duplicate => IpcError::new(
            ErrorCode::Duplicate,
            if folder.is_empty() {
                format!(
                    "There is already a saved reply called “{title}” outside folders: choose another title."
                )
            } else {
                format!(
                    "The folder “{folder}” already has a saved reply called “{title}”: choose another title."
                )
            },
        ),
        other => errors::store(other),
    }
}

impl Parley {
    pub(crate) fn saved_reply_files_dir(&self) -> PathBuf {
        self.paths().data_dir.join(FILES_DIR)
    }

    /// Deletes a saved reply's file (its own folder under `saved-replies/`).
    pub(crate) async fn delete_saved_reply_file_on_disk(&self, key: &str) {
        crate::attachments::delete_file_folder(&self.saved_reply_files_dir(), key).await;
    }

    /// Writes a file for a saved reply into the data folder; answers how the store records it.
    pub(crate) async fn write_saved_reply_file(
        &self,
        file_name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
    ) -> Result<StoredFile, IpcError> {
        let mime = mime_of(mime_type, file_name);
        let name = display_name(file_name, &mime);
        let size = bytes.len() as u64;
        if size == 0 {
            return Err(invalid(format!(
                "\"{name}\" is empty; there is nothing to keep."
            )));
        }
        if size > SAVED_REPLY_FILE_MAX_BYTES {
            return Err(invalid(format!(
                "\"{name}\" is larger than {} MB, more than any channel carries. Keep a smaller file or a link to it in the text.",
                SAVED_REPLY_FILE_MAX_BYTES / (1024 * 1024)
            )));
        }
        let folder = uuid::Uuid::new_v4().simple().to_string();
        let disk_name = safe_file_name(Some(&name), Some(&mime));
        let key = format!("{folder}/{disk_name}");
        let path = self.saved_reply_files_dir().join(&folder).join(&disk_name);
        crate::attachments::write_durably(&path, bytes)
            .await
            .map_err(|e| {
                IpcError::new(
                    ErrorCode::Storage,
                    format!(
                        "\"{name}\" could not be saved in {} ({e}). Check the free space and try again.",
                        self.saved_reply_files_dir().display()
                    ),
                )
            })?;
        Ok(StoredFile {
            key,
            path,
            file_name: name,
            mime_type: mime,
            size: size as i64,
        })
    }

    /// Every saved reply, the most used first.
    pub async fn list_saved_replies(&self) -> Result<Vec<SavedReply>, IpcError> {
        self.db
            .call(|s| s.saved_replies())
            .await
            .map_err(errors::store)
    }

    pub async fn create_saved_reply(&self, input: SavedReplyInput) -> Result<SavedReply, IpcError> {
        let input = validate(input)?;
        let now = self.clock.now();
        let (title, folder) = (input.title.clone(), input.folder.clone());
        self.db
            .call(move |s| s.create_saved_reply(&input, now))
            .await
            .map_err(|e| save_error(e, &title, &folder))
    }

    pub async fn update_saved_reply(
        &self,
        id: SavedReplyId,
        input: SavedReplyInput,
    ) -> Result<SavedReply, IpcError> {
        let input = validate(input)?;
        let now = self.clock.now();
        let (title, folder) = (input.title.clone(), input.folder.clone());
        self.db
            .call(move |s| s.update_saved_reply(id, &input, now))
            .await
            .map_err(|e| save_error(e, &title, &folder))
    }

    /// Deletes a saved reply and its files.
    pub async fn delete_saved_reply(&self, id: SavedReplyId) -> Result<(), IpcError> {
        let files = self
            .db
            .call(move |s| s.delete_saved_reply(id))
            .await
            .map_err(errors::store)?;
        for f in files {
            self.delete_saved_reply_file_on_disk(&f.key).await;
        }
        Ok(())
    }

    /// Keeps a file with a saved reply (written into the data folder first).
    pub async fn add_saved_reply_file(
        &self,
        id: SavedReplyId,
        file_name: String,
        mime_type: String,
        bytes: Vec<u8>,
    ) -> Result<SavedReplyFile, IpcError> {
        let file = self
            .write_saved_reply_file(&file_name, &mime_type, bytes)
            .await?;
        let key = file.key.clone();
        let now = self.clock.now();
        match self
            .db
            .call(move |s| s.add_saved_reply_file(id, &file, now))
            .await
        {
            Ok(f) => Ok(f),
            Err(e) => {
                self.delete_saved_reply_file_on_disk(&key).await;
                Err(errors::store(e))
            }
        }
    }

    /// [`Parley::add_saved_reply_file`] for a raw upload: the reply's id in the header
    /// `parley-saved-reply-id`, the name and type as for the composer's files.
    pub async fn add_raw_saved_reply_file<'a>(
        &self,
        body: Option<Vec<u8>>,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<SavedReplyFile, IpcError> {
        let bad = |what: &str| {
            invalid(format!(
                "The file could not be added: {what}. Try adding it again."
            ))
        };
        let bytes = body.ok_or_else(|| bad("its bytes did not arrive as a raw body"))?;
        let id = header("parley-saved-reply-id")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(SavedReplyId)
            .ok_or_else(|| bad("the saved reply is missing"))?;
        let name = header("parley-file-name")
            .map(crate::percent_decode)
            .ok_or_else(|| bad("its name is missing"))?;
        let mime = header("parley-file-type")
            .map(crate::percent_decode)
            .unwrap_or_default();
        self.add_saved_reply_file(id, name, mime, bytes).await
    }

    /// Takes a file off its saved reply and deletes it.
    pub async fn remove_saved_reply_file(&self, file_id: i64) -> Result<(), IpcError> {
        let file = self
            .db
            .call(move |s| s.remove_saved_reply_file(file_id))
            .await
            .map_err(errors::store)?;
        self.delete_saved_reply_file_on_disk(&file.key).await;
        Ok(())
    }

    /// The text of `{{business_hours}}` ("" when not set).
    pub async fn business_hours(&self) -> Result<String, IpcError> {
        let raw = self
            .db
            .call(|s| s.setting(BUSINESS_HOURS_KEY))
            .await
            .map_err(errors::store)?;
        Ok(raw
            .and_then(|r| serde_json::from_str::<String>(&r).ok())
            .unwrap_or_default())
    }

    pub async fn set_business_hours(&self, text: String) -> Result<(), IpcError> {
        let text = text.trim().to_owned();
        if text.chars().count() > BUSINESS_HOURS_MAX {
            return Err(invalid(format!(
                "The business hours are longer than {BUSINESS_HOURS_MAX} characters: shorten them."
            )));
        }
        let value = serde_json::Value::String(text).to_string();
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(BUSINESS_HOURS_KEY, &value, now))
            .await
            .map_err(errors::store)
    }

    /// The variables of a conversation, and its channel.
    async fn values_of(&self, thread: ThreadId) -> Result<(ChannelKind, Values), IpcError> {
        let (target, contact) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.contact_context(thread)?)))
            .await
            .map_err(errors::store)?;
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        let contact = contact.ok_or_else(|| errors::not_found("conversation"))?;
        // The text set by hand, else the account's schedule (Settings → Automation).
        let mut hours = self.business_hours().await?;
        if hours.is_empty()
            && let Some(summary) = self.business_hours_summary(target.account_id).await
        {
            hours = summary;
        }
        Ok((
            target.channel,
            Values {
                full_name: Some(contact.display_name),
                agent_name: Some(crate::notes::agent_name()),
                business_hours: Some(hours),
                attributes: contact
                    .attributes
                    .into_iter()
                    .map(|a| (a.key, a.value))
                    .collect(),
            },
        ))
    }

    /// Adds what the agent should know about the reply's files on this channel.
    fn note_files(filled: &mut FilledReply) {
        if filled.files.is_empty() {
            return;
        }
        if let Err(e) = crate::attachments::files_allowed(filled.channel) {
            let n = filled.files.len();
            filled.notes.push(format!(
                "{} The reply's {} will not be attached.",
                e.message,
                if n == 1 {
                    "file".to_owned()
                } else {
                    format!("{n} files")
                }
            ));
        }
    }

    /// Any text in the saved replies' grammar filled for a conversation (an automated
    /// message): `extra` variables come before the customer's attributes. Answers the plain
    /// text; a text that is not a template is refused.
    pub(crate) async fn fill_text_for_thread(
        &self,
        thread: ThreadId,
        text: &str,
        extra: &[(&str, String)],
    ) -> Result<String, IpcError> {
        template::parse(text).map_err(|e| invalid(e.0))?;
        let (channel, mut values) = self.values_of(thread).await?;
        let mut attributes: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        attributes.append(&mut values.attributes);
        values.attributes = attributes;
        let reply = SavedReply {
            id: SavedReplyId(0),
            folder: String::new(),
            title: String::new(),
            body: text.to_owned(),
            variants: Vec::new(),
            files: Vec::new(),
            uses: 0,
            last_used_at: None,
            updated_at: 0,
        };
        Ok(fill(&reply, channel, &values).text)
    }

    /// One saved reply filled for a conversation: what inserting it would put in the composer.
    pub async fn fill_saved_reply(
        &self,
        id: SavedReplyId,
        thread: ThreadId,
    ) -> Result<FilledReply, IpcError> {
        let reply = self
            .db
            .call(move |s| s.saved_reply(id))
            .await
            .map_err(errors::store)?;
        let (channel, values) = self.values_of(thread).await?;
        let mut filled = fill(&reply, channel, &values);
        Self::note_files(&mut filled);
        Ok(filled)
    }

    /// Every saved reply filled for a conversation (the composer's picker and its preview),
    /// the most used first.
    pub async fn saved_replies_for_thread(
        &self,
        thread: ThreadId,
    ) -> Result<Vec<FilledReply>, IpcError> {
        let replies = self.list_saved_replies().await?;
        let (channel, values) = self.values_of(thread).await?;
        Ok(replies
            .iter()
            .map(|r| {
                let mut filled = fill(r, channel, &values);
                Self::note_files(&mut filled);
                filled
            })
            .collect())
    }

    /// The agent chose a saved reply in a conversation's composer: answers its filled text for
    /// the composer (which the agent edits before sending), stages copies of its files there and
    /// counts the use.
    pub async fn insert_saved_reply(
        &self,
        id: SavedReplyId,
        thread: ThreadId,
    ) -> Result<InsertedReply, IpcError> {
        let filled = self.fill_saved_reply(id, thread).await?;
        let mut staged = Vec::new();
        let mut refused = Vec::new();
        if !filled.files.is_empty() {
            match crate::attachments::files_allowed(filled.channel) {
                Err(e) => refused.push(e.message),
                Ok(()) => {
                    let files = self
                        .db
                        .call(move |s| s.saved_reply_stored_files(id))
                        .await
                        .map_err(errors::store)?;
                    for f in files {
                        let bytes = match tokio::fs::read(&f.path).await {
                            Ok(b) => b,
                            Err(e) => {
                                refused.push(format!(
                                    "\"{}\" could not be read from {} ({e}); add it to the saved reply again.",
                                    f.file_name,
                                    self.saved_reply_files_dir().display()
                                ));
                                continue;
                            }
                        };
                        match self
                            .stage_attachment(
                                thread,
                                f.file_name.clone(),
                                f.mime_type.clone(),
                                bytes,
                            )
                            .await
                        {
                            Ok(s) => staged.push(s),
                            Err(e) => refused.push(e.message),
                        }
                    }
                }
            }
        }
        let now = self.clock.now();
        self.db
            .call(move |s| s.count_saved_reply_use(id, now))
            .await
            .map_err(errors::store)?;
        Ok(InsertedReply {
            filled: FilledReply {
                uses: filled.uses + 1,
                last_used_at: Some(now),
                ..filled
            },
            staged,
            refused,
        })
    }

    /// At start-up: deletes files under `saved-replies/` that no saved reply names (a crash
    /// between writing a file and recording it).
    pub(crate) async fn sweep_saved_reply_files(&self) {
        let keys = match self.db.call(|s| s.saved_reply_file_keys()).await {
            Ok(keys) => keys,
            Err(e) => {
                tracing::warn!("saved-reply files not swept: {e}");
                return;
            }
        };
        let in_use: std::collections::HashSet<String> = keys
            .iter()
            .filter_map(|k| k.split_once('/').map(|(folder, _)| folder.to_owned()))
            .collect();
        let Ok(mut dir) = tokio::fs::read_dir(self.saved_reply_files_dir()).await else {
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

#[cfg(test)]
mod tests;
