//! Notification preferences, as the window edits them and the store keeps them (as JSON).

use crate::ids::*;
use crate::kinds::ChannelKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which threads may notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NotifyScope {
    /// Every new customer message.
    #[default]
    All,
    /// Only threads assigned to this agent or to nobody. Parley has no assignment yet, so every
    /// thread counts as unassigned and this behaves like `all` until assignment lands.
    AssignedOrUnassigned,
}

/// One stretch of working time on a weekday, in minutes after local midnight. An `end` at or
/// before `start` runs past midnight into the next day (a night shift); equal means all day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkingSpan {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub start_minute: u16,
    pub end_minute: u16,
}

/// Outside these hours nothing pops; what arrived is summarised when they begin again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkingHours {
    pub enabled: bool,
    /// An IANA zone such as `Europe/Berlin`; empty means the computer's own zone.
    pub time_zone: String,
    pub spans: Vec<WorkingSpan>,
}

impl Default for WorkingHours {
    fn default() -> Self {
        // Monday to Friday, 9:00 to 17:00, off until the agent turns it on.
        Self {
            enabled: false,
            time_zone: String::new(),
            spans: (1..=5)
                .map(|weekday| WorkingSpan {
                    weekday,
                    start_minute: 9 * 60,
                    end_minute: 17 * 60,
                })
                .collect(),
        }
    }
}

/// Everything the agent can set about notifications. Missing fields take their defaults, so
/// settings written by an older Parley still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    /// The master switch.
    pub enabled: bool,
    pub sound: bool,
    /// Show the first line of the customer's message; off, a notification says only "New
    /// message" (for screens others can see).
    pub show_message_text: bool,
    pub scope: NotifyScope,
    pub muted_channels: Vec<ChannelKind>,
    pub muted_accounts: Vec<AccountId>,
    /// Threads the agent muted: they never notify and their text is never shown.
    pub muted_threads: Vec<ThreadId>,
    /// Do not disturb until this time (ms since the epoch); `null` when off.
    #[ts(type = "number | null")]
    pub dnd_until: Option<Millis>,
    pub working_hours: WorkingHours,
    /// Notify once more when a customer has waited this long without a reply; 0 turns it off.
    pub realert_minutes: u32,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            enabled: true,
            sound: true,
            show_message_text: true,
            scope: NotifyScope::All,
            muted_channels: Vec::new(),
            muted_accounts: Vec::new(),
            muted_threads: Vec::new(),
            dnd_until: None,
            working_hours: WorkingHours::default(),
            realert_minutes: 5,
        }
    }
}

/// What a click on a notification asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NotificationAction {
    /// The notification itself was clicked: show the thread.
    Open,
    /// Show the thread with the composer focused.
    Reply,
    MarkRead,
}
