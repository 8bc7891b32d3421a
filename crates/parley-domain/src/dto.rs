//! Domain values and the DTOs the UI receives. Field names are camelCase on the wire.

use crate::customer::CustomerTime;
use crate::ids::*;
pub use crate::kinds::{ChannelKind, ThreadStatus};
use crate::workflow::ThreadEvent;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Written by the customer.
    Inbound,
    /// Written by the business (from Parley or from elsewhere).
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            _ => return None,
        })
    }
}

/// Delivery state of a message. Inbound messages are always `received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DeliveryState {
    Received,
    Queued,
    Sending,
    Retrying,
    Sent,
    Delivered,
    Read,
    Failed,
    /// The provider may or may not have accepted it; never resent blindly.
    Uncertain,
    /// Waiting for the agent: something changed while the reply waited (see [`HoldReason`]).
    Held,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Received => "received",
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Failed => "failed",
            DeliveryState::Uncertain => "uncertain",
            DeliveryState::Held => "held",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "received" => DeliveryState::Received,
            "queued" => DeliveryState::Queued,
            "sending" => DeliveryState::Sending,
            "retrying" => DeliveryState::Retrying,
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            "failed" => DeliveryState::Failed,
            "uncertain" => DeliveryState::Uncertain,
            "held" => DeliveryState::Held,
            _ => return None,
        })
    }
}

/// Why a reply that waited was held for the agent instead of being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HoldReason {
    /// The customer wrote after the reply was queued: it may no longer fit.
    CustomerWrote,
    /// The conversation was resolved while the reply waited.
    ThreadResolved,
    /// The contact asked not to be messaged.
    OptedOut,
    /// The channel's reply window closed while the reply waited.
    WindowClosed,
    /// It is night for the customer (quiet hours, their local time): released by itself when
    /// their morning comes; "Send anyway" sends it now.
    QuietHours,
    /// An agent's proactive message (the customer has not written for 24 h) would pass the
    /// workspace's cap per customer per day or week; "Send anyway" sends it.
    FrequencyCap,
    /// An automated message (greeting, away, bot): an agent answered the thread after it was
    /// queued, so it no longer fits. Shown as "Not sent: an agent answered first"; discard only.
    AgentAnswered,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::CustomerWrote => "customerWrote",
            HoldReason::ThreadResolved => "threadResolved",
            HoldReason::OptedOut => "optedOut",
            HoldReason::WindowClosed => "windowClosed",
            HoldReason::QuietHours => "quietHours",
            HoldReason::AgentAnswered => "agentAnswered",
            HoldReason::FrequencyCap => "frequencyCap",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "customerWrote" => HoldReason::CustomerWrote,
            "threadResolved" => HoldReason::ThreadResolved,
            "optedOut" => HoldReason::OptedOut,
            "windowClosed" => HoldReason::WindowClosed,
            "quietHours" => HoldReason::QuietHours,
            "agentAnswered" => HoldReason::AgentAnswered,
            "frequencyCap" => HoldReason::FrequencyCap,
            _ => return None,
        })
    }
}

/// A channel's rule for how long after the customer's last message a business may still reply.
/// Not sent to the UI: the dispatcher hands it to the store's pre-send check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReplyWindow {
    /// Replies are allowed at any time (Telegram, email, SMS).
    #[default]
    None,
    /// Replies are allowed until `millis` after the customer's last inbound message.
    SinceLastInbound {
        millis: i64,
        /// The channel's legal way to answer after the window (a template, a message tag), in
        /// words for the agent; `None` when there is none.
        alternative: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AttachmentKind {
    Photo,
    Document,
    Voice,
    Audio,
    Video,
    Sticker,
    Location,
    Contact,
    Other,
}

/// Metadata of an attachment. The bytes are fetched on demand through the channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub kind: AttachmentKind,
    /// The channel's handle for downloading it (Telegram `file_id`); absent for locations/contacts.
    pub remote_ref: Option<String>,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    #[ts(type = "number | null")]
    pub size: Option<i64>,
    /// A plain-text description for attachments that carry no file (location, shared contact, sticker emoji).
    pub description: Option<String>,
}

