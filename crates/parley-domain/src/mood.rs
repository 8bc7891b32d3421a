//! The customer's mood and spike mode (issue 15), as the window sees them.
//!
//! **Mood.** Each inbound message is scored on the device (`crates/parley-sentiment`); a clearly
//! negative (angry) or pressing (urgent) one flags its conversation until an agent answers it or
//! it is resolved, and raises its priority (never lowers what the agent set). The flag shows in
//! the row and the pane; the Mood view lists open conversations flagged first, longest waiting
//! first within each.
//!
//! **Spike mode.** The sidebar shows the queue (open conversations whose customer waits for an
//! answer) and the longest wait. When arrivals in the last 15 minutes or the queue pass their
//! thresholds, Parley offers spike mode: new conversations get an automatic acknowledgement with
//! an honest expected wait, the list shows the Mood view, Resolved and Snoozed leave the sidebar,
//! notifications group harder. It ends by hand, or once the queue has been back under its
//! thresholds for a while. See `docs/decisions/020-sentiment-and-spike.md`.

use crate::ids::Millis;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why a conversation is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MoodKind {
    /// The customer's tone is clearly negative (anger, frustration, sarcasm).
    Angry,
    /// The customer presses: "asap", "still waiting", a refund, a chargeback, a lawyer.
    Urgent,
}

impl MoodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MoodKind::Angry => "angry",
            MoodKind::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "angry" => Some(MoodKind::Angry),
            "urgent" => Some(MoodKind::Urgent),
            _ => None,
        }
    }
}

/// A flagged conversation's mood: the most upset of the customer's messages since an agent last
/// answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadMood {
    pub kind: MoodKind,
    /// 0 ..= 100: how negative or pressing (the larger of the two).
    pub severity: u8,
    /// Angry and pressing at once ("refund me now or I call my lawyer").
    pub angry_and_urgent: bool,
    /// When the newest flagged message arrived.
    #[ts(type = "number")]
    pub since: Millis,
}

/// When Parley offers spike mode, what it says, and when it ends by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SpikeSettings {
    /// New waits in the last 15 minutes that make a spike.
    pub arrivals_threshold: u32,
    /// Conversations waiting for an answer that make a spike.
    pub queue_threshold: u32,
    /// Minutes under both thresholds after which spike mode ends by itself.
    pub calm_minutes: u32,
    /// The acknowledgement; `{{wait}}` becomes the expected wait ("about 20 minutes").
    pub ack_text: String,
}

impl Default for SpikeSettings {
    fn default() -> Self {
        Self {
            arrivals_threshold: 10,
            queue_threshold: 15,
            calm_minutes: 15,
            ack_text: DEFAULT_ACK.to_owned(),
        }
    }
}

/// The acknowledgement spike mode sends unless the agent wrote another.
pub const DEFAULT_ACK: &str = "Thanks for your message! We're busier than usual right now. \
     {{wait}} We'll get back to you as soon as we can.";

/// The queue as the sidebar shows it, and spike mode's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SpikeStatus {
    /// Open conversations whose customer waits for an answer.
    #[ts(type = "number")]
    pub queue: i64,
    /// Since when the longest of them waits; `null` when none does.
    #[ts(type = "number | null")]
    pub longest_wait_since: Option<Millis>,
    /// Waits that began in the last 15 minutes.
    #[ts(type = "number")]
    pub arrivals: i64,
    /// The median first response of recent answered waits; `null` with too few to tell.
    #[ts(type = "number | null")]
    pub expected_wait_ms: Option<i64>,
    /// That wait as the acknowledgement words it ("about 20 minutes"); `null` likewise.
    pub expected_wait: Option<String>,
    /// Spike mode is on.
    pub on: bool,
    /// When it was turned on.
    #[ts(type = "number | null")]
    pub on_since: Option<Millis>,
    /// The thresholds are passed and spike mode is off and not declined: offer it.
    pub offer: bool,
    pub settings: SpikeSettings,
}

/// 2^42 ms (139 years): the Mood view's sort key puts the level above any time.
const LEVEL_STEP: i64 = 1 << 42;

/// The Mood view's sort key of a conversation, descending (what its page cursors hold; the store
/// computes the same as the generated column `threads.mood_key`): flagged first (angry and
/// pressing before either alone), then the longest wait first.
pub fn mood_key(t: &crate::ThreadSummary) -> i64 {
    let level = match t.mood {
        Some(m) if m.angry_and_urgent => 2,
        Some(_) => 1,
        None => 0,
    };
    level * LEVEL_STEP + (LEVEL_STEP - 1) - t.waiting_since.unwrap_or(t.last_activity_at)
}
