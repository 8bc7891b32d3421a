//! The conversation workflow the agent works the queue with: statuses, snooze, priority,
//! labels, the inbox's views and their counts, and the changes (single or bulk) with their Undo.

use crate::ids::{AccountId, LabelId, Millis, ThreadId};
use crate::kinds::{ChannelKind, ThreadStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Priorities, lowest first: none, low, normal, high, urgent.
pub const PRIORITY_NONE: i64 = 0;
pub const PRIORITY_URGENT: i64 = 4;

/// Which conversations the thread list shows. The status views list every thread in that status;
/// channel, account and label views list the open ones (the queue) of that channel, account or
/// label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ThreadView {
    /// Open conversations, newest activity first (the default).
    Open,
    /// Open conversations whose customer's last message is unanswered, longest waiting first.
    Waiting,
    /// Conversations with unread messages, newest first.
    Unread,
    /// Waiting on the customer, newest first.
    Pending,
    /// Snoozed, the soonest to wake first.
    Snoozed,
    /// Resolved, newest first.
    Resolved,
    /// Open conversations, flagged ones first (angry and pressing, then angry or pressing),
    /// longest waiting first within each (`mood.rs`).
    Mood,
    Channel {
        channel: ChannelKind,
    },
    Account {
        account: AccountId,
    },
    Label {
        label: LabelId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelCount {
    pub channel: ChannelKind,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountCount {
    pub account: AccountId,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelCount {
    pub label: LabelId,
    #[ts(type = "number")]
    pub count: i64,
}

/// How many conversations each view holds (channel, account and label views: open ones).
/// Views with none are left out of the lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ViewCounts {
    #[ts(type = "number")]
    pub open: i64,
    #[ts(type = "number")]
    pub waiting: i64,
    #[ts(type = "number")]
    pub unread: i64,
    #[ts(type = "number")]
    pub pending: i64,
    #[ts(type = "number")]
    pub snoozed: i64,
    #[ts(type = "number")]
    pub resolved: i64,
    pub channels: Vec<ChannelCount>,
    pub accounts: Vec<AccountCount>,
    pub labels: Vec<LabelCount>,
}

/// A label, with how many conversations carry it (whatever their status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub id: LabelId,
    pub name: String,
    /// A CSS hex colour, `#rrggbb`.
    pub color: String,
    #[ts(type = "number")]
    pub thread_count: i64,
}

/// One change an agent makes to one or several conversations at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ThreadChange {
    /// `sendQueued`: what happens to replies still waiting in the outbox — `true` they still
    /// go, `false` the outbox holds them; `null` asks first (nothing changes and the outcome
    /// counts them) when there are any.
    Resolve {
        #[serde(rename = "sendQueued")]
        send_queued: Option<bool>,
    },
    Reopen,
    Pending,
    Snooze {
        #[ts(type = "number")]
        until: Millis,
    },
    SetPriority {
        #[ts(type = "number")]
        priority: i64,
    },
    AddLabel {
        label: LabelId,
    },
    RemoveLabel {
        label: LabelId,
    },
    MarkRead,
    MarkUnread,
}

/// What a conversation's workflow fields were: a change returns them, and Undo puts them back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadState {
    pub thread_id: ThreadId,
    pub status: ThreadStatus,
    #[ts(type = "number | null")]
    pub snoozed_until: Option<Millis>,
    #[ts(type = "number")]
    pub priority: i64,
    pub labels: Vec<LabelId>,
    #[ts(type = "number")]
    pub unread_count: i64,
    /// The newest status event the conversation had (Undo removes the ones the change added).
    #[ts(type = "number")]
    pub events_upto: i64,
}

/// The result of a change: the states before it (for Undo), or — for a resolve that must ask —
/// nothing changed and how many replies wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangeOutcome {
    pub applied: bool,
    pub before: Vec<ThreadState>,
    /// Replies still waiting in the outbox in these conversations (asked about when resolving).
    #[ts(type = "number")]
    pub queued_replies: i64,
}

/// What happened to a conversation's status, shown in the thread between its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ThreadEventKind {
    Resolved,
    Pending,
    Snoozed {
        #[ts(type = "number")]
        until: Millis,
    },
    /// Opened again by the agent.
    Reopened,
    /// The customer wrote while the conversation was resolved, pending or snoozed.
    ReopenedByCustomer {
        from: ThreadStatus,
    },
    /// A snooze ended.
    Woke,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEvent {
    #[ts(type = "number")]
    pub at: Millis,
    pub event: ThreadEventKind,
}

/// A quick snooze choice, computed in the agent's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnoozeChoice {
    /// "In 1 hour", "This evening", "Tomorrow", "Next Monday".
    pub label: String,
    /// The wake time as the agent reads it ("18:00", "Tue 09:00").
    pub when: String,
    #[ts(type = "number")]
    pub until: Millis,
}
