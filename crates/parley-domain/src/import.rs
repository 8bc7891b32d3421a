//! Importing customers from a CSV file (a shop's or a CRM's export): what the wizard previews,
//! what the agent chooses, and the exact report. The file is read, decoded and matched in Rust
//! (`parley-core/src/import/`); the window uploads its bytes once and never names a path.

use crate::AttributeKind;
use crate::ids::{ContactId, Millis};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What one column of the file becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "target",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ImportTarget {
    /// Not imported.
    Ignore,
    /// The whole name.
    Name,
    /// Joined with the last name ("Ana" + "García" → "Ana García").
    FirstName,
    LastName,
    /// Matched against the customers' addresses; kept as the attribute "Email".
    Email,
    /// Matched against the customers' numbers; kept as the attribute "Phone" (E.164).
    Phone,
    /// Any other column: an attribute of this name and kind.
    Attribute {
        key: String,
        attribute_kind: AttributeKind,
    },
}

/// Where the file's values go when a row matches a customer Parley already knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportMode {
    /// The file wins: its name and values replace what the customer has.
    Overwrite,
    /// Only what the customer lacks is added; nothing they have changes.
    FillBlanks,
}

/// What the wizard shows before anything is imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// The file's name as picked (shown as text).
    pub file_name: String,
    #[ts(type = "number")]
    pub byte_count: u64,
    /// The encoding the file was read in (a WHATWG name: "UTF-8", "windows-1252", …).
    pub encoding: String,
    /// Whether the encoding is certain (a byte-order mark, valid UTF-8, or a detected encoding
    /// that reads every byte); otherwise the agent should check the preview.
    pub encoding_certain: bool,
    /// Encodings the agent can choose instead.
    pub encoding_choices: Vec<String>,
    /// The separator found: ",", ";", "\t" or "|".
    pub delimiter: String,
    /// The first row, taken as the columns' names.
    pub headers: Vec<String>,
    /// The first rows after the header, as read (at most [`IMPORT_PREVIEW_ROWS`]).
    pub rows: Vec<ImportPreviewRow>,
    /// Rows after the header, broken ones included.
    pub row_count: u32,
    /// Rows that cannot be imported as they are (wrong number of columns, unreadable bytes, a
    /// cell too long).
    pub broken_count: u32,
    /// A mapping for each header, guessed from its name.
    pub suggested: Vec<ImportTarget>,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreviewRow {
    /// The file's line where the row starts (a quoted line break makes a row longer than one).
    pub line: u32,
    pub cells: Vec<String>,
    /// Why the row cannot be imported, if it cannot.
    pub problem: Option<String>,
}

/// The first rows the preview shows.
pub const IMPORT_PREVIEW_ROWS: usize = 20;

/// What the agent chose in the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    /// The encoding to read the file in (one of the preview's).
    pub encoding: String,
    /// One target per column, in the file's order.
    pub mapping: Vec<ImportTarget>,
    pub mode: ImportMode,
    /// Where numbers written without a country code are from (ISO 3166 alpha-2, "DE"); `null`:
    /// only international numbers (+49…, 0049…) are read.
    pub phone_region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportOutcome {
    Created,
    Updated,
    /// Matched a customer who already had everything the row says.
    Unchanged,
    Skipped,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowReport {
    /// The file's line where the row starts.
    pub line: u32,
    pub outcome: ImportOutcome,
    /// The customer's name as the row gives it (or as Parley knows them), shown as text.
    pub name: String,
    pub contact_id: Option<ContactId>,
    /// Why a row was skipped, or what of it was left out ("Order total: "twelve" is not a
    /// number").
    pub notes: Vec<String>,
}

/// The exact outcome of an import. Nothing was written when `cancelled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub cancelled: bool,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub skipped: u32,
    /// Every row's outcome by line: skipped ones first, then updated, unchanged and created;
    /// at most [`IMPORT_REPORT_ROWS_MAX`] (the counts above are always whole).
    pub rows: Vec<ImportRowReport>,
    /// Rows left out of `rows` for its size.
    pub rows_omitted: u32,
    #[ts(type = "number")]
    pub imported_at: Millis,
}

/// The most row outcomes one report carries.
pub const IMPORT_REPORT_ROWS_MAX: usize = 5_000;
