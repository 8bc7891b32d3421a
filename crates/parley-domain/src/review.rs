//! The manager's side (issue 16): the review list and its filter, the transcript made for
//! reading, annotations and the checklist, the metrics of a period, and exports.
//!
//! A *conversation* here is a thread as the inbox lists it. Its measures are kept on the thread
//! (`parley-store/src/review.rs`): when it started (its first message), when the customer first
//! wrote, when the business first answered and who, when it was last resolved, how many messages
//! it holds. Durations are in milliseconds of wall-clock time.

use crate::{AccountId, ChannelKind, ContactId, ContactNote, Direction};
use crate::{LabelId, MessageId, MessageView, Millis, ThreadEvent, ThreadId, ThreadStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the review list is ordered by (each keyset-paged on the key and the id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ReviewSort {
    /// When the conversation started.
    Date,
    /// Since when the customer waits (conversations waiting for an answer only).
    Wait,
    /// The first response time (answered conversations only).
    FirstResponse,
    /// How many messages it holds.
    Length,
}

/// Which conversations the review list shows. Empty lists and `null`s do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewFilter {
    /// Started at or after (inclusive).
    #[ts(type = "number | null")]
    pub from: Option<Millis>,
    /// Started before (exclusive).
    #[ts(type = "number | null")]
    pub to: Option<Millis>,
    pub channels: Vec<ChannelKind>,
    pub accounts: Vec<AccountId>,
    pub statuses: Vec<ThreadStatus>,
    /// Carries any of these labels.
    pub labels: Vec<LabelId>,
    /// At least this priority (1 low … 4 urgent).
    #[ts(type = "number | null")]
    pub min_priority: Option<i64>,
    /// Only VIP customers (the flag of the customer).
    pub vip_only: bool,
    pub contact: Option<ContactId>,
    /// Words in any message (full-text search, the last word a prefix).
    pub text: Option<String>,
    /// First answer slower than the channel's target.
    pub slow_only: bool,
    /// The customer wrote and nobody answered yet.
    pub unanswered_only: bool,
    /// Answered first by this agent (their name as written on the reply).
    pub responder: Option<String>,
    /// Only conversations a manager annotated or scored.
    pub annotated_only: bool,
    pub sort: ReviewSort,
    /// Largest first (newest, longest wait, slowest, longest).
    pub descending: bool,
    /// "Slower than the target" counts only the business hours (when a schedule is set).
    #[serde(default)]
    pub business_hours: bool,
}

impl Default for ReviewFilter {
    fn default() -> Self {
        ReviewFilter {
            from: None,
            to: None,
            channels: Vec::new(),
            accounts: Vec::new(),
            statuses: Vec::new(),
            labels: Vec::new(),
            min_priority: None,
            vip_only: false,
            contact: None,
            business_hours: false,
            text: None,
            slow_only: false,
            unanswered_only: false,
            responder: None,
            annotated_only: false,
            sort: ReviewSort::Date,
            descending: true,
        }
    }
}

/// A keyset position in the review list: the sort key and the id of the last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewCursor {
    #[ts(type = "number")]
    pub key: i64,
    #[ts(type = "number")]
    pub id: i64,
}

/// One conversation in the review list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRow {
    pub thread_id: ThreadId,
    pub channel: ChannelKind,
    pub account_id: AccountId,
    pub account_name: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub status: ThreadStatus,
    #[ts(type = "number")]
    pub priority: i64,
    pub vip: bool,
    pub labels: Vec<LabelId>,
    pub snippet: String,
    #[ts(type = "number | null")]
    pub started_at: Option<Millis>,
    #[ts(type = "number")]
    pub last_activity_at: Millis,
    /// From the customer's first message to the business's first answer; `null`: not answered.
    #[ts(type = "number | null")]
    pub first_response_ms: Option<i64>,
    /// Who answered first (the name on the reply).
    pub first_responder: Option<String>,
    /// The customer waits since then for an answer.
    #[ts(type = "number | null")]
    pub waiting_since: Option<Millis>,
    #[ts(type = "number | null")]
    pub resolved_at: Option<Millis>,
    #[ts(type = "number")]
    pub message_count: i64,
    /// The first answer came later than the channel's target.
    pub slow: bool,
    /// Annotations and checklist scores a manager left on it.
    #[ts(type = "number")]
    pub annotations: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewPage {
    pub rows: Vec<ReviewRow>,
    /// Pass back for the next page; `null` on the last.
    pub next: Option<ReviewCursor>,
}

/// Who wrote a message, as the transcript names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AuthorKind {
    Customer,
    Agent,
    /// An automated reply (not a human response; see `review::is_human_reply`).
    Bot,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptMessage {
    pub message: MessageView,
    pub channel: ChannelKind,
    pub account_name: String,
    pub author_kind: AuthorKind,
}

/// A page of a transcript, oldest first, read forwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptPage {
    pub messages: Vec<TranscriptMessage>,
    /// Pass back for the following messages; `null` at the end.
    pub next: Option<crate::PageCursor>,
}

/// Everything the transcript view shows around its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    pub row: ReviewRow,
    /// The whole dialogue: every conversation of the customer (merged identities included).
    pub whole_dialogue: bool,
    /// The conversations the transcript covers.
    pub thread_ids: Vec<ThreadId>,
    pub first_page: TranscriptPage,
    /// Status changes of the conversation(s), oldest first.
    pub events: Vec<ThreadEvent>,
    /// The customer's internal notes (for agents, never sent).
    pub notes: Vec<ContactNote>,
    pub annotations: Vec<Annotation>,
    pub checklist: Vec<ChecklistItem>,
    pub scores: Vec<ChecklistScore>,
}

