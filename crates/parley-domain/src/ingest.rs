//! What a channel adapter hands to the store: provider-neutral, not sent to the UI.

use crate::dto::{Attachment, Direction};
use crate::ids::Millis;
use crate::kinds::ChannelKind;

/// A person on the provider's side, as the provider names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePerson {
    /// The provider's stable id for the person (Telegram user id, PSID, address, number).
    pub remote_id: String,
    pub display_name: String,
    /// `@username` or similar, without the `@`.
    pub handle: Option<String>,
}

/// One message read from a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingMessage {
    /// The provider's conversation key (Telegram chat id, Graph conversation id, ...).
    pub remote_thread_id: String,
    /// Unique within the account (Telegram: `"{chat_id}:{message_id}"`).
    pub remote_id: String,
    pub direction: Direction,
    /// For inbound messages, the customer; for outbound ones, the business's sender.
    pub sender: RemotePerson,
    /// The customer of the conversation (equal to `sender` for inbound messages).
    pub customer: RemotePerson,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub sent_at: Millis,
    pub reply_to_remote_id: Option<String>,
    /// The email's subject (other channels: `None`).
    pub subject: Option<String>,
    /// Quoted history folded away from `text` (email's "On … wrote:" blocks); `None` elsewhere.
    pub quoted_text: Option<String>,
}

/// A change to the text of a message already sent.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageEdit {
    pub remote_id: String,
    pub text: String,
    pub edited_at: Millis,
}

/// The provider reports a new delivery status for a message the business sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// The provider's id of the message (its `remote_id`).
    pub remote_id: String,
    /// `Sent`, `Delivered`, `Read` or `Failed`; the store only moves a message forward.
    pub state: crate::dto::DeliveryState,
    /// Why it failed, in words for the agent (with `Failed`).
    pub error: Option<String>,
    pub at: Millis,
}

/// The customer of a thread opted out of messages (SMS STOP) or back in (START).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutChange {
    pub remote_thread_id: String,
    pub opted_out: bool,
}

/// Who answers in a conversation, as the provider's conversation list says (Meta's `is_owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadControlFact {
    /// This app may answer: it owns the conversation, or nobody does.
    ThisApp,
    /// Another app (a bot, Meta's inbox) controls it; the list does not say which.
    AnotherApp,
}

/// Facts about a conversation learnt without a message (stored after `messages`, in the same
/// transaction; a conversation Parley has no thread for yet is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMeta {
    pub remote_thread_id: String,
    pub control: ThreadControlFact,
}

/// Everything one fetch returned, applied to the store in one transaction with its cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngestBatch {
    /// The provider can hand this page again if it is lost (`Channel::pages_refetchable`): the
    /// store commits it without an fsync. `false`, the default: durable before the next fetch.
    pub refetchable: bool,
    /// Message ids are chosen by whoever sends the message (email's Message-ID), not assigned by
    /// the provider: an id already held by a message from someone else is another message.
    pub ids_chosen_by_sender: bool,
    pub messages: Vec<IncomingMessage>,
    pub edits: Vec<MessageEdit>,
    /// Delivery status changes of messages already stored (applied after `messages`).
    pub statuses: Vec<DeliveryUpdate>,
    /// Opt-out changes, in the order they happened (applied after `messages`).
    pub opt_outs: Vec<OptOutChange>,
    /// Conversation facts such as who controls it (applied after `messages`).
    pub threads: Vec<ThreadMeta>,
    /// Sanitised HTML of email messages in `messages` (stored beside them; a replay keeps the
    /// first copy).
    pub html_bodies: Vec<HtmlBody>,
    /// What messages of `messages` answer, where the provider says (email), for threading.
    pub reply_parents: Vec<ReplyParents>,
    /// Inbound messages (`remote_id`s, this batch's or stored earlier) the agent already read in
    /// another client (email: `\Seen`). This batch's are not counted unread; a thread whose
    /// newest inbound message is among them is marked read (one with a newer unread message
    /// stays unread).
    pub read_elsewhere: Vec<String>,
    /// Where messages of `messages` sit on the server (email: mailbox, UIDVALIDITY, UID), so a
    /// later expunge can be traced back to them. A message found again clears its "deleted".
    pub server_locations: Vec<ServerLocation>,
    /// UIDs the server says are gone (email: QRESYNC `VANISHED`, or the UID SEARCH fallback).
    /// A stored message with no location left is kept and marked deleted from the mailbox.
    pub vanished: Vec<VanishedUids>,
    /// Warnings the adapter attaches to inbound messages of `messages` it has reason to doubt
    /// (shown on the message; only a message this batch stores gets one).
    pub warnings: Vec<MessageWarning>,
    /// The UTC offset the sender's clock gave to inbound messages of `messages` (email: the
    /// Date header's `+0200`), for the customer's local time in the pane.
    pub sender_offsets: Vec<SenderOffset>,
}

