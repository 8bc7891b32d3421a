//! Backup and restore of the whole workspace, and the per-customer export (issue 18): what the
//! Settings → Backup section and the customer pane's "Export…" see.
//!
//! A backup is one file encrypted with a passphrase the owner chooses (never stored); the
//! scheduled one writes with a key set up once from that passphrase
//! (`docs/decisions/024-backup.md`).

use crate::Millis;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Backups kept in the scheduled folder unless the owner says otherwise.
pub const BACKUP_KEEP_DEFAULT: u32 = 7;
/// The shortest passphrase a backup accepts.
pub const PASSPHRASE_MIN_CHARS: usize = 10;

/// How one backup went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupResult {
    #[ts(type = "number")]
    pub at: Millis,
    pub ok: bool,
    /// The file written (`null` when it failed).
    pub path: Option<String>,
    /// What happened, in words ("Backed up 1,204 messages and 12 files." or why it failed).
    pub message: String,
    #[ts(type = "number")]
    pub bytes: i64,
}

/// The scheduled backup as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupSettings {
    /// A daily backup runs (it needs a folder and a key).
    pub enabled: bool,
    /// The folder the daily backups go to (a synced drive, a USB disk).
    pub folder: Option<String>,
    /// How many of the newest scheduled backups are kept there.
    pub keep: u32,
    /// A key for the schedule was set up from the owner's passphrase.
    pub has_key: bool,
    /// The last backup, scheduled or made by hand.
    pub last: Option<BackupResult>,
    /// When the next scheduled backup is due (`null`: not scheduled).
    #[ts(type = "number | null")]
    pub next_at: Option<Millis>,
}

/// A change to the schedule. `passphrase` sets up (or replaces) the schedule's key; the
/// passphrase itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupScheduleInput {
    pub enabled: bool,
    pub folder: Option<String>,
    pub keep: u32,
    pub passphrase: Option<String>,
}

/// What a workspace (or a backup of one) holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCounts {
    #[ts(type = "number")]
    pub accounts: i64,
    #[ts(type = "number")]
    pub contacts: i64,
    #[ts(type = "number")]
    pub conversations: i64,
    #[ts(type = "number")]
    pub messages: i64,
    #[ts(type = "number")]
    pub notes: i64,
    #[ts(type = "number")]
    pub files: i64,
}

/// A backup made by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupOutcome {
    /// `null` when the save dialog was cancelled.
    pub path: Option<String>,
    pub counts: WorkspaceCounts,
    #[ts(type = "number")]
    pub bytes: i64,
}

/// A backup opened and checked, ready to replace this workspace: the exact counts of both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RestorePreview {
    /// The backup file.
    pub path: String,
    #[ts(type = "number")]
    pub created_at: Millis,
    /// The Parley version that made it.
    pub app_version: String,
    /// What the backup holds (what the workspace will hold after the restore).
    pub backup: WorkspaceCounts,
    /// What this workspace holds now (what the restore replaces).
    pub current: WorkspaceCounts,
}

/// Where a restore stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RestoreState {
    /// Nothing staged.
    None,
    /// A checked backup waits for the owner's confirmation.
    Checked,
    /// Confirmed: Parley swaps it in when it starts next (quit and start again).
    Pending,
}

/// A per-customer export (data-subject access): a zip with `customer.json` and `customer.html`
/// and the files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerExportOutcome {
    /// `null` when the save dialog was cancelled.
    pub path: Option<String>,
    #[ts(type = "number")]
    pub conversations: i64,
    #[ts(type = "number")]
    pub messages: i64,
    #[ts(type = "number")]
    pub files: i64,
}
