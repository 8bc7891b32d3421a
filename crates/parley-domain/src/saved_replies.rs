//! Saved replies: the answers agents give again and again, kept in folders, with variables
//! filled from the conversation (`parley-core/src/saved_replies/`), a body per channel where one
//! differs, and files. The grammar of the variables is in `parley-core/src/saved_replies/template.rs`.

use crate::ids::{Millis, SavedReplyId};
use crate::kinds::ChannelKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest title a saved reply may have, in characters.
pub const SAVED_REPLY_TITLE_MAX: usize = 120;
/// The longest folder name, in characters.
pub const SAVED_REPLY_FOLDER_MAX: usize = 60;
/// The longest body (default or variant), in characters.
pub const SAVED_REPLY_BODY_MAX: usize = 10_000;
/// The largest file a saved reply keeps (the largest any channel carries; each channel's own
/// limit is checked when the reply is inserted).
pub const SAVED_REPLY_FILE_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// The body used on one channel instead of the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedReplyVariant {
    pub channel: ChannelKind,
    pub body: String,
}

/// A file kept with a saved reply (in Parley's data folder, `saved-replies/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedReplyFile {
    #[ts(type = "number")]
    pub id: i64,
    pub file_name: String,
    pub mime_type: String,
    #[ts(type = "number")]
    pub size: i64,
}

/// A saved reply as the settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedReply {
    pub id: SavedReplyId,
    /// "" when it is in no folder.
    pub folder: String,
    pub title: String,
    /// The default body, with `{{variables}}`.
    pub body: String,
    /// Bodies for particular channels, in the usual channel order.
    pub variants: Vec<SavedReplyVariant>,
    pub files: Vec<SavedReplyFile>,
    /// How many times agents inserted it (the picker ranks the most used first).
    #[ts(type = "number")]
    pub uses: i64,
    #[ts(type = "number | null")]
    pub last_used_at: Option<Millis>,
    #[ts(type = "number")]
    pub updated_at: Millis,
}

/// What the agent writes when creating or editing a saved reply (files are added one by one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedReplyInput {
    pub folder: String,
    pub title: String,
    pub body: String,
    pub variants: Vec<SavedReplyVariant>,
}

/// A piece of a filled saved reply: plain text, or what a variable became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FilledPart {
    pub text: String,
    /// The variable this piece came from (`None`: the reply's own text).
    pub variable: Option<String>,
    /// The variable had no value here and no fallback: the piece is empty.
    pub missing: bool,
    /// The variable had no value here and its fallback was used.
    pub fallback: bool,
}

/// A saved reply filled for one conversation: what Enter would insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FilledReply {
    pub saved_reply_id: SavedReplyId,
    pub folder: String,
    pub title: String,
    /// The conversation's channel, whose body was used.
    pub channel: ChannelKind,
    /// Whether the body was the channel's own variant (else the default).
    pub variant: bool,
    /// The filled text, as plain text.
    pub text: String,
    /// The same text in pieces, so the preview can mark what the variables became.
    pub parts: Vec<FilledPart>,
    /// Variables that had no value here and no fallback (left empty), each once.
    pub missing: Vec<String>,
    pub files: Vec<SavedReplyFile>,
    /// What the agent should know before inserting (files this channel cannot carry…).
    pub notes: Vec<String>,
    #[ts(type = "number")]
    pub uses: i64,
    #[ts(type = "number | null")]
    pub last_used_at: Option<Millis>,
}

/// What inserting a saved reply did: its text (for the composer, which the agent edits before
/// sending) and its files staged with the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InsertedReply {
    pub filled: FilledReply,
    pub staged: Vec<crate::StagedAttachment>,
    /// Files that could not be staged here, each with why.
    pub refused: Vec<String>,
}

/// A saved-reply file export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedRepliesExport {
    /// Where the file was written (in Parley's data folder, `exports/`).
    pub path: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// One saved reply an import left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSkip {
    /// Its place in the file, from 1.
    #[ts(type = "number")]
    pub position: i64,
    pub title: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedRepliesImport {
    #[ts(type = "number")]
    pub imported: i64,
    pub skipped: Vec<ImportSkip>,
}