/// The UTC offset of an inbound message's sender, in minutes east of UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderOffset {
    /// The message's `remote_id` in the same batch.
    pub remote_id: String,
    pub minutes: i32,
}

/// A warning on an inbound message, for the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageWarning {
    /// The message's `remote_id` in the same batch.
    pub remote_id: String,
    pub text: String,
}

/// Email: a mail found in the Inbox that claims to be from the account's own address. If the
/// same mail later turns up in Sent, it was the business's own (a copy to itself) and the store
/// turns it into an outgoing message.
pub const OWN_ADDRESS_IN_INBOX: &str = "This mail arrived in your Inbox but claims to come from \
     your own address. It may not be from you: check before trusting it.";

/// One copy of a message on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLocation {
    /// The message's `remote_id` in the same batch.
    pub remote_id: String,
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// UIDs expunged from one mailbox, as inclusive ranges (they may include UIDs that never existed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishedUids {
    pub mailbox: String,
    pub uidvalidity: u32,
    pub ranges: Vec<(u32, u32)>,
}

/// An email's HTML as Parley keeps it: already sanitised by the email channel, remote images
/// replaced by `parley-remote:N` placeholders (N indexes `remote_images`), `cid:` images kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlBody {
    /// The message's `remote_id` in the same batch.
    pub remote_id: String,
    pub html: String,
    /// The blocked remote images' URLs (http/https), in placeholder order.
    pub remote_images: Vec<String>,
    /// `Content-ID` (without brackets) → index among the message's attachments.
    pub inline_parts: Vec<(String, usize)>,
}

/// The messages an incoming message answers, nearest first (email: In-Reply-To, then References
/// from the newest back to the root). The store files the message in the thread of the first of
/// them it holds for the account — one stored earlier in the same batch included — and only
/// otherwise in the thread the adapter proposed (`remote_thread_id`), so replies thread across
/// restarts without the channel remembering anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyParents {
    /// The message's `remote_id` in the same batch.
    pub remote_id: String,
    /// Parents' `remote_id`s, nearest first.
    pub parents: Vec<String>,
}

impl IngestBatch {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.edits.is_empty()
            && self.statuses.is_empty()
            && self.opt_outs.is_empty()
            && self.threads.is_empty()
            && self.read_elsewhere.is_empty()
            && self.vanished.is_empty()
    }
}

/// Who the account is at the provider, learnt when its credentials are validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountIdentity {
    pub channel: ChannelKind,
    /// The provider's id of the account (Telegram bot id, Page id...).
    pub external_id: String,
    pub name: String,
    pub handle: Option<String>,
}

/// How an outbox item goes out beyond its text and files, kept with the item so a retry or a
/// restart sends exactly what the agent chose. Empty for an ordinary reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendOptions {
    /// An approved message template (Twilio `ContentSid` + its variables): the legal way to
    /// write on WhatsApp after the 24-hour window, so the outbox does not hold it for the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateSend>,
    /// Media the provider fetches from public https addresses (Twilio `MediaUrl`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_urls: Vec<String>,
}

impl SendOptions {
    pub fn is_empty(&self) -> bool {
        self.template.is_none() && self.media_urls.is_empty()
    }
}

/// A template chosen by the agent, with the values of its placeholders.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateSend {
    pub content_sid: String,
    pub variables: std::collections::BTreeMap<String, String>,
}