/// How far a long catch-up has got, e.g. "Syncing INBOX — 12,400 of 50,000".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// What is being read, in the provider's words (email: the mailbox's name).
    pub scope: String,
    /// Items read so far, of `total`.
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Sync state of one account, as the per-account task reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum SyncState {
    /// Checking the credentials and reaching the provider.
    Connecting,
    /// Reading what arrived while Parley was closed (or a new account's history). `progress`
    /// says how far, when the channel can tell (email's first sync of a mailbox).
    CatchingUp {
        progress: Option<SyncProgress>,
    },
    /// Up to date; new messages arrive as they are sent.
    Live,
    /// Waiting before the next try.
    Backoff {
        reason: String,
        #[serde(rename = "retryAt")]
        #[ts(type = "number")]
        retry_at: Millis,
    },
    /// The provider refused the credentials: the agent must act.
    AuthFailed {
        reason: String,
    },
    /// Another client consumes this account's updates (Telegram 409): the agent must act.
    Conflict {
        reason: String,
    },
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    pub id: AccountId,
    pub channel: ChannelKind,
    /// Shown to agents: the bot's or page's name.
    pub name: String,
    /// The provider's handle (bot username, address, number), if any.
    pub handle: Option<String>,
    pub is_demo: bool,
    pub sync: SyncState,
    /// Grows with every sync state change in this process: keep the summary with the highest.
    #[ts(type = "number")]
    pub sync_revision: u64,
    /// The last error the sync task met, kept until the next success.
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub last_sync_at: Option<Millis>,
    /// Messenger/Instagram: whether Meta approved the Page for the HUMAN_AGENT tag (replies up
    /// to 7 days after the customer's last message); `null` for other channels.
    pub human_agent_approved: Option<bool>,
    /// Removed with its conversations kept (read-only, searchable): it does not sync or send.
    #[ts(type = "number | null")]
    pub removed_at: Option<Millis>,
}

/// How a mail server connection is protected (the Accounts form's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum EmailSecurity {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// Plain connection upgraded with STARTTLS (IMAP 143, SMTP 587).
    StartTls,
    /// No encryption: accepted for 127.0.0.1/localhost only.
    None,
}

/// One mail server of an email account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EmailServer {
    pub host: String,
    pub port: u16,
    pub security: EmailSecurity,
}

/// A keyset position for paging lists ordered by (time, id), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PageCursor {
    #[ts(type = "number")]
    pub at: Millis,
    #[ts(type = "number")]
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSummary {
    pub id: ThreadId,
    pub account_id: AccountId,
    pub channel: ChannelKind,
    pub contact_id: ContactId,
    pub contact_name: String,
    /// The newest message's text, as plain text, shortened.
    pub snippet: String,
    pub snippet_direction: Direction,
    #[ts(type = "number")]
    pub last_activity_at: Millis,
    #[ts(type = "number")]
    pub unread_count: i64,
    pub status: ThreadStatus,
    #[ts(type = "number")]
    pub priority: i64,
    /// Who controls a Messenger/Instagram conversation, as last learnt (the sync's conversation
    /// list, opening the thread, a handover action); `null` elsewhere or before anything is known.
    pub owner: Option<ThreadOwner>,
    /// When a snoozed conversation wakes.
    #[ts(type = "number | null")]
    pub snoozed_until: Option<Millis>,
    /// Since when the customer waits for an answer (their oldest message after the last reply);
    /// `null` when the last word was the business's.
    #[ts(type = "number | null")]
    pub waiting_since: Option<Millis>,
    pub labels: Vec<LabelId>,
    /// The customer is marked VIP (a mark in the row).
    pub vip: bool,
    /// The customer is blocked: the conversation is in no inbox view (it is seen only when
    /// opened from the Contacts screen, search or Drafts).
    pub blocked: bool,
    /// Flagged: the customer is upset or pressing and no agent has answered since
    /// (`mood.rs`); `null` otherwise.
    pub mood: Option<crate::ThreadMood>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadPage {
    pub threads: Vec<ThreadSummary>,
    /// Pass back to get the next (older) page; `null` on the last page.
    pub next: Option<PageCursor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub direction: Direction,
    pub author_name: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    #[ts(type = "number")]
    pub sent_at: Millis,
    #[ts(type = "number | null")]
    pub edited_at: Option<Millis>,
    pub delivery: DeliveryState,
    /// Why a send failed or waits, in words for the agent.
    pub delivery_note: Option<String>,
    /// Set while the reply is held: why, so the UI can offer the matching actions.
    pub hold_reason: Option<HoldReason>,
    /// The email's subject; `null` for other channels.
    pub subject: Option<String>,
    /// Quoted history folded away from `text` (email), shown on request as plain text.
    pub quoted_text: Option<String>,
    /// An email whose sanitised HTML Parley kept: `message_html` renders it.
    pub has_html: bool,
    /// How many remote images its HTML had (blocked until the agent loads them).
    pub remote_images: u32,
    /// An email expunged from the server's mailbox (by another client) after Parley read it:
    /// kept here, shown as "Deleted from the mailbox".
    pub deleted_on_server: bool,
    /// Sent by a rule (greeting, away message, bot), not by an agent: the thread marks it
    /// "Sent automatically · Greeting". `null` for everything else.
    pub automated: Option<crate::automation::AutomatedBy>,
}

/// An email's HTML, ready for the conversation's sandboxed frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageHtml {
    /// The frame's `srcdoc`: the sanitised HTML under its own Content-Security-Policy.
    pub document: String,
    /// Remote images the mail has (blocked unless loaded).
    pub remote_images: u32,
    /// How many of them were loaded (when asked to).
    pub loaded_images: u32,
    /// Attachment indexes shown inside the HTML (`cid:` images), which need no thumbnail again.
    pub inline_parts: Vec<u32>,
}

