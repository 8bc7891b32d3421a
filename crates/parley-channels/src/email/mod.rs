//! Email over IMAP (reading, push through IDLE) and SMTP (sending).
//!
//! **Identity.** A message's `remote_id` is its Message-ID without angle brackets (or
//! `hash:<hex>` of stable headers and the body when it has none), so the same mail seen in INBOX
//! and Sent, or again after a UIDVALIDITY change, upserts onto one row instead of duplicating.
//! `remote_thread_id` is the Message-ID of the thread's root (first of References, else
//! In-Reply-To, else a known thread with the same normalised subject and customer, else itself).
//! That is only a proposal: each message also carries its parents (`IngestBatch::reply_parents`:
//! In-Reply-To, then References newest first) and the store files it in the thread of the first
//! parent it holds, so a reply to mail read before a restart threads without the in-memory index.
//!
//! **Direction** comes from where a mail was found, never from its From header (anyone can put
//! the shop's address there): Sent holds the business's mail, INBOX the world's. A mail in INBOX
//! that claims the account's own address is inbound, filed with whoever it went to, and carries
//! a warning (`OWN_ADDRESS_IN_INBOX`); if the same Message-ID later turns up in Sent (a copy the
//! shop sent itself), the store turns it into the outgoing message it was. Of two copies in one
//! page, the one in Sent is taken. A reply from someone other than the conversation's customer
//! is filed where its References point, and the store marks who wrote it.
//!
//! **Cursor** (JSON): per mailbox role (`inbox`, `sent`) its name, UIDVALIDITY, `top` (every
//! UID ≤ top that existed when the sync started has been read, and every UID in `top+1..` is
//! new), `below` (the first sync walks down from UIDNEXT: UIDs < below are still to be read,
//! newest first, one page per fetch, `more: true` until it reaches 1) and CONDSTORE's
//! HIGHESTMODSEQ. A different UIDVALIDITY starts that mailbox over (upserts by Message-ID keep
//! it free of duplicates). INBOX's first sync runs before Sent's; `total`/`read` count it for
//! the progress a fetch reports ("Syncing INBOX — 12,400 of 50,000").
//!
//! **Budget.** A page reads at most `page_bytes` of mail (RFC822.SIZE is asked first); the rest
//! of its UID range waits for the next page and the cursor moves only over what was read. A
//! mail over `whole_mail_max` is read as its header and the first `large_body` bytes of its body.
//! Its attachments are listed from the server's BODYSTRUCTURE; every attachment opens as its own
//! IMAP part (`parts.rs`), never by reading the whole mail again.
//!
//! **Selecting.** The sync session keeps its mailbox selected between fetches: new mail in it is
//! seen with NOOP + `UID SEARCH UID top+1:*`, a mailbox that is not selected is asked with STATUS
//! and SELECTed only when it changed. Re-selecting per page made the first sync quadratic on
//! Dovecot (its first access after each SELECT re-reads a Maildir's whole uid list: ~0.8 s at
//! 50,000 mails, BUDGETS P8).
//!
//! **Changes under mail already read.** With CONDSTORE, once HIGHESTMODSEQ moved past the
//! cursor's: `UID FETCH 1:top (FLAGS …) (CHANGEDSINCE m)` for `\Seen`, plus `VANISHED` when QRESYNC
//! is enabled, so expunges come back as `VANISHED (EARLIER)` in the same answer. Without QRESYNC,
//! a `UID SEARCH` after each SELECT and after an announced EXPUNGE finds the UIDs that are gone.
//! Every message's (mailbox, UIDVALIDITY, UID) travels in the batch so the store can trace an
//! expunged UID back to its message (`IngestBatch::server_locations`, `vanished`).
//!
//! **Sending, and why Sent is written first.** A reply's exact bytes are appended to Sent with
//! the keyword [`PENDING_KEYWORD`] *before* SMTP is called (a failed APPEND fails the send with
//! nothing sent); SMTP accepted → the keyword is taken off that copy (and other pending copies
//! of the same Message-ID, from an earlier attempt, are removed); refused or unreachable before
//! the end of DATA → that copy is removed (`\Deleted` + `UID EXPUNGE` of its UID only); the
//! answer after DATA lost (`Uncertain`) → it stays pending. So `reconcile` can tell the three
//! apart: a confirmed copy is sent, a pending one is unknown (the agent decides), none is proven
//! not sent. Appending only after SMTP accepted (as Parley once did) made "not in Sent" after a
//! lost answer look like "never sent", and the customer got the reply twice. A Sent that does
//! not keep keywords (no `\*` in PERMANENTFLAGS) gets the copy after SMTP as before, and
//! reconciliation then answers unknown when it finds none. The sync does not ingest a pending
//! copy (a discarded reply would show as a ghost); it keeps its UID in the cursor and reads it
//! once the keyword is gone.
//!
//! **Connections.** Two IMAP sessions: one for sync (SELECT, FETCH, IDLE) held between fetches,
//! and one for sending's APPEND, downloads and look-ups, so a reply never waits for an IDLE. A
//! session that fails is dropped; the next call reconnects (a reused session that fails is retried
//! once at once on a fresh one, since after sleep or a server restart it is usually just stale).
//!
//! **Where.** This file: the configuration, the public types, [`EmailChannel`] with its
//! operations session and the [`Channel`] impl, which hands each call to the file of its part:
//! - `sync`: one fetch on the held sync session (new mail, the first sync's pages, changes under
//!   mail already read), with `cursor` (the cursor's JSON and progress) and `idle` (IDLE on INBOX);
//! - `ingest`: fetched mail to the store's batch (identity, threading, direction, attachments);
//! - `send`: a reply's headers and body, and the order Sent copy → SMTP → confirm or remove;
//! - `sent`: the Sent mailbox, the pending copy and what Sent says about a reply (reconciliation);
//! - `download`: reading mail again (an attachment, a full body, a message by Message-ID);
//! - `conn` (IMAP connections), `smtp` (SMTP submission), `parse` and `css` (MIME and HTML).

