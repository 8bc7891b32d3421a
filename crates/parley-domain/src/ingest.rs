//! What a channel adapter hands to the store: provider-neutral, not sent to the UI.

use crate::dto::{Attachment, ChannelKind, Direction};
use crate::ids::Millis;

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
}

/// A change to the text of a message already sent.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageEdit {
    pub remote_id: String,
    pub text: String,
    pub edited_at: Millis,
}

/// Everything one fetch returned, applied to the store in one transaction with its cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngestBatch {
    pub messages: Vec<IncomingMessage>,
    pub edits: Vec<MessageEdit>,
}

impl IngestBatch {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.edits.is_empty()
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