/// Messages of a thread, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    /// Pass back to load older messages; `null` when the start of the thread is reached.
    pub older: Option<PageCursor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDetail {
    pub thread: ThreadSummary,
    pub messages: MessagePage,
    pub draft: Option<String>,
    /// When a reply can go out (the composer's countdown).
    pub reply_window: ComposerWindow,
    /// Said at the top of the thread when the provider does not expose older history
    /// (Instagram: the newest 20 messages only); `None` otherwise.
    pub history_note: Option<String>,
    /// Status changes (resolved, snoozed, reopened by the customer...), oldest first; the window
    /// shows each between the messages of its time.
    pub events: Vec<ThreadEvent>,
}

/// What the composer says about the channel's reply window for one thread. The outbox enforces
/// the same rule when the reply leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum ComposerWindow {
    /// The channel lets a business answer at any time (Telegram).
    Always,
    /// A normal reply is allowed until `closesAt`.
    Open {
        #[serde(rename = "closesAt")]
        #[ts(type = "number")]
        closes_at: Millis,
    },
    /// Past 24 h: a person's reply goes out with Meta's HUMAN_AGENT tag until `closesAt`.
    HumanAgentOnly {
        #[serde(rename = "closesAt")]
        #[ts(type = "number")]
        closes_at: Millis,
    },
    /// Past 24 h and the Page is not approved for the HUMAN_AGENT tag: no reply possible until
    /// the customer writes again.
    HumanAgentNotApproved {
        #[serde(rename = "closedAt")]
        #[ts(type = "number")]
        closed_at: Millis,
    },
    /// Past every window (7 days), or the customer never wrote: no reply possible.
    Closed {
        #[serde(rename = "closedAt")]
        #[ts(type = "number | null")]
        closed_at: Option<Millis>,
    },
    /// WhatsApp past 24 h (or the customer never wrote): only an approved template
    /// ([`MessageTemplate`]) can reach the customer until they write again.
    TemplatesOnly {
        #[serde(rename = "closedAt")]
        #[ts(type = "number | null")]
        closed_at: Option<Millis>,
    },
}

/// One placeholder of a template: its number and a value (the sample when listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TemplateVariable {
    pub key: String,
    pub value: String,
}

/// An approved message template (Twilio Content API, `HX…`), offered outside WhatsApp's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageTemplate {
    pub content_sid: String,
    pub name: String,
    pub language: Option<String>,
    /// The text with `{{1}}`-style placeholders, when the template has one.
    pub body: Option<String>,
    pub variables: Vec<TemplateVariable>,
}

/// Who controls a Messenger/Instagram conversation in Meta's handover protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "owner")]
pub enum ThreadOwner {
    /// Parley's app: the agent's replies go out.
    Parley,
    /// Nobody (idle): any app may answer.
    Idle,
    /// Meta's own inbox (Page Inbox / Instagram Inbox).
    MetaInbox,
    /// Another app, usually a bot: Meta refuses Parley's replies until control is taken.
    OtherApp {
        #[serde(rename = "appId")]
        app_id: String,
    },
    /// Another app controls it, but Meta's conversation list (`is_owner`) does not say which;
    /// `thread_control` names it.
    Elsewhere,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadControl {
    pub owner: ThreadOwner,
    /// The bot Parley would pass the thread back to, when it has seen one own this Page's
    /// threads.
    pub bot_app_id: Option<String>,
}

/// The agent's handover actions on a Messenger/Instagram conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HandoverAction {
    /// take_thread_control (Parley is the primary receiver, or the thread is idle).
    Take,
    /// request_thread_control: ask the owning app to pass it.
    Request,
    /// pass_thread_control back to the bot.
    PassBack,
    /// release_thread_control: let the thread go idle.
    Release,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub id: IdentityId,
    pub channel: ChannelKind,
    pub account_name: String,
    /// The provider's id of the person (Telegram user id, address, number).
    pub remote_id: String,
    /// A handle such as @username, when the provider gives one.
    pub handle: Option<String>,
    pub display_name: String,
    /// The customer asked not to be messaged on this identity (STOP, or the provider refused
    /// a reply for it); the outbox holds replies to it.
    pub opted_out: bool,
    /// How and when it was last recorded (opted out or back in), when known.
    pub opt_out: Option<crate::OptOutRecord>,
}