mod conn;
mod css;
mod cursor;
mod download;
mod idle;
mod ingest;
mod links;
mod parse;
mod parts;
mod send;
mod sent;
mod smtp;
mod sync;

pub use conn::{CODE_CERTIFICATE, CODE_INSECURE, CODE_TLS_MISMATCH};
pub use idle::IDLE_REISSUE;
pub use ingest::{MAX_HTML_BYTES, html_body};
pub use parse::{
    EmailAddress, ImageSource, MAX_REMOTE_IMAGES, MAX_TEXT_CHARS, ParsedEmail, PartInfo,
    REMOTE_IMAGE_SCHEME, SanitizedHtml, fold_quotes, html_to_text, normalise_subject,
    parse_message, render_html, sanitize_html,
};
pub use send::MAX_ATTACHMENTS_BYTES;
pub use sent::PENDING_KEYWORD;

use crate::{
    AttachmentRule, Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled,
    SendReceipt,
};

/// Every file in the same message as the text, up to what most mail servers accept in one message.
pub const ATTACHMENT_RULE: AttachmentRule = AttachmentRule::AllInOne {
    max_total: 25 * crate::MB,
};
use async_trait::async_trait;
use conn::{Conn, connect_imap, is_connection_error};
use ingest::ThreadIndex;
use parley_domain::{AccountIdentity, ChannelKind, Millis};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// No encryption: refused for any host but 127.0.0.1/localhost (the test servers).
    None,
    /// Plain connection upgraded with STARTTLS (IMAP 143, SMTP 587).
    StartTls,
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// The secret used for both IMAP and SMTP. An enum so that OAuth2 (XOAUTH2 for Gmail and
/// Microsoft) can be added without changing the callers.
#[derive(Clone, PartialEq, Eq)]
pub enum EmailSecret {
    Password(String),
}

