//! Twilio Programmable Messaging: SMS/MMS numbers and WhatsApp senders of one Twilio account.
//!
//! No webhook: new messages are found by polling List Messages (`GET …/Messages.json`) for each
//! watched number, once with `To=` (inbound) and once with `From=` (outbound, including messages
//! the business sent from elsewhere). Twilio's DateSent filter has day granularity, so each poll
//! asks for `DateSent>=` (day of the newest message seen − 1 day) and drops what it has seen by
//! sid.
//!
//! **Cursor** (JSON, stored with each batch): `newest` is the newest message time seen; `seen`
//! maps each sid seen inside the overlap window to its time and last status, so a re-read message
//! is recognised (no duplicate) and a changed status is noticed (a delivery update). Entries older
//! than the overlap window cannot come back from the query and are pruned; past `SEEN_CAP` the
//! oldest go first — a message evicted that way would be emitted again, which the store's upsert
//! on (account, remote id) makes harmless.
//!
//! Remote ids: a message is its sid; a thread is the customer's address with the channel,
//! `sms:+E164` or `whatsapp:+E164`; the customer is the address as Twilio spells it (`+E164` or
//! `whatsapp:+E164`), so the same person on SMS and WhatsApp are two contacts, each with their own
//! opt-out. Attachments are `"{message sid}/{media sid}"`.
//!
//! Credentials go in Basic auth only to the configured API hosts; reqwest drops the header on a
//! redirect to another host (Twilio's media CDN).
//!
//! Files: `config`, `api` (one call), `account` (validate), `threads` (addresses, opt-out
//! keywords, the WhatsApp window), `cursor`, `fetch`, `delivery` (statuses), `send`,
//! `templates`, `reconcile`, `download`, `wire` (Twilio's JSON and errors).

mod account;
mod api;
mod config;
mod cursor;
mod delivery;
mod download;
mod fetch;
/// Public only for the fuzzing suite (`fuzz/`, outside the workspace), which cannot reach the
/// private `wire` decoding otherwise.
#[doc(hidden)]
pub mod fuzzing;
mod reconcile;
mod send;
mod templates;
mod threads;
mod wire;

pub use config::{DEFAULT_API_BASE, DEFAULT_CONTENT_BASE, DEFAULT_MESSAGING_BASE, TwilioConfig};
pub use delivery::{DeliveryUpdate, failure_words};
pub use reconcile::SentMatch;
pub use templates::TemplateInfo;
pub use threads::{
    START_KEYWORDS, STOP_KEYWORDS, ThreadWindow, WHATSAPP_ALTERNATIVE, WHATSAPP_WINDOW,
    address_for_thread, opt_out_keyword, thread_id_for, thread_window,
};

use crate::http::{self, Provider};
use crate::{
    AttachmentRule, Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled,
    SendReceipt,
};
use async_trait::async_trait;
use parley_domain::{AccountIdentity, ChannelKind, Millis, ReplyWindow};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use threads::is_whatsapp;
use tokio::time::Instant;

const API: Provider = Provider("Twilio");

/// Twilio refuses bodies over 1600 characters (error 21617).
pub const MAX_BODY_CHARS: usize = 1600;
/// Twilio fetches media from a public https address, so SMS and WhatsApp take no file from here.
pub const ATTACHMENT_RULE: AttachmentRule = AttachmentRule::Unsupported {
    reason: "Twilio fetches media from a public https address, so files cannot be sent from this computer yet.",
};
/// Pages one list walk follows at most before it gives up for this fetch.
const MAX_PAGES: usize = 50;

pub struct TwilioChannel {
    http: reqwest::Client,
    cfg: TwilioConfig,
    last_poll: Mutex<Option<Instant>>,
    /// Customer address → the watched number they last wrote to (or were written from), so a
    /// reply leaves from the number the customer knows.
    routes: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for TwilioChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioChannel")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl TwilioChannel {
    pub fn new(cfg: TwilioConfig) -> Result<Self, ChannelError> {
        Ok(Self {
            http: http::client()?,
            cfg,
            last_poll: Mutex::new(None),
            routes: Mutex::new(HashMap::new()),
        })
    }

    pub fn numbers(&self) -> &[String] {
        &self.cfg.numbers
    }

    fn whatsapp_only(&self) -> bool {
        !self.cfg.numbers.is_empty() && self.cfg.numbers.iter().all(|n| is_whatsapp(n))
    }
}

#[async_trait]
impl Channel for TwilioChannel {
    /// Yes: List Messages keeps history: a lost page is read again.
    fn pages_refetchable(&self) -> bool {
        true
    }

    fn refusal_means_opted_out(&self, code: i64) -> bool {
        code == wire::OPTED_OUT_CODE
    }

    /// WhatsApp when every watched number is a WhatsApp sender, else SMS.
    fn kind(&self) -> ChannelKind {
        if self.whatsapp_only() {
            ChannelKind::Whatsapp
        } else {
            ChannelKind::Sms
        }
    }

    fn attachment_rule(&self) -> AttachmentRule {
        ATTACHMENT_RULE
    }

    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        self.validate_account().await
    }

    /// New messages, opt-outs and the delivery status changes of sent messages.
    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        self.fetch_batch(cursor, wait).await
    }

    /// Lists what went from the thread's number to the customer since the reply was queued:
    /// found with the same body → sent; nothing found → not sent (Twilio's own record).
    async fn reconcile(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        self.reconcile_send(message, queued_at).await
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        self.send_reply(message).await
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        self.download_media(remote_ref).await
    }

    /// The account-wide rule: WhatsApp's 24 h when every watched number is a WhatsApp sender,
    /// else none. A mixed account should use [`TwilioChannel::reply_window_for`] per thread.
    fn reply_window(&self) -> ReplyWindow {
        if self.whatsapp_only() {
            self.reply_window_for("whatsapp:")
        } else {
            ReplyWindow::None
        }
    }
}