/// The customer pane beside a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactContext {
    pub contact_id: ContactId,
    pub display_name: String,
    pub identities: Vec<IdentityView>,
    #[ts(type = "number")]
    pub first_seen_at: Millis,
    #[ts(type = "number")]
    pub thread_count: i64,
    #[ts(type = "number")]
    pub message_count: i64,
    /// Private notes, newest first (never sent to the customer).
    pub notes: Vec<ContactNote>,
    /// What the business knows about the customer, by key.
    pub attributes: Vec<ContactAttribute>,
    /// Every conversation with the customer on every channel, newest first (at most
    /// [`CONTACT_CONVERSATIONS_MAX`]).
    pub conversations: Vec<ContactConversation>,
    /// The agents' marks (`contacts.rs`).
    pub vip: bool,
    pub blocked: bool,
    /// The identity whose profile picture the pane shows (the channel gave one; the most
    /// recently active such identity), loaded from `parley-media` `avatar/{id}`; `None`:
    /// initials.
    pub avatar: Option<IdentityId>,
    /// The agents' tags on the customer, A to Z (`customer.rs`).
    pub tags: Vec<String>,
    /// The customer's local time where it can be known (`customer.rs`); filled by the core.
    pub local_time: Option<CustomerTime>,
    /// Where Parley first learnt of this customer when it was a file the business imported.
    pub imported: Option<ImportedFrom>,
}

/// The import that created a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportedFrom {
    pub file_name: String,
    #[ts(type = "number")]
    pub at: Millis,
}

/// How many of a customer's conversations the pane lists.
pub const CONTACT_CONVERSATIONS_MAX: u32 = 50;

/// One of a customer's conversations, as the context pane lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactConversation {
    pub thread_id: ThreadId,
    pub channel: ChannelKind,
    pub account_name: String,
    pub status: ThreadStatus,
    pub snippet: String,
    pub snippet_direction: Direction,
    #[ts(type = "number")]
    pub last_activity_at: Millis,
}

/// A private note on a contact: for the agents, never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactNote {
    pub id: NoteId,
    pub body: String,
    /// Who wrote it (the agent's name on this computer).
    pub author: String,
    #[ts(type = "number")]
    pub created_at: Millis,
    /// When it was last edited, if ever.
    #[ts(type = "number | null")]
    pub updated_at: Option<Millis>,
}

/// What kind of value a contact attribute holds (checked when set, shown accordingly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AttributeKind {
    Text,
    /// A decimal number.
    Number,
    /// A calendar day, `YYYY-MM-DD`.
    Date,
    /// An http(s) link (opened through Rust like any link).
    Link,
}

impl AttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::Text => "text",
            AttributeKind::Number => "number",
            AttributeKind::Date => "date",
            AttributeKind::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<AttributeKind> {
        Some(match s {
            "text" => AttributeKind::Text,
            "number" => AttributeKind::Number,
            "date" => AttributeKind::Date,
            "link" => AttributeKind::Link,
            _ => return None,
        })
    }
}

/// One thing the business knows about a customer ("Customer since" = 2021-03-04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactAttribute {
    pub key: String,
    pub kind: AttributeKind,
    pub value: String,
}

/// A piece of a search snippet; `hit` pieces matched the query. Rendered as text, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TextSegment {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub thread_id: ThreadId,
    pub message_id: MessageId,
    pub channel: ChannelKind,
    pub contact_name: String,
    pub direction: Direction,
    pub snippet: Vec<TextSegment>,
    #[ts(type = "number")]
    pub sent_at: Millis,
}