/// One mailbox. Built from the account row plus the keychain secret.
#[derive(Clone)]
pub struct EmailConfig {
    /// The account's own address (what its replies are sent from).
    pub address: String,
    pub display_name: Option<String>,
    /// Login for both servers (usually the address).
    pub username: String,
    pub secret: EmailSecret,
    pub imap: ServerConfig,
    pub smtp: ServerConfig,
    /// PEM certificates to trust besides the public roots (a private CA, or the tests'
    /// self-signed CA). Certificate verification itself is never disabled.
    pub extra_roots_pem: Option<String>,
    /// Connect, greeting and single-command limit.
    pub timeout: Duration,
    /// Messages per page of the first sync and of a catch-up.
    pub page_size: u32,
    /// Bytes of mail (by RFC822.SIZE) one page reads at most; the rest waits for the next.
    pub page_bytes: u64,
    /// A mail over this size is read as its header and the start of its body (`large_body`
    /// bytes); its attachments open on demand.
    pub whole_mail_max: u32,
    pub large_body: u32,
    /// Use QRESYNC where the server offers it (tests turn it off to exercise the fallback).
    pub use_qresync: bool,
}

impl EmailConfig {
    pub fn new(
        address: &str,
        username: &str,
        secret: EmailSecret,
        imap: ServerConfig,
        smtp: ServerConfig,
    ) -> Self {
        EmailConfig {
            address: address.trim().to_lowercase(),
            display_name: None,
            username: username.to_string(),
            secret,
            imap,
            smtp,
            extra_roots_pem: None,
            timeout: Duration::from_secs(20),
            page_size: 250,
            page_bytes: 32 * 1024 * 1024,
            whole_mail_max: 16 * 1024 * 1024,
            large_body: 1024 * 1024,
            use_qresync: true,
        }
    }
}

impl std::fmt::Debug for EmailConfig {
    // The secret is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("address", &self.address)
            .field("username", &self.username)
            .field("imap", &self.imap)
            .field("smtp", &self.smtp)
            .finish_non_exhaustive()
    }
}

/// A copy of a sent message found in (or appended to) the Sent mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCopy {
    pub mailbox: String,
    pub uidvalidity: Option<u32>,
    pub uid: Option<u32>,
}

/// What Sent says about a reply (see [`EmailChannel::sent_record`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentRecord {
    /// The account has no Sent mailbox: the server cannot tell.
    NoSentMailbox,
    /// A copy without [`PENDING_KEYWORD`]: SMTP accepted the reply.
    Sent(SentCopy),
    /// Only a copy still marked pending: SMTP's answer was lost (or Parley stopped before
    /// calling it); the server may have taken the mail.
    Pending(SentCopy),
    /// No copy. `proves_not_sent`: Sent keeps keywords, so Parley wrote a pending copy before
    /// any SMTP attempt and removed it only after a refusal: SMTP never took this mail.
    Absent { proves_not_sent: bool },
}

/// What `send_email` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// Without angle brackets; also the `remote_id` the sync will give the Sent copy.
    pub message_id: String,
    pub sent_at: Millis,
    /// `None` without a Sent mailbox, or when the copy could not be confirmed or appended (the
    /// mail itself went out).
    pub sent_copy: Option<SentCopy>,
}

/// The full content of one message, for the conversation view (HTML, quoted history).
pub type EmailBody = ParsedEmail;

