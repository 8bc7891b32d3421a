//! The whole dialogue with a customer (issue 14): every message of every conversation of one
//! contact, on every channel, as one timeline, and the channels a reply can go out on.
//!
//! The timeline is keyset-paged backwards on (`sent_at`, message id), the order of the
//! conversation view, so a page is the newest messages older than the cursor, returned oldest
//! first. A reply from it is an ordinary reply into one of the contact's threads (the chosen
//! channel's [`ReplyChannel::thread_id`]): its draft, outbox and reply-window checks are that
//! thread's.

use crate::{AccountId, ChannelKind, ComposerWindow, ContactId, IdentityId, MessageView, Millis};
use crate::{PageCursor, ThreadId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One message of the whole dialogue, with the channel (and account) it came or went on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineMessage {
    /// The message as the conversation view shows it (`message.threadId` is its thread).
    pub message: MessageView,
    pub channel: ChannelKind,
    pub account_id: AccountId,
    /// The account's name (a Page, a mailbox, a bot), shown beside the channel.
    pub account_name: String,
}

/// A channel the customer can be answered on: one of their identities, and the thread a reply
/// there goes into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplyChannel {
    pub identity_id: IdentityId,
    pub channel: ChannelKind,
    pub account_id: AccountId,
    pub account_name: String,
    /// The identity's most recently active conversation: where a reply on this channel goes.
    pub thread_id: ThreadId,
    /// When the customer last wrote on this identity (any of its conversations); `null` if never.
    #[ts(type = "number | null")]
    pub last_inbound_at: Option<Millis>,
    /// The reply window of `thread_id`, as its composer shows it.
    pub reply_window: ComposerWindow,
}

/// One page of a contact's whole dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactTimelinePage {
    pub contact_id: ContactId,
    /// Oldest first.
    pub items: Vec<TimelineMessage>,
    /// Pass back to load older messages; `null` when the start of the dialogue is reached.
    pub older: Option<PageCursor>,
    /// Every channel the customer can be answered on, the one they last wrote on first, then by
    /// their last message there (newest first), then by the thread's activity.
    pub channels: Vec<ReplyChannel>,
    /// The thread a reply goes into unless the agent chooses another channel: that of the
    /// channel the customer last wrote on (with no message from them at all, the most recently
    /// active one); `null` when the contact has no conversation.
    pub default_thread: Option<ThreadId>,
}