/// The outbox at a glance, for the offline banner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxStatus {
    /// False once a running account's poll failed for lack of network and has not yet succeeded
    /// again (detected, not guessed).
    pub online: bool,
    /// Since when the first offline account has been offline.
    #[ts(type = "number | null")]
    pub offline_since: Option<Millis>,
    /// Replies queued, sending or waiting to be retried.
    #[ts(type = "number")]
    pub waiting: i64,
    /// Replies held for the agent's decision.
    #[ts(type = "number")]
    pub held: i64,
    /// Replies whose fate is unknown, waiting for the agent.
    #[ts(type = "number")]
    pub uncertain: i64,
}

/// One draft, for the Drafts view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub thread_id: ThreadId,
    pub channel: ChannelKind,
    pub contact_name: String,
    /// The draft's text; empty when the composer holds only files or media links.
    pub text: String,
    #[ts(type = "number")]
    pub updated_at: Millis,
    /// Files staged in the composer.
    pub files: u32,
    /// Media links (SMS, WhatsApp) kept with the draft.
    pub media_links: u32,
}

/// A file staged in a thread's composer: written into Parley's data folder and kept with the
/// draft (it survives a restart) until the reply is sent or the agent removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StagedAttachment {
    #[ts(type = "number")]
    pub id: i64,
    pub file_name: String,
    pub mime_type: String,
    #[ts(type = "number")]
    pub size: i64,
}

/// The composer's files for one thread and what the channel allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DraftAttachments {
    pub staged: Vec<StagedAttachment>,
    /// False where files cannot be sent from this computer (Twilio: SMS, WhatsApp).
    pub allowed: bool,
    /// The channel's limits (or why files are not allowed), in words for the agent.
    pub note: String,
    /// Largest single file, in bytes; `null` when only the total counts.
    #[ts(type = "number | null")]
    pub max_file_bytes: Option<i64>,
    /// Largest total of all files of one reply, in bytes; `null` when only each file counts.
    #[ts(type = "number | null")]
    pub max_total_bytes: Option<i64>,
    /// Media links (SMS, WhatsApp) kept with the draft, in the order the agent added them.
    pub media_links: Vec<String>,
}

/// What became of the files the agent dropped on the conversation: the ones staged in the
/// composer, and why each of the others was not (a folder, an unreadable file, too large).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DroppedFiles {
    pub staged: Vec<StagedAttachment>,
    pub refused: Vec<String>,
}

/// What the window shows in its title bar and banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// True when no real account is set up and the simulated demo workspace runs.
    pub is_demo: bool,
    pub data_dir: String,
}

/// Pushed from Rust to the window as the `parley://event` Tauri event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum CoreEvent {
    /// Threads changed (new messages, read state, order): reload the visible list.
    ThreadsChanged {
        #[serde(rename = "threadIds")]
        thread_ids: Vec<ThreadId>,
    },
    /// Messages in this thread changed (arrived, edited, delivery state moved).
    MessagesChanged {
        #[serde(rename = "threadId")]
        thread_id: ThreadId,
    },
    /// An email conversation split by the first sync was joined: thread `from` is gone, its
    /// messages, draft and replies are in `into` (a window showing `from` switches to it).
    ThreadMerged { from: ThreadId, into: ThreadId },
    /// An account's sync state changed.
    AccountChanged { account: AccountSummary },
    /// Accounts were added or removed.
    AccountsChanged,
    /// Labels were created, renamed, recoloured or deleted.
    LabelsChanged,
    /// Connectivity or the number of waiting replies changed.
    OutboxChanged { status: OutboxStatus },
    /// A notification was clicked: bring this thread up (with the composer focused for `reply`).
    OpenThread {
        #[serde(rename = "threadId")]
        thread_id: ThreadId,
        compose: bool,
    },
    /// Notification preferences changed outside the settings screen (the tray's pause).
    NotificationPrefsChanged { prefs: crate::NotificationPrefs },
    /// A customer import (`run_import`) has written `done` of its `total` rows (the import is
    /// one transaction: nothing is visible until the last).
    ImportProgress { done: u32, total: u32 },
    /// An export (`export_review`) has written `done` of its `total` conversations.
    ExportProgress { done: u32, total: u32 },
    /// A backup (made by hand or scheduled) has written `done` of its `total` files.
    BackupProgress { done: u32, total: u32 },
    /// Customers were imported: the Contacts screen reloads.
    ContactsChanged,
    /// Spike mode was offered, turned on or off, or its settings changed.
    SpikeChanged { status: crate::SpikeStatus },
    /// A retention run (by hand or the daily pass) deleted conversations or finished: Settings
    /// reloads its result.
    RetentionChanged,
}
