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

/// Everything one fetch returned, applied to the store in one transaction with its cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngestBatch {
    pub messages: Vec<IncomingMessage>,
    pub edits: Vec<MessageEdit>,
    /// Delivery status changes of messages already stored (applied after `messages`).
    pub statuses: Vec<DeliveryUpdate>,
    /// Opt-out changes, in the order they happened (applied after `messages`).
    pub opt_outs: Vec<OptOutChange>,
}

impl IngestBatch {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.edits.is_empty()
            && self.statuses.is_empty()
            && self.opt_outs.is_empty()
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
