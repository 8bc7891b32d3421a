//! The channel trait every provider implements, and the providers.
//!
//! Wire types stay private to each provider module; what leaves this crate is parley-domain's
//! provider-neutral [`IngestBatch`] and the small types below. The sync engine knows no provider by
//! name: it holds an `Arc<dyn Channel>`.

mod cursor;
pub mod email;
mod error;
pub mod graph;
mod http;
mod multipart;
pub mod net;
pub mod telegram;
mod time;
pub mod twilio;

pub use error::ChannelError;

use async_trait::async_trait;
use parley_domain::{
    AccountIdentity, ChannelKind, IngestBatch, Millis, ReplyWindow, SendOptions, SyncProgress,
};
use std::path::PathBuf;
use std::time::Duration;

/// What one fetch returned: messages to store and the cursor that covers them.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub batch: IngestBatch,
    /// Store this with the batch, in the same transaction, and pass it to the next fetch.
    /// `None` means the cursor did not move.
    pub cursor: Option<String>,
    /// More is waiting right now: fetch again without waiting.
    pub more: bool,
    /// How far a long catch-up has got (email: the mailbox's first sync), shown to the agent
    /// while `more` is true. `None` when the channel cannot tell or nothing is left.
    pub progress: Option<SyncProgress>,
}

/// A reply to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub remote_thread_id: String,
    pub customer_remote_id: String,
    pub text: String,
    /// The provider's id of the message this answers, for threading where the channel supports it.
    pub reply_to_remote_id: Option<String>,
    /// When the customer last wrote in this thread, as stored. Channels with a reply window
    /// (Messenger, Instagram) use it to pick how to send (e.g. the HUMAN_AGENT tag after 24 h);
    /// the others ignore it.
    pub customer_last_wrote_at: Option<Millis>,
    /// The id to send under, made by [`Channel::new_client_message_id`] and committed in the
    /// outbox row before the send (email: the Message-ID, without angle brackets). Channels that
    /// make none ignore it.
    pub client_message_id: Option<String>,
    /// Files sent with this item, in order. Channels that send one file per provider call
    /// ([`AttachmentRule::OnePerFile`]) get at most one, with empty text: the outbox splits a
    /// reply into a text item and one item per file at queue time.
    pub attachments: Vec<OutgoingFile>,
    /// An approved template or media links the agent chose (Twilio); empty otherwise, and
    /// channels that have neither ignore it.
    pub send_options: SendOptions,
}

/// A file on this computer to send with a reply (written by Parley into its data folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    pub path: PathBuf,
    /// The name the customer sees (as the agent's file was named).
    pub file_name: String,
    pub mime_type: String,
    pub size: u64,
}

impl OutgoingFile {
    /// Reads the bytes; a missing file is a permanent failure (nothing can bring it back).
    pub async fn read(&self) -> Result<Vec<u8>, ChannelError> {
        tokio::fs::read(&self.path)
            .await
            .map_err(|e| ChannelError::Rejected {
                code: 0,
                message: format!(
                    "The file \"{}\" to send could not be read from {} ({e}). Discard this reply and attach the file again.",
                    self.file_name,
                    self.path.display()
                ),
            })
    }
}

pub(crate) const MB: u64 = 1024 * 1024;

/// How a channel carries files with a reply, and its limits. The composer says the limits
/// before a file is uploaded, the facade enforces them when a file is staged, and the outbox
/// splits a reply by it when it is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentRule {
    /// Every file goes in the same message as the text (email), up to `max_total` bytes.
    AllInOne { max_total: u64 },
    /// One provider send per file, after the text (Telegram, Messenger, Instagram), each file
    /// up to `max_file` bytes.
    OnePerFile { max_file: u64 },
    /// Files cannot be sent from this computer; the reason is for the agent.
    Unsupported { reason: &'static str },
}

impl AttachmentRule {
    /// What a channel that says nothing of files gets: none sent from this computer.
    pub const NONE: AttachmentRule = AttachmentRule::Unsupported {
        reason: "This channel does not take files from this computer.",
    };
}