/// An email account.
pub struct EmailChannel {
    config: EmailConfig,
    sync: tokio::sync::Mutex<Option<Conn>>,
    ops: tokio::sync::Mutex<Option<Conn>>,
    threads: Mutex<ThreadIndex>,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl EmailChannel {
    pub fn new(config: EmailConfig) -> Self {
        EmailChannel {
            config,
            sync: tokio::sync::Mutex::new(None),
            ops: tokio::sync::Mutex::new(None),
            threads: Mutex::new(ThreadIndex::default()),
        }
    }

    pub fn config(&self) -> &EmailConfig {
        &self.config
    }

    /// A new Message-ID (without angle brackets) in the account's domain. The outbox can take
    /// one before sending and pass it to [`EmailChannel::send_email_with_id`].
    pub fn new_message_id(&self) -> String {
        let domain = self
            .config
            .address
            .rsplit_once('@')
            .map_or("parley.invalid", |(_, d)| d);
        format!("parley.{}@{domain}", uuid::Uuid::new_v4().simple())
    }

    /// Drops the held connections (tests use it to simulate sleep; the next call reconnects).
    pub async fn disconnect(&self) {
        self.sync.lock().await.take();
        self.ops.lock().await.take();
    }

    /// Runs `f` on the operations session, reconnecting once if a reused session turns out
    /// stale.
    async fn with_ops<T, F>(&self, f: F) -> Result<T, ChannelError>
    where
        F: for<'a> Fn(
            &'a mut Conn,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, ChannelError>> + Send + 'a>,
        >,
    {
        let mut guard = self.ops.lock().await;
        let reused = guard.is_some();
        let mut conn = match guard.take() {
            Some(c) => c,
            None => connect_imap(&self.config).await?,
        };
        match f(&mut conn).await {
            Ok(v) => {
                *guard = Some(conn);
                Ok(v)
            }
            Err(e) if reused && is_connection_error(&e) => {
                let mut conn = connect_imap(&self.config).await?;
                let v = f(&mut conn).await?;
                *guard = Some(conn);
                Ok(v)
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Channel for EmailChannel {
    /// Yes: the mailbox keeps the mail: a lost page is fetched again by UID.
    fn pages_refetchable(&self) -> bool {
        true
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn attachment_rule(&self) -> AttachmentRule {
        ATTACHMENT_RULE
    }

    /// Logs in to IMAP and to SMTP; each failure says which server and what to fix.
    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        let conn = connect_imap(&self.config).await?;
        let mut smtp = smtp::connect(&self.config).await?;
        let _ = smtp.quit().await;
        // Keep the IMAP session for the first fetch.
        *self.sync.lock().await = Some(conn);
        Ok(AccountIdentity {
            channel: ChannelKind::Email,
            external_id: self.config.address.clone(),
            name: self
                .config
                .display_name
                .clone()
                .unwrap_or_else(|| self.config.address.clone()),
            handle: Some(self.config.address.clone()),
        })
    }

    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        self.fetch_page(cursor, wait).await
    }

    fn new_client_message_id(&self) -> Option<String> {
        Some(self.new_message_id())
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        let sent = match &message.client_message_id {
            Some(id) => self.send_email_with_id(message, id).await?,
            None => self.send_email(message).await?,
        };
        Ok(SendReceipt {
            remote_id: sent.message_id,
            sent_at: sent.sent_at,
        })
    }

    /// Looks for the reply's Message-ID in Sent ([`EmailChannel::sent_record`]): a confirmed
    /// copy → sent; only a copy still marked [`PENDING_KEYWORD`] → unknown (the answer after
    /// DATA was lost, or Parley stopped between writing the copy and calling SMTP — the safe
    /// misreading: the agent decides "mark as sent" or "send again"); no copy → not sent, which
    /// is proven because the pending copy is written before SMTP is ever called. Without a Sent
    /// mailbox, or one that does not keep keywords, absence proves nothing → unknown.
    async fn reconcile(
        &self,
        message: &OutgoingMessage,
        _queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        let Some(id) = message.client_message_id.as_deref() else {
            return Ok(Reconciled::Unknown);
        };
        let Some(id) = parse::clean_id(id) else {
            return Ok(Reconciled::Unknown);
        };
        Ok(match self.sent_record(&id).await? {
            SentRecord::Sent(_) => Reconciled::Sent(SendReceipt {
                remote_id: id,
                sent_at: now_millis(),
            }),
            SentRecord::Absent {
                proves_not_sent: true,
            } => Reconciled::NotSent,
            SentRecord::NoSentMailbox | SentRecord::Pending(_) | SentRecord::Absent { .. } => {
                Reconciled::Unknown
            }
        })
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        self.download_part(remote_ref).await
    }
}