/// A manager's private note on a message (or the whole conversation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    #[ts(type = "number")]
    pub id: i64,
    pub thread_id: ThreadId,
    pub message_id: Option<MessageId>,
    /// The highlighted words ("" for the whole message).
    pub quote: String,
    pub body: String,
    pub author: String,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(type = "number")]
    pub updated_at: Millis,
    pub contact_name: String,
    pub channel: ChannelKind,
}

/// A new annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationInput {
    pub thread_id: ThreadId,
    pub message_id: Option<MessageId>,
    pub quote: String,
    pub body: String,
}

/// Which annotations the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationFilter {
    pub thread_id: Option<ThreadId>,
    /// Words in the note or the highlight.
    pub text: Option<String>,
    #[ts(type = "number | null")]
    pub from: Option<Millis>,
    #[ts(type = "number | null")]
    pub to: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChecklistKind {
    /// Yes (1) or no (0).
    YesNo,
    /// 1 to 5.
    Scale,
}

/// One question of the manager's checklist ("Greeted the customer").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistItem {
    #[ts(type = "number")]
    pub id: i64,
    pub label: String,
    pub kind: ChecklistKind,
}

/// A conversation's score on one checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistScore {
    #[ts(type = "number")]
    pub item_id: i64,
    #[ts(type = "number")]
    pub score: i64,
    pub author: String,
    #[ts(type = "number")]
    pub scored_at: Millis,
}

/// The first-response target of one channel, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResponseTarget {
    pub channel: ChannelKind,
    #[ts(type = "number")]
    pub minutes: i64,
}

/// The period and scope of the metrics page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricsQuery {
    #[ts(type = "number")]
    pub from: Millis,
    #[ts(type = "number")]
    pub to: Millis,
    pub channels: Vec<ChannelKind>,
    pub accounts: Vec<AccountId>,
    /// Count response and resolution times in business hours only (when a schedule is set).
    #[serde(default)]
    pub business_hours: bool,
}

/// The median and 90th percentile of a set of durations (nearest rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    #[ts(type = "number")]
    pub count: i64,
    #[ts(type = "number | null")]
    pub median_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub p90_ms: Option<i64>,
}

/// Conversations started on one local day on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DayVolume {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    pub channel: ChannelKind,
    #[ts(type = "number")]
    pub conversations: i64,
}

/// One channel's share of first answers within its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TargetShare {
    pub channel: ChannelKind,
    #[ts(type = "number")]
    pub target_minutes: i64,
    #[ts(type = "number")]
    pub answered: i64,
    #[ts(type = "number")]
    pub within: i64,
}

/// The metrics of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub query: MetricsQuery,
    /// The zone the days and hours are counted in.
    pub time_zone: String,
    /// The times were counted in business hours only (asked, and a schedule is set).
    pub business_hours: bool,
    /// Conversations whose first message falls in the period.
    #[ts(type = "number")]
    pub started: i64,
    /// Conversations (last) resolved in the period.
    #[ts(type = "number")]
    pub resolved: i64,
    /// Of the started: the customer wrote and nobody answered.
    #[ts(type = "number")]
    pub unanswered: i64,
    pub first_response: DurationStats,
    /// From the customer's first message to the (last) resolution, of those resolved.
    pub resolution: DurationStats,
    pub within_target: Vec<TargetShare>,
    /// Messages per started conversation (mean).
    pub messages_per_conversation: f64,
    /// Customer conversations started per weekday (Monday first) and local hour (0..24).
    #[ts(type = "Array<Array<number>>")]
    pub heatmap: Vec<Vec<i64>>,
    pub per_day: Vec<DayVolume>,
}

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// A self-contained page: no script, nothing remote.
    Html,
    /// RFC 4180, one row per message, UTF-8 with a BOM, formulas neutralised.
    Csv,
    /// The documented, versioned schema (`docs/export-schema.md`).
    Json,
    /// A4 pages of selectable text: every script and emoji, the customer and period on each
    /// page, "Page N of M".
    Pdf,
}

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ExportScope {
    /// These conversations (one transcript, or a selection).
    Threads { threads: Vec<ThreadId> },
    /// Everything the filter matches.
    Filter { filter: ReviewFilter },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub format: ExportFormat,
    pub scope: ExportScope,
    /// Write a zip: the transcript file, the attachments downloaded to this computer, and a
    /// list of those that were not.
    #[serde(default)]
    pub attachments: bool,
    /// For chosen conversations: count first response times and "slower than the target" in
    /// business hours, as the review list does when its filter says so (a filter's own
    /// `businessHours` decides for an export of everything it matches).
    #[serde(default)]
    pub business_hours: bool,
}

/// A finished (or cancelled) export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportOutcome {
    /// Where the file is (`null` when cancelled or when no place was chosen).
    pub path: Option<String>,
    #[ts(type = "number")]
    pub conversations: i64,
    #[ts(type = "number")]
    pub messages: i64,
    pub cancelled: bool,
    /// What the user should know about the file (e.g. characters no font on the machine had,
    /// shown as placeholders in a PDF); empty when all went as expected.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The author of a message in exports and the transcript.
pub fn author_kind(direction: Direction, automated: bool) -> AuthorKind {
    match (direction, automated) {
        (Direction::Inbound, _) => AuthorKind::Customer,
        (Direction::Outbound, true) => AuthorKind::Bot,
        (Direction::Outbound, false) => AuthorKind::Agent,
    }
}