/// What the provider said about a message it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The provider's id of the sent message, in the same form `fetch` uses for `remote_id`.
    pub remote_id: String,
    pub sent_at: Millis,
}

/// What the provider says about a send whose answer was lost (see [`Channel::reconcile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// The provider has it: record it as sent with this receipt.
    Sent(SendReceipt),
    /// The provider certainly does not have it: it is safe to send again.
    NotSent,
    /// The channel cannot tell (Telegram, WhatsApp Cloud): the agent decides.
    Unknown,
}

/// The bytes of an attachment fetched on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub bytes: Vec<u8>,
    /// The provider's name for the file, when it gives one.
    pub file_name: Option<String>,
}

/// One account at one provider.
#[async_trait]
pub trait Channel: Send + Sync + 'static {
    fn kind(&self) -> ChannelKind;

    /// Checks the credentials and says who the account is at the provider.
    async fn validate(&self) -> Result<AccountIdentity, ChannelError>;

    /// Reads what arrived after `cursor`. With `wait` above zero the provider may hold the request
    /// open until something arrives (long polling).
    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError>;

    /// Sends one reply. Errors say whether the provider may have acted (see [`ChannelError`]).
    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError>;

    /// Fetches an attachment's bytes by the `remote_ref` the adapter put in its metadata.
    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError>;

    /// The profile picture of the person with this remote id, when the provider gives one to a
    /// business (Telegram's getUserProfilePhotos, Meta's User Profile API); `None` when they
    /// have none or the channel has no such thing (SMS, WhatsApp, email: the default). The
    /// bytes are the provider's; the caller serves them only as a sniffed raster image.
    async fn profile_photo(&self, _remote_id: &str) -> Result<Option<Downloaded>, ChannelError> {
        Ok(None)
    }

    /// Whether a fetched page can be fetched again if it is lost before it reaches the disk: the
    /// provider keeps the history and the cursor only says how far Parley read (Graph, Twilio,
    /// IMAP). Then the store commits the page without an fsync and a power cut only makes the
    /// sync read it again. `false` (the default, the safe side): the next fetch acknowledges
    /// the page to the provider, which forgets it (Telegram's `getUpdates` offset), so it must
    /// be on disk first.
    fn pages_refetchable(&self) -> bool {
        false
    }

    /// Whether a send refused with this [`ChannelError::Rejected`] `code` means the customer
    /// opted out of messages (Twilio's 21610 after a STOP). The outbox then records the opt-out
    /// in the same transaction that fails the reply, so later replies are held before they
    /// leave. No other channel has such a refusal (the default).
    fn refusal_means_opted_out(&self, _code: i64) -> bool {
        false
    }

    /// How long after the customer's last message this channel lets a business reply. The outbox
    /// holds a reply that waited past it. Telegram, email and SMS have none (the default);
    /// Messenger/Instagram (24 h, HUMAN_AGENT tag to 7 days) and WhatsApp (24 h, then a
    /// template) override it.
    fn reply_window(&self) -> ReplyWindow {
        ReplyWindow::None
    }

    /// How files go with a reply on this channel (see [`AttachmentRule`]); each provider's
    /// module has its rule as `ATTACHMENT_RULE`, for when no adapter runs.
    fn attachment_rule(&self) -> AttachmentRule {
        AttachmentRule::NONE
    }

    /// An id for the next reply that the provider will keep and can be searched by (email:
    /// a Message-ID). The outbox commits it in the reply's row *before* sending and passes it
    /// back in [`OutgoingMessage::client_message_id`], so [`Channel::reconcile`] can look for
    /// it. `None` (the default): the provider makes its own ids.
    fn new_client_message_id(&self) -> Option<String> {
        None
    }

    /// Looks at the provider for a reply whose send may or may not have happened (the answer
    /// was lost), queued at `queued_at`. Email searches Sent for the Message-ID, Graph re-reads
    /// the thread, Twilio lists by To/From; channels that cannot tell answer `Unknown` (the
    /// default) and the agent decides. Never guesses: `NotSent` only when the provider's own
    /// record proves it.
    async fn reconcile(
        &self,
        _message: &OutgoingMessage,
        _queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        Ok(Reconciled::Unknown)
    }
}
