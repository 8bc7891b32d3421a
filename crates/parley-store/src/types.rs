//! Types the store takes and returns that are not (yet) in parley-domain.

use parley_domain::{AccountId, Attachment, ChannelKind, Direction, MessageId, MessageView};
use parley_domain::{HoldReason, Millis, OutboxId, ReplyWindow, SendOptions, ThreadId};

/// An account to create. Its secrets are not here: they go to the keychain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub channel: ChannelKind,
    pub name: String,
    pub handle: Option<String>,
    pub external_id: String,
    pub is_demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: AccountId,
    pub channel: ChannelKind,
    pub name: String,
    pub handle: Option<String>,
    pub external_id: String,
    pub is_demo: bool,
    pub created_at: Millis,
    pub last_error: Option<String>,
    pub last_sync_at: Option<Millis>,
    /// Removed with its conversations kept (read-only): it does not run and cannot send.
    pub removed_at: Option<Millis>,
}

/// What an adapter needs to send into a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadTarget {
    pub account_id: AccountId,
    pub channel: ChannelKind,
    pub remote_thread_id: String,
    pub customer_remote_id: String,
    /// The customer's newest message in the thread (reply windows count from it).
    pub last_inbound_at: Option<Millis>,
}

/// What is needed to fetch a message's attachments through its channel.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRef {
    pub account_id: AccountId,
    pub thread_id: ThreadId,
    pub remote_id: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// A message that an ingest actually stored (replays are not reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessageInfo {
    pub thread_id: ThreadId,
    pub message_id: MessageId,
    pub direction: Direction,
    pub contact_name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IngestOutcome {
    pub new_messages: Vec<NewMessageInfo>,
    /// Threads whose messages or summary changed, each once, in first-touched order.
    pub changed_threads: Vec<ThreadId>,
    /// Email threads this batch joined: each `from` is gone, its content is in `into` (the
    /// surviving thread, after every merge of the batch).
    pub merged_threads: Vec<ThreadMerge>,
}

/// A thread merged into another (a split email conversation joined when its parent arrived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadMerge {
    pub from: ThreadId,
    pub into: ThreadId,
}

/// Where an outbox item stands. Mirrors `DeliveryState` for the message it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Retrying,
    Failed,
    /// The provider may or may not have accepted it; never resent blindly.
    Uncertain,
    /// A pre-send re-check found a reason to ask the agent first.
    Held,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Retrying => "retrying",
            OutboxState::Failed => "failed",
            OutboxState::Uncertain => "uncertain",
            OutboxState::Held => "held",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "retrying" => OutboxState::Retrying,
            "failed" => OutboxState::Failed,
            "uncertain" => OutboxState::Uncertain,
            "held" => OutboxState::Held,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub message_id: MessageId,
    pub thread_id: ThreadId,
    pub account_id: AccountId,
    pub body: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub hold_reason: Option<HoldReason>,
    /// How many times the agent chose "send again" on this reply while it was uncertain.
    pub resends: i64,
    /// The id the reply goes out under when the channel makes one itself (an email
    /// Message-ID), committed before the provider is called; `None` until then.
    pub client_message_id: Option<String>,
    /// A template or media links chosen for this item (empty for an ordinary reply).
    pub send_options: SendOptions,
}

/// What the dispatcher knows, outside the store, for the re-check before a send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recheck {
    /// The channel's reply window (from `Channel::reply_window`).
    pub window: ReplyWindow,
    /// It is night for the customer now (their quiet hours, worked out by the dispatcher's
    /// outbound policy): the reply is held until then, with the note. Never for an automated
    /// message answering a customer who wrote in the last 15 minutes.
    pub quiet: Option<QuietHold>,
    /// The workspace's caps for agents' proactive messages; `None` checks none.
    pub caps: Option<parley_domain::OutboundSettings>,
}

/// Quiet hours for the customer of a reply: when they end, and the words the agent reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHold {
    /// The customer's morning: the reply goes back to the queue then by itself.
    pub until: Millis,
    pub note: String,
}

/// What the pre-send check decided, already committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// The item is now `sending`: call the provider.
    Send(ThreadId),
    /// The item is now `held` for this reason; nothing may be sent.
    Held(ThreadId, HoldReason),
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueuedReply {
    pub outbox_id: OutboxId,
    pub message: MessageView,
}

/// How a channel carries a reply's files (the outbox splits a reply by it when it is queued).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSplit {
    /// One outbox item with the text and every file (email).
    AllInOne,
    /// The text, then one outbox item per file (Telegram, Messenger, Instagram).
    OnePerFile,
}

/// A file Parley wrote into its data folder to send: staged in a composer, or carried by an
/// outbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Where it is under the data folder's `outgoing/` ("<uuid>/<name>"); outbound messages
    /// name their files by it (`Attachment.remote_ref` = `"local:" + key`).
    pub key: String,
    pub path: std::path::PathBuf,
    pub file_name: String,
    pub mime_type: String,
    pub size: i64,
}
