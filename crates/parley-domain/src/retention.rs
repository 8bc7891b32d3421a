//! Retention (issue 18): per account, conversations resolved more than N calendar months ago
//! (in the agent's time zone) are deleted — previewed with their exact count first, then by hand
//! or by the daily pass (`docs/decisions/026-retention.md`).

use crate::{AccountId, Millis};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest retention Settings offers (ten years).
pub const RETENTION_MONTHS_MAX: u32 = 120;

/// What a retention run (by hand or the daily pass) deleted, or is deleting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRun {
    #[ts(type = "number")]
    pub started_at: Millis,
    /// `null`: under way, or interrupted (the next pass finishes it).
    #[ts(type = "number | null")]
    pub finished_at: Option<Millis>,
    /// Conversations resolved before this time went.
    #[ts(type = "number")]
    pub cutoff: Millis,
    #[ts(type = "number")]
    pub conversations: i64,
    #[ts(type = "number")]
    pub messages: i64,
    /// Why the run stopped, when it failed.
    pub error: Option<String>,
}

/// One account's retention as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RetentionSettings {
    pub account_id: AccountId,
    /// Conversations resolved more than this many months ago are deleted; `null`: off (the
    /// default), nothing is deleted.
    pub months: Option<u32>,
    pub last_run: Option<RetentionRun>,
    /// When the daily pass next looks at this account (`null`: off).
    #[ts(type = "number | null")]
    pub next_at: Option<Millis>,
}

/// What a retention of `months` would delete now, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPreview {
    pub account_id: AccountId,
    pub months: u32,
    /// Conversations resolved before this time would go (`months` calendar months before now,
    /// in the agent's time zone). Pass it to the run, so it deletes exactly what was shown.
    #[ts(type = "number")]
    pub cutoff: Millis,
    #[ts(type = "number")]
    pub conversations: i64,
    #[ts(type = "number")]
    pub messages: i64,
    /// The oldest and newest resolve time among them (`null` when none).
    #[ts(type = "number | null")]
    pub oldest_resolved_at: Option<Millis>,
    #[ts(type = "number | null")]
    pub newest_resolved_at: Option<Millis>,
}
