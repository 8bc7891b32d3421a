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
//! **Cursor** (JSON): per mailbox role (`inbox`, `sent`) its name, UIDVALIDITY, `top` (every
//! UID ≤ top that existed when the sync started has been read, and every UID in `top+1..` is
//! new), `below` (the first sync walks down from UIDNEXT: UIDs < below are still to be read,
//! newest first, one page per fetch, `more: true` until it reaches 1) and CONDSTORE's
//! HIGHESTMODSEQ. A different UIDVALIDITY starts that mailbox over (upserts by Message-ID keep
//! it free of duplicates). INBOX's first sync runs before Sent's; `total`/`read` count it for
//! the progress a fetch reports ("Syncing INBOX — 12,400 of 50,000").
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

mod conn;
mod css;
mod parse;
mod smtp;

pub use conn::{CODE_CERTIFICATE, CODE_INSECURE, CODE_TLS_MISMATCH};
pub use parse::{
    EmailAddress, ImageSource, MAX_REMOTE_IMAGES, MAX_TEXT_CHARS, ParsedEmail, PartInfo,
    REMOTE_IMAGE_SCHEME, SanitizedHtml, fold_quotes, html_to_text, normalise_subject,
    parse_message, render_html, sanitize_html,
};

use crate::{Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled, SendReceipt};
use async_imap::types::{Fetch, NameAttribute};
use async_trait::async_trait;
use conn::{Conn, connect_imap, imap_error, is_connection_error, quote, uid_fetch, uid_search};
use futures_util::TryStreamExt;
use parley_domain::{
    AccountIdentity, Attachment, ChannelKind, Direction, IncomingMessage, IngestBatch, Millis,
    RemotePerson, ServerLocation, VanishedUids,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::{Instant, timeout};

/// Servers drop an IDLE after 30 minutes (RFC 2177); it is re-issued well before.
pub const IDLE_REISSUE: Duration = Duration::from_secs(28 * 60);
/// Without IDLE, how often a waiting fetch looks for new mail.
const POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Names tried for Sent when no mailbox carries the SPECIAL-USE `\Sent` attribute.
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "[Gmail]/Sent Mail",
];
const FETCH_ITEMS: &str = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])";
/// The in-memory thread index is cleared beyond this many messages (a restart clears it too);
/// messages carrying References thread correctly without it.
const INDEX_CAP: usize = 200_000;

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
    /// The account's own address: mail From it is outbound.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    Inbox,
    Sent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BoxCursor {
    name: String,
    uidvalidity: u32,
    top: u32,
    below: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modseq: Option<u64>,
    /// Messages in the mailbox when its first sync began, and how many of them the backlog
    /// walk has read: the progress shown while it runs.
    #[serde(default, skip_serializing_if = "is_zero")]
    total: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    read: u32,
    /// UIDs read while they carried [`PENDING_KEYWORD`] (a reply whose send is not settled):
    /// not ingested, looked at again at each fetch until the keyword is gone (then read as any
    /// mail) or the copy is (then forgotten). At most [`MAX_PENDING_UIDS`], oldest dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<u32>,
}

/// Pending copies a mailbox cursor keeps track of (see `BoxCursor::pending`).
const MAX_PENDING_UIDS: usize = 64;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What `look` learnt about a mailbox.
#[derive(Debug, Clone, Copy)]
struct BoxState {
    uidvalidity: u32,
    /// The highest UID that exists (or may, from UIDNEXT).
    last: u32,
    /// Messages in it, when a SELECT said.
    exists: Option<u32>,
    highest_modseq: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    v: u32,
    boxes: BTreeMap<Role, BoxCursor>,
}

/// Where an attachment lives, as JSON in `Attachment::remote_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PartRef {
    /// Mailbox name.
    m: String,
    /// UIDVALIDITY when it was read.
    v: u32,
    u: u32,
    /// Index among the message's attachments.
    p: usize,
    /// Message-ID, to find the message again after a UIDVALIDITY change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

/// What the channel remembers about a message for threading and for replying.
#[derive(Debug, Clone)]
struct MsgInfo {
    root: String,
    subject: String,
    references: Vec<String>,
    sent_at: Millis,
}

#[derive(Debug, Default)]
struct ThreadIndex {
    msgs: HashMap<String, MsgInfo>,
    /// (customer address, normalised subject) → root.
    by_subject: HashMap<(String, String), String>,
    /// root → newest message id in the thread.
    latest: HashMap<String, (Millis, String)>,
}

impl ThreadIndex {
    fn remember(&mut self, id: &str, info: MsgInfo, customer: &str) {
        if self.msgs.len() >= INDEX_CAP {
            *self = ThreadIndex::default();
        }
        let (norm, _) = normalise_subject(&info.subject);
        if !norm.is_empty() {
            self.by_subject
                .entry((customer.to_string(), norm))
                .or_insert_with(|| info.root.clone());
        }
        let newer = self
            .latest
            .get(&info.root)
            .is_none_or(|(at, _)| *at <= info.sent_at);
        if newer {
            self.latest
                .insert(info.root.clone(), (info.sent_at, id.to_string()));
        }
        self.msgs.insert(id.to_string(), info);
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

    /// Looks for a sent message by Message-ID (with or without angle brackets) in Sent: a copy
    /// that SMTP accepted (without [`PENDING_KEYWORD`]). `None`: no such copy; see
    /// [`EmailChannel::sent_record`] for what that means.
    pub async fn find_sent(&self, message_id: &str) -> Result<Option<SentCopy>, ChannelError> {
        Ok(match self.sent_record(message_id).await? {
            SentRecord::Sent(copy) => Some(copy),
            _ => None,
        })
    }

    /// What Sent says about a reply Parley sent under this Message-ID (with or without angle
    /// brackets), for reconciling a send whose answer was lost.
    ///
    /// The protocol that makes the answer mean something: before SMTP is called, the exact
    /// message is appended to Sent with [`PENDING_KEYWORD`]; once SMTP accepted it the keyword
    /// is taken off; when SMTP refused it (or was unreachable) before the end of DATA the copy
    /// is removed (`\Deleted` + `UID EXPUNGE` of that UID). A lost answer after DATA leaves it
    /// pending. So: a copy without the keyword → sent; only pending copies → the server may or
    /// may not have taken it (also after a crash between the APPEND and SMTP: safe, the agent
    /// decides); no copy at all → SMTP was never handed the mail, *provided* Sent keeps keywords
    /// (else Parley appends only after SMTP accepted, and absence proves nothing). A pending copy
    /// marked `\Deleted` is one Parley removed after a refusal (a server without UIDPLUS) and
    /// counts as absent. Someone deleting the copy by hand in another client is read as absent.
    pub async fn sent_record(&self, message_id: &str) -> Result<SentRecord, ChannelError> {
        let id = parse::clean_id(message_id).unwrap_or_default();
        self.with_ops(move |conn| {
            let id = id.clone();
            Box::pin(async move {
                let Some(sent) = find_sent_mailbox(conn).await? else {
                    return Ok(SentRecord::NoSentMailbox);
                };
                // SELECT, not EXAMINE: a read-only mailbox reports no PERMANENTFLAGS.
                let mb = conn.session.select(&sent).await.map_err(imap_error)?;
                let uids = uid_search(
                    &mut conn.session,
                    &format!("HEADER Message-ID {}", quote(&format!("<{id}>"))),
                )
                .await?;
                let mut confirmed = None;
                let mut pending = None;
                if !uids.is_empty() {
                    let set: Vec<String> = uids.iter().map(u32::to_string).collect();
                    for f in uid_fetch(&mut conn.session, &set.join(","), "(UID FLAGS)").await? {
                        let Some(uid) = f.uid.filter(|u| uids.contains(u)) else {
                            continue;
                        };
                        let copy = SentCopy {
                            mailbox: sent.clone(),
                            uidvalidity: mb.uid_validity,
                            uid: Some(uid),
                        };
                        if !is_pending(&f) {
                            confirmed = Some(copy);
                        } else if !is_deleted(&f) {
                            pending = Some(copy);
                        }
                    }
                }
                conn::drain_unsolicited(conn);
                Ok(match (confirmed, pending) {
                    (Some(c), _) => SentRecord::Sent(c),
                    (None, Some(p)) => SentRecord::Pending(p),
                    (None, None) => SentRecord::Absent {
                        proves_not_sent: keeps_pending_keyword(&mb),
                    },
                })
            })
        })
        .await
    }

    /// Reads one message again (INBOX, then Sent) by Message-ID: its sanitised HTML, the folded
    /// quoted history and the full attachment list, for the conversation view.
    pub async fn body(&self, remote_id: &str) -> Result<Option<EmailBody>, ChannelError> {
        let id = remote_id.to_string();
        let raw = self
            .with_ops(move |conn| {
                let id = id.clone();
                Box::pin(async move { fetch_by_message_id(conn, &id).await })
            })
            .await?;
        Ok(raw.map(|(_, _, bytes)| parse_message(&bytes)))
    }

    /// Sends a reply with a fresh Message-ID.
    pub async fn send_email(&self, message: &OutgoingMessage) -> Result<SentEmail, ChannelError> {
        let id = self.new_message_id();
        self.send_email_with_id(message, &id).await
    }

    /// Sends a reply under a Message-ID chosen beforehand (kept in the outbox row, so a crash
    /// or a lost answer can be reconciled with [`EmailChannel::sent_record`]): its copy goes to
    /// Sent marked [`PENDING_KEYWORD`] first, then SMTP, then the copy is confirmed or removed
    /// (see the module doc).
    pub async fn send_email_with_id(
        &self,
        message: &OutgoingMessage,
        message_id: &str,
    ) -> Result<SentEmail, ChannelError> {
        let message_id = parse::clean_id(message_id).ok_or_else(|| ChannelError::Rejected {
            code: 0,
            message: "The message id for this reply is empty.".into(),
        })?;
        let to_addr: lettre::Address =
            message
                .customer_remote_id
                .trim()
                .parse()
                .map_err(|_| ChannelError::Rejected {
                    code: 0,
                    message: format!(
                        "\"{}\" is not an email address Parley can send to.",
                        message.customer_remote_id
                    ),
                })?;
        let from_addr: lettre::Address =
            self.config
                .address
                .parse()
                .map_err(|_| ChannelError::Rejected {
                    code: 0,
                    message: format!(
                        "The account's address \"{}\" is not a valid email address.",
                        self.config.address
                    ),
                })?;

        let (subject, in_reply_to, references) = self.reply_headers(message).await;
        let mut builder = lettre::Message::builder()
            .from(lettre::message::Mailbox::new(
                self.config.display_name.clone(),
                from_addr.clone(),
            ))
            .to(lettre::message::Mailbox::new(None, to_addr.clone()))
            .subject(subject)
            .message_id(Some(format!("<{message_id}>")))
            .user_agent("Parley".into())
            .date_now();
        if let Some(parent) = &in_reply_to {
            builder = builder.in_reply_to(format!("<{parent}>"));
        }
        if !references.is_empty() {
            let refs: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
            builder = builder.references(refs.join(" "));
        }
        let built = if message.attachments.is_empty() {
            builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(message.text.clone())
        } else {
            builder.multipart(with_attachments(message).await?)
        };
        let email = built.map_err(|e| ChannelError::Rejected {
            code: 0,
            message: format!("The reply could not be written as an email: {e}."),
        })?;
        let formatted = email.formatted();

        // The copy in Sent is written first, marked pending, so that "not in Sent" proves
        // later that SMTP was never called (see `reconcile`). A failure here sends nothing.
        let plan = {
            let id = message_id.clone();
            let formatted = formatted.clone();
            self.with_ops(move |conn| {
                let id = id.clone();
                let formatted = formatted.clone();
                Box::pin(async move { write_pending_copy(conn, &id, &formatted).await })
            })
            .await
            .map_err(|e| match e {
                ChannelError::Rejected { code, message } => ChannelError::Rejected {
                    code,
                    message: format!(
                        "Nothing was sent: the reply could not be stored in Sent first ({message})."
                    ),
                },
                other => other,
            })?
        };

        if let Err(e) = smtp::submit(&self.config, &from_addr, &[to_addr], &formatted).await {
            if let (SentPlan::Pending(copy), false) =
                (&plan, matches!(e, ChannelError::Uncertain(_)))
            {
                // Refused or unreachable before the end of DATA: nothing went out, so the
                // pending copy goes (only that UID). A lost answer after DATA keeps it pending.
                let (copy, id) = (copy.clone(), message_id.clone());
                let removed = self
                    .with_ops(move |conn| {
                        let (copy, id) = (copy.clone(), id.clone());
                        Box::pin(async move { remove_pending_copy(conn, &copy, &id).await })
                    })
                    .await;
                if let Err(r) = removed {
                    tracing::warn!(error = %r, "the reply was not sent, but its pending copy stays in Sent");
                }
            }
            return Err(e);
        }
        let sent_at = now_millis();

        // The mail is out; a failure to confirm or write the copy is logged, not reported as a
        // failed send.
        let copy = match plan {
            SentPlan::NoSent => Ok(None),
            SentPlan::Pending(copy) => {
                let id = message_id.clone();
                self.with_ops(move |conn| {
                    let (copy, id) = (copy.clone(), id.clone());
                    Box::pin(async move { confirm_pending_copy(conn, &copy, &id).await.map(Some) })
                })
                .await
            }
            SentPlan::After(sent) => {
                self.with_ops(move |conn| {
                    let (sent, formatted) = (sent.clone(), formatted.clone());
                    Box::pin(async move {
                        let uid =
                            conn::append(&mut conn.session, &sent, "\\Seen", &formatted).await?;
                        Ok(Some(SentCopy {
                            mailbox: sent,
                            uidvalidity: uid.map(|(v, _)| v),
                            uid: uid.map(|(_, u)| u),
                        }))
                    })
                })
                .await
            }
        };
        let sent_copy = match copy {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "the reply was sent but its copy in Sent was not confirmed");
                None
            }
        };
        Ok(SentEmail {
            message_id,
            sent_at,
            sent_copy,
        })
    }

    /// Subject, In-Reply-To and References for a reply: from the thread index when the message
    /// was seen since start-up, else from the server (INBOX, then Sent).
    async fn reply_headers(
        &self,
        message: &OutgoingMessage,
    ) -> (String, Option<String>, Vec<String>) {
        let usable = |id: &String| !id.starts_with("hash:") && !id.is_empty();
        let (parent, known) = {
            let index = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
            let parent = message
                .reply_to_remote_id
                .clone()
                .filter(usable)
                .or_else(|| {
                    index
                        .latest
                        .get(&message.remote_thread_id)
                        .map(|(_, id)| id.clone())
                })
                .or_else(|| Some(message.remote_thread_id.clone()).filter(usable));
            let known = parent.as_ref().and_then(|p| index.msgs.get(p).cloned());
            (parent, known)
        };
        let Some(parent) = parent.filter(usable) else {
            return (String::new(), None, Vec::new());
        };
        let (subject, mut refs) = match known {
            Some(info) => (info.subject, info.references),
            None => {
                let id = parent.clone();
                let looked_up = self
                    .with_ops(move |conn| {
                        let id = id.clone();
                        Box::pin(async move { fetch_by_message_id(conn, &id).await })
                    })
                    .await;
                match looked_up {
                    Ok(Some((_, _, raw))) => {
                        let p = parse_message(&raw);
                        (p.subject, p.references)
                    }
                    _ => (String::new(), Vec::new()),
                }
            }
        };
        if !refs.contains(&message.remote_thread_id) && usable(&message.remote_thread_id) {
            refs.insert(0, message.remote_thread_id.clone());
        }
        refs.retain(|r| r != &parent);
        refs.push(parent.clone());
        // RFC 5322 §3.6.4: keep the root and the newest when the list grows long.
        if refs.len() > 20 {
            let tail = refs.split_off(refs.len() - 19);
            refs.truncate(1);
            refs.extend(tail);
        }
        let subject = if normalise_subject(&subject).1 || subject.is_empty() {
            subject
        } else {
            format!("Re: {subject}")
        };
        (subject, Some(parent), refs)
    }

    /// One fetch on a given session: sync both mailboxes, then IDLE if asked and nothing came.
    async fn fetch_on(
        &self,
        mut conn: Conn,
        cursor: Cursor,
        wait: Duration,
    ) -> Result<(Conn, Fetched), ChannelError> {
        let deadline = Instant::now() + wait;
        let mut cur = cursor;
        let step_limit = (self.config.timeout * 6).max(Duration::from_secs(60));
        let mut seen = Elsewhere::default();
        let (mut raws, mut more) =
            timeout(step_limit, self.sync_step(&mut conn, &mut cur, &mut seen))
                .await
                .map_err(|_| stalled())??;
        while raws.is_empty() && seen.is_empty() && !more && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if conn.caps.idle {
                let inbox = cur.boxes.get(&Role::Inbox).map(|b| (b.top, b.modseq));
                let (c, arrived) = idle(conn, inbox, left, step_limit).await?;
                conn = c;
                if !arrived {
                    continue;
                }
            } else {
                tokio::time::sleep(left.min(POLL_INTERVAL)).await;
            }
            (raws, more) = timeout(step_limit, self.sync_step(&mut conn, &mut cur, &mut seen))
                .await
                .map_err(|_| stalled())??;
        }
        let batch = self.to_batch(raws, seen);
        let cursor = serde_json::to_string(&cur).map_err(|e| {
            ChannelError::Malformed(format!("The email cursor could not be written: {e}."))
        })?;
        Ok((
            conn,
            Fetched {
                batch,
                cursor: Some(cursor),
                more,
                progress: first_sync_progress(&cur),
            },
        ))
    }

    /// Reads what is new in INBOX and Sent plus one page of the first sync's backlog. While
    /// INBOX still has a backlog, Sent waits (its first sync starts when INBOX's ends): the
    /// session then stays on INBOX instead of switching mailboxes at every page.
    /// `seen` collects the Message-IDs of mail already read that another client marked
    /// `\Seen` (CONDSTORE), to be marked read here.
    async fn sync_step(
        &self,
        conn: &mut Conn,
        cur: &mut Cursor,
        seen: &mut Elsewhere,
    ) -> Result<(Vec<RawMessage>, bool), ChannelError> {
        let mut raws = Vec::new();
        let prev = cur.boxes.get(&Role::Inbox).cloned();
        let (inbox, mut more) = self.sync_box(conn, "INBOX", prev, &mut raws, seen).await?;
        let inbox_backlog = inbox.below > 1;
        cur.boxes.insert(Role::Inbox, inbox);
        if inbox_backlog {
            return Ok((raws, more));
        }
        let sent_name = match cur.boxes.get(&Role::Sent) {
            Some(b) => Some(b.name.clone()),
            None => find_sent_mailbox(conn).await?,
        };
        if let Some(name) = sent_name {
            let prev = cur.boxes.get(&Role::Sent).cloned();
            match self.sync_box(conn, &name, prev, &mut raws, seen).await {
                Ok((bc, m)) => {
                    more |= m;
                    cur.boxes.insert(Role::Sent, bc);
                }
                // Sent was renamed or deleted: find it again on the next fetch.
                Err(ChannelError::Rejected { .. }) => {
                    cur.boxes.remove(&Role::Sent);
                }
                Err(e) => return Err(e),
            }
        }
        Ok((raws, more))
    }

    /// Where a mailbox stands on the server, as cheaply as it can be learnt: the mailbox the
    /// session already has selected is asked with NOOP and a UID SEARCH (no second SELECT),
    /// one that is not is first asked with STATUS, and SELECTed only when something changed.
    /// `None`: nothing changed since `prev`.
    async fn look(
        &self,
        conn: &mut Conn,
        name: &str,
        prev: Option<&BoxCursor>,
    ) -> Result<Option<BoxState>, ChannelError> {
        let known = prev.filter(|p| p.name == name);
        if let Some(p) = known
            && conn.selected.as_deref() == Some(name)
        {
            // RFC 3501 §6.3.10: new mail in the selected mailbox is seen through NOOP.
            conn.session.noop().await.map_err(imap_error)?;
            conn::drain_unsolicited(conn);
            let newest = newest_uid_above(&mut conn.session, p.top).await?;
            // A selected mailbox tells no HIGHESTMODSEQ without a new SELECT; STATUS does, so
            // flag changes and expunges are asked for only when there are some.
            let highest_modseq = if conn.caps.condstore {
                conn.session
                    .status(name, "(HIGHESTMODSEQ)")
                    .await
                    .map_err(imap_error)?
                    .highest_modseq
            } else {
                None
            };
            return Ok(Some(BoxState {
                uidvalidity: p.uidvalidity,
                last: newest.unwrap_or(p.top),
                exists: None,
                highest_modseq,
            }));
        }
        // A pending copy losing its keyword changes no UIDNEXT, only HIGHESTMODSEQ: without
        // CONDSTORE, a mailbox with pending copies to look at again is always SELECTed.
        if let Some(p) = known
            && p.below <= 1
            && (p.pending.is_empty() || (conn.caps.condstore && p.modseq.is_some()))
        {
            let items = if conn.caps.condstore {
                "(UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"
            } else {
                "(UIDNEXT UIDVALIDITY)"
            };
            let st = conn.session.status(name, items).await.map_err(imap_error)?;
            let modseq_same = !conn.caps.condstore
                || p.modseq.is_none()
                || st.highest_modseq.is_none()
                || st.highest_modseq == p.modseq;
            if st.uid_validity == Some(p.uidvalidity)
                && st.uid_next.is_some_and(|n| n <= p.top.saturating_add(1))
                && modseq_same
            {
                return Ok(None);
            }
        }
        conn.selected = None;
        conn::drain_unsolicited(conn);
        conn.expunged = false;
        let mb = if conn.caps.condstore {
            conn.session.select_condstore(name).await
        } else {
            conn.session.select(name).await
        }
        .map_err(imap_error)?;
        conn.selected = Some(name.to_string());
        conn.checked_gone.retain(|n| n != name);
        let uidnext = match mb.uid_next {
            Some(n) => n,
            None if mb.exists == 0 => 1,
            // Some servers omit UIDNEXT: the highest UID plus one says the same.
            None => {
                let last = uid_fetch(&mut conn.session, "*", "(UID)").await?;
                last.iter().filter_map(|f| f.uid).max().unwrap_or(0) + 1
            }
        };
        Ok(Some(BoxState {
            uidvalidity: mb.uid_validity.unwrap_or(0),
            last: uidnext.saturating_sub(1),
            exists: Some(mb.exists),
            highest_modseq: mb.highest_modseq,
        }))
    }

    async fn sync_box(
        &self,
        conn: &mut Conn,
        name: &str,
        prev: Option<BoxCursor>,
        out: &mut Vec<RawMessage>,
        seen: &mut Elsewhere,
    ) -> Result<(BoxCursor, bool), ChannelError> {
        let page = self.config.page_size.max(1);
        let Some(state) = self.look(conn, name, prev.as_ref()).await? else {
            // Nothing new, and nothing left of a first sync (`look` checks both).
            let unchanged = prev.ok_or_else(|| {
                ChannelError::Malformed("The email cursor lost a mailbox it had.".into())
            })?;
            return Ok((unchanged, false));
        };
        let uidvalidity = state.uidvalidity;
        let last = state.last;
        let mut bc = match prev {
            Some(p) if p.uidvalidity == uidvalidity && p.name == name => p,
            other => {
                if other.is_some() {
                    tracing::info!(
                        mailbox = name,
                        "UIDVALIDITY changed: reading the mailbox again"
                    );
                }
                BoxCursor {
                    name: name.to_string(),
                    uidvalidity,
                    top: last,
                    below: last.saturating_add(1),
                    // Flags as of now come with each message; changes after this are asked
                    // for with CHANGEDSINCE once the first sync is done.
                    modseq: state.highest_modseq,
                    total: state.exists.unwrap_or(0),
                    read: 0,
                    pending: Vec::new(),
                }
            }
        };
        let mut more = false;
        // Flags changed or mail expunged since the cursor's HIGHESTMODSEQ (asked after the new
        // mail below, for every UID up to the old top).
        let changes_since = match (conn.caps.condstore, bc.modseq) {
            (true, Some(known))
                if state.highest_modseq.is_none_or(|now| now > known)
                    && bc.top > 0
                    && bc.below <= 1 =>
            {
                Some((known, bc.top))
            }
            _ => None,
        };

        // Replies' copies that were pending when read: those confirmed since are read now, those
        // removed are forgotten (they were never ingested, so their expunge touches nothing).
        if !bc.pending.is_empty() {
            let set: Vec<String> = bc.pending.iter().map(u32::to_string).collect();
            let held = std::mem::take(&mut bc.pending);
            let mut settled = Vec::new();
            for f in uid_fetch(&mut conn.session, &set.join(","), "(UID FLAGS)").await? {
                match f.uid.filter(|u| held.contains(u)) {
                    Some(uid) if is_pending(&f) => bc.pending.push(uid),
                    Some(uid) => settled.push(uid.to_string()),
                    None => {}
                }
            }
            if !settled.is_empty() {
                for f in uid_fetch(&mut conn.session, &settled.join(","), FETCH_ITEMS).await? {
                    if f.uid.is_some_and(|u| held.contains(&u)) {
                        take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                    }
                }
            }
        }

        // New mail since the last fetch, oldest first, a page at a time. An explicit upper bound
        // instead of `*`: `top+1:*` returns the last message again when nothing is new.
        if last > bc.top {
            let hi = last.min(bc.top.saturating_add(page));
            for f in uid_fetch(
                &mut conn.session,
                &format!("{}:{hi}", bc.top + 1),
                FETCH_ITEMS,
            )
            .await?
            {
                if f.uid.is_some_and(|u| u > bc.top) {
                    take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                }
            }
            bc.top = hi;
            more |= hi < last;
        }
        if let Some((known, old_top)) = changes_since {
            // Flags changed on mail already read: what another client marked \Seen is marked
            // read here. With QRESYNC the same command reports what was expunged since
            // (`VANISHED (EARLIER)`, RFC 7162 §3.2.6) — only when HIGHESTMODSEQ is known, so the
            // cursor moves past them and they are not reported at every fetch.
            let vanished = conn.caps.qresync && state.highest_modseq.is_some();
            conn::drain_unsolicited(conn);
            let changed = uid_fetch(
                &mut conn.session,
                &format!("1:{old_top}"),
                &format!(
                    "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) (CHANGEDSINCE {known}{})",
                    if vanished { " VANISHED" } else { "" }
                ),
            )
            .await?;
            let mut newest = known.max(state.highest_modseq.unwrap_or(0));
            for f in &changed {
                newest = newest.max(f.modseq.unwrap_or(0));
                if is_seen(f)
                    && let Some(id) = f.header().and_then(header_message_id)
                {
                    seen.seen.push(id);
                }
            }
            let (gone, _) = conn::drain_unsolicited(conn);
            if vanished {
                seen.gone(name, uidvalidity, gone);
            }
            tracing::debug!(mailbox = name, changed = changed.len(), "flag changes");
            bc.modseq = Some(newest);
        }
        if !conn.caps.qresync && bc.top > 0 && bc.below <= 1 {
            // Without QRESYNC, expunges are found by comparing the UIDs that still exist with
            // the cursor: each time the mailbox is SELECTed (so after every reconnect), and
            // again when the server announced an EXPUNGE in the selected mailbox.
            let first_look = !conn.checked_gone.iter().any(|n| n == name);
            if first_look || (conn.expunged && conn.selected.as_deref() == Some(name)) {
                let present = uid_search(&mut conn.session, &format!("UID 1:{}", bc.top)).await?;
                seen.gone(name, uidvalidity, missing_ranges(&present, bc.top));
                if first_look {
                    conn.checked_gone.push(name.to_string());
                }
                conn.expunged = false;
            }
        }

        // The first sync's backlog, newest first. UIDs can be sparse after expunges, so keep
        // walking down a few ranges until a page is filled.
        let mut collected = 0usize;
        let mut ranges = 0;
        while bc.below > 1 && collected < page as usize && ranges < 8 {
            let hi = bc.below - 1;
            let lo = hi.saturating_sub(page - 1).max(1);
            for f in uid_fetch(&mut conn.session, &format!("{lo}:{hi}"), FETCH_ITEMS).await? {
                if f.uid.is_some_and(|u| u >= lo && u <= hi) {
                    take_or_hold(&mut bc, out, RawMessage::new(name, uidvalidity, &f));
                    collected += 1;
                }
            }
            bc.below = lo;
            ranges += 1;
        }
        bc.read = bc
            .read
            .saturating_add(u32::try_from(collected).unwrap_or(u32::MAX));
        more |= bc.below > 1;
        if !more && let Some(now) = state.highest_modseq {
            bc.modseq = Some(now.max(bc.modseq.unwrap_or(0)));
        }
        Ok((bc, more))
    }

    /// Parses, threads and maps a page of raw messages.
    fn to_batch(&self, raws: Vec<RawMessage>, elsewhere: Elsewhere) -> IngestBatch {
        let mut parsed: Vec<(RawMessage, ParsedEmail)> = raws
            .into_iter()
            .map(|r| {
                let p = parse_message(&r.body);
                (r, p)
            })
            .collect();
        let me = self.config.address.clone();
        // Oldest first, so a parent seen in the same page is threaded before its replies.
        parsed.sort_by_key(|(r, p)| sent_at(p, r));
        let mut index = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        let mut seen = HashSet::new();
        let mut messages = Vec::with_capacity(parsed.len());
        let mut html_bodies = Vec::new();
        let mut reply_parents = Vec::new();
        let mut read_elsewhere = elsewhere.seen;
        let mut server_locations = Vec::with_capacity(parsed.len());
        for (raw, p) in parsed {
            server_locations.push(ServerLocation {
                remote_id: p.remote_id.clone(),
                mailbox: raw.mailbox.clone(),
                uidvalidity: raw.uidvalidity,
                uid: raw.uid,
            });
            if !seen.insert(p.remote_id.clone()) {
                continue;
            }
            messages.push(self.to_incoming(&raw, &p, &me, &mut index));
            html_bodies.extend(html_body(&p));
            reply_parents.extend(reply_parents_of(&p));
            if raw.seen
                && messages
                    .last()
                    .is_some_and(|m| m.direction == Direction::Inbound)
            {
                read_elsewhere.push(p.remote_id.clone());
            }
        }
        IngestBatch {
            messages,
            edits: Vec::new(),
            html_bodies,
            reply_parents,
            read_elsewhere,
            server_locations,
            vanished: elsewhere.vanished,
            ..Default::default()
        }
    }

    fn to_incoming(
        &self,
        raw: &RawMessage,
        p: &ParsedEmail,
        me: &str,
        index: &mut ThreadIndex,
    ) -> IncomingMessage {
        let from_me = p.from.as_ref().is_some_and(|f| f.address == me);
        let direction = if from_me {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let customer_addr = if from_me {
            p.to.iter()
                .chain(p.cc.iter())
                .find(|a| a.address != me)
                .cloned()
        } else {
            p.from.clone()
        };
        let customer = person(customer_addr.as_ref());
        let sender = if from_me {
            RemotePerson {
                remote_id: me.to_string(),
                display_name: self
                    .config
                    .display_name
                    .clone()
                    .or_else(|| p.from.as_ref().and_then(|f| f.name.clone()))
                    .unwrap_or_else(|| me.to_string()),
                handle: None,
            }
        } else {
            customer.clone()
        };

        let (norm_subject, is_reply) = normalise_subject(&p.subject);
        let root = if let Some(first) = p.references.first() {
            index
                .msgs
                .get(first)
                .map_or_else(|| first.clone(), |i| i.root.clone())
        } else if let Some(parent) = p.in_reply_to.first() {
            index
                .msgs
                .get(parent)
                .map_or_else(|| parent.clone(), |i| i.root.clone())
        } else if is_reply
            && let Some(root) = index
                .by_subject
                .get(&(customer.remote_id.clone(), norm_subject))
        {
            root.clone()
        } else {
            p.remote_id.clone()
        };
        let at = sent_at(p, raw);
        index.remember(
            &p.remote_id,
            MsgInfo {
                root: root.clone(),
                subject: p.subject.clone(),
                references: p.references.clone(),
                sent_at: at,
            },
            &customer.remote_id,
        );

        let attachments = p
            .attachments
            .iter()
            .map(|a| Attachment {
                kind: a.kind,
                remote_ref: serde_json::to_string(&PartRef {
                    m: raw.mailbox.clone(),
                    v: raw.uidvalidity,
                    u: raw.uid,
                    p: a.index,
                    id: p.message_id.clone(),
                })
                .ok(),
                file_name: a.file_name.clone(),
                mime_type: Some(a.mime_type.clone()),
                size: i64::try_from(a.size).ok(),
                description: None,
            })
            .collect();
        let mut text = p.text.clone();
        if text.is_empty() && !p.subject.is_empty() {
            // A mail with only attachments still says something in the list.
            text = p.subject.clone();
        }
        IncomingMessage {
            remote_thread_id: root,
            remote_id: p.remote_id.clone(),
            direction,
            sender,
            customer,
            text,
            attachments,
            sent_at: at,
            reply_to_remote_id: p.in_reply_to.first().cloned(),
            subject: Some(p.subject.clone()).filter(|s| !s.trim().is_empty()),
            quoted_text: p.quoted.clone().filter(|q| !q.trim().is_empty()),
        }
    }
}

/// What changed on the server under mail already read, gathered over one fetch.
#[derive(Debug, Default)]
struct Elsewhere {
    /// Message-IDs another client marked `\Seen`.
    seen: Vec<String>,
    /// UIDs expunged, per mailbox.
    vanished: Vec<VanishedUids>,
}

impl Elsewhere {
    fn is_empty(&self) -> bool {
        self.seen.is_empty() && self.vanished.is_empty()
    }

    fn gone(&mut self, mailbox: &str, uidvalidity: u32, ranges: Vec<(u32, u32)>) {
        if !ranges.is_empty() {
            self.vanished.push(VanishedUids {
                mailbox: mailbox.to_string(),
                uidvalidity,
                ranges,
            });
        }
    }
}

/// The UIDs in `1..=top` absent from `present` (ascending), as inclusive ranges: what a server
/// without QRESYNC expunged (plus UIDs that never existed, which match nothing stored).
fn missing_ranges(present: &[u32], top: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    // u64 so that the UID after u32::MAX does not wrap.
    let mut next = 1u64;
    for &uid in present.iter().filter(|&&u| u >= 1 && u <= top) {
        if u64::from(uid) > next {
            out.push((next, u64::from(uid) - 1));
        }
        next = next.max(u64::from(uid) + 1);
    }
    if next <= u64::from(top) {
        out.push((next, u64::from(top)));
    }
    out.into_iter()
        .filter_map(|(a, b)| Some((u32::try_from(a).ok()?, u32::try_from(b).ok()?)))
        .collect()
}

/// The messages a mail answers, nearest first: In-Reply-To, then References from the newest
/// back (the store threads the mail with the first one it holds, so this survives restarts).
fn reply_parents_of(p: &ParsedEmail) -> Option<parley_domain::ReplyParents> {
    /// Enough to reach a stored ancestor; References can list a whole long conversation.
    const MAX_PARENTS: usize = 20;
    let mut parents: Vec<String> = Vec::new();
    for id in p.in_reply_to.iter().chain(p.references.iter().rev()) {
        if parents.len() == MAX_PARENTS {
            break;
        }
        if *id != p.remote_id && !parents.contains(id) {
            parents.push(id.clone());
        }
    }
    (!parents.is_empty()).then(|| parley_domain::ReplyParents {
        remote_id: p.remote_id.clone(),
        parents,
    })
}

/// What is kept of a message's HTML for the conversation view (stored at sync time so it shows
/// offline); `None` without HTML or when it is too large to keep (its text rendition shows).
pub fn html_body(p: &ParsedEmail) -> Option<parley_domain::HtmlBody> {
    let html = p.html.as_ref().filter(|h| h.len() <= MAX_HTML_BYTES)?;
    Some(parley_domain::HtmlBody {
        remote_id: p.remote_id.clone(),
        html: html.clone(),
        remote_images: p.remote_images.clone(),
        inline_parts: p
            .attachments
            .iter()
            .filter_map(|a| Some((a.content_id.clone()?, a.index)))
            .collect(),
    })
}

/// Sanitised HTML larger than this is not stored (a newsletter of many megabytes); the text shows.
pub const MAX_HTML_BYTES: usize = 1024 * 1024;

fn stalled() -> ChannelError {
    ChannelError::Transient("The IMAP server stopped answering in the middle of a sync.".into())
}

fn person(addr: Option<&EmailAddress>) -> RemotePerson {
    match addr {
        Some(a) => RemotePerson {
            remote_id: a.address.clone(),
            display_name: a.name.clone().unwrap_or_else(|| a.address.clone()),
            handle: None,
        },
        None => RemotePerson {
            remote_id: "unknown".into(),
            display_name: "Unknown sender".into(),
            handle: None,
        },
    }
}

/// The Date header when it is plausible, else the server's arrival time.
fn sent_at(p: &ParsedEmail, raw: &RawMessage) -> Millis {
    let now = now_millis();
    match p.date {
        Some(d) if d > 0 && d < now + 24 * 3600 * 1000 => d,
        _ => raw.internal_date.unwrap_or(now),
    }
}

/// One fetched message, detached from the IMAP response.
#[derive(Debug)]
struct RawMessage {
    mailbox: String,
    uidvalidity: u32,
    uid: u32,
    internal_date: Option<Millis>,
    /// `\Seen` on the server when read.
    seen: bool,
    /// Carries [`PENDING_KEYWORD`]: a reply's copy whose send is not settled.
    pending: bool,
    body: Vec<u8>,
}

impl RawMessage {
    fn new(mailbox: &str, uidvalidity: u32, f: &Fetch) -> Self {
        RawMessage {
            mailbox: mailbox.to_string(),
            uidvalidity,
            uid: f.uid.unwrap_or(0),
            internal_date: f.internal_date().map(|d| d.timestamp_millis()),
            seen: is_seen(f),
            pending: is_pending(f),
            body: f.body().map(<[u8]>::to_vec).unwrap_or_default(),
        }
    }
}

/// Adds a fetched message to the page, unless it is a reply's copy still marked pending: that one
/// is not shown (a reply later discarded would stay as a ghost) and is looked at again at the
/// next fetch (`BoxCursor::pending`).
fn take_or_hold(bc: &mut BoxCursor, out: &mut Vec<RawMessage>, raw: RawMessage) {
    if !raw.pending {
        out.push(raw);
        return;
    }
    if !bc.pending.contains(&raw.uid) {
        if bc.pending.len() >= MAX_PENDING_UIDS {
            bc.pending.remove(0);
        }
        bc.pending.push(raw.uid);
    }
}

fn is_seen(f: &Fetch) -> bool {
    f.flags()
        .any(|flag| matches!(flag, async_imap::types::Flag::Seen))
}

/// The Message-ID (without angle brackets) in a `HEADER.FIELDS (MESSAGE-ID)` answer.
fn header_message_id(header: &[u8]) -> Option<String> {
    mail_parser::MessageParser::default()
        .parse(header)?
        .message_id()
        .and_then(parse::clean_id)
}

/// The first sync still under way (INBOX, then Sent): its mailbox and how many of the messages
/// it held when it began have been read.
fn first_sync_progress(cur: &Cursor) -> Option<parley_domain::SyncProgress> {
    let b = cur.boxes.values().find(|b| b.below > 1)?;
    let total = b.total.max(b.read);
    Some(parley_domain::SyncProgress {
        scope: b.name.clone(),
        done: u64::from(b.read),
        total: u64::from(total),
    })
}

/// The highest UID above `top` in the selected mailbox, if any (`UID SEARCH`, answered from the
/// server's index; `top+1:*` also matches the last message when nothing is newer, hence the
/// filter).
async fn newest_uid_above(
    session: &mut conn::Session,
    top: u32,
) -> Result<Option<u32>, ChannelError> {
    let uids = uid_search(session, &format!("UID {}:*", top.saturating_add(1))).await?;
    Ok(uids.into_iter().filter(|u| *u > top).max())
}

/// Waits in IDLE on INBOX until something happens or `left` passes. Returns whether the server
/// reported anything (or mail arrived just before IDLE began).
async fn idle(
    mut conn: Conn,
    inbox: Option<(u32, Option<u64>)>,
    left: Duration,
    step_limit: Duration,
) -> Result<(Conn, bool), ChannelError> {
    // Whether mail came in since the sync step looked: asked of INBOX as it is selected, or
    // told by selecting it.
    if conn.selected.as_deref() == Some("INBOX") {
        if let Some((top, _)) = inbox {
            let (newer, changed) = timeout(step_limit, async {
                conn.session.noop().await.map_err(imap_error)?;
                // An expunge or flag change the NOOP reported is not reported again in IDLE.
                let (_, changed) = conn::drain_unsolicited(&mut conn);
                Ok::<_, ChannelError>((newest_uid_above(&mut conn.session, top).await?, changed))
            })
            .await
            .map_err(|_| stalled())??;
            if newer.is_some() || changed {
                return Ok((conn, true));
            }
        }
    } else {
        conn.selected = None;
        conn::drain_unsolicited(&mut conn);
        conn.expunged = false;
        let caps = conn.caps;
        let mb = timeout(step_limit, async {
            if caps.condstore {
                conn.session.select_condstore("INBOX").await
            } else {
                conn.session.select("INBOX").await
            }
        })
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
        conn.selected = Some("INBOX".into());
        conn.checked_gone.retain(|n| n != "INBOX");
        // New mail, or flags changed / mail expunged since the sync step looked.
        if let Some((top, known)) = inbox
            && (mb.uid_next.is_some_and(|next| next > top + 1)
                || mb
                    .highest_modseq
                    .is_some_and(|now| known.is_some_and(|k| now > k)))
        {
            return Ok((conn, true));
        }
    }
    let caps = conn.caps;
    let checked_gone = std::mem::take(&mut conn.checked_gone);
    let mut expunged = conn.expunged;
    let mut handle = conn.session.idle();
    timeout(step_limit, handle.init())
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
    let (wait, _stop) = handle.wait_with_timeout(left.min(IDLE_REISSUE));
    let outcome = timeout(left.min(IDLE_REISSUE), wait).await;
    let arrived = match outcome {
        // A closed connection also ends as ManualInterrupt in async-imap; nothing here
        // interrupts manually, so it means the server went away.
        Ok(Ok(async_imap::extensions::idle::IdleResponse::ManualInterrupt)) => {
            return Err(ChannelError::Transient(
                "The connection to the IMAP server was lost while waiting for new mail.".into(),
            ));
        }
        Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(data))) => {
            // Without QRESYNC an expunge arrives as EXPUNGE (with it, as VANISHED, which the
            // sync step then asks for with CHANGEDSINCE … VANISHED).
            expunged |= matches!(data.parsed(), async_imap::imap_proto::Response::Expunge(_));
            true
        }
        Ok(Ok(async_imap::extensions::idle::IdleResponse::Timeout)) | Err(_) => false,
        Ok(Err(e)) => return Err(imap_error(e)),
    };
    let session = timeout(step_limit, handle.done())
        .await
        .map_err(|_| stalled())?
        .map_err(imap_error)?;
    Ok((
        Conn {
            session,
            caps,
            selected: Some("INBOX".into()),
            checked_gone,
            expunged,
        },
        arrived,
    ))
}

/// The Sent mailbox: SPECIAL-USE `\Sent` first, then the usual names.
async fn find_sent_mailbox(conn: &mut Conn) -> Result<Option<String>, ChannelError> {
    let names: Vec<async_imap::types::Name> = conn
        .session
        .list(Some(""), Some("*"))
        .await
        .map_err(imap_error)?
        .try_collect()
        .await
        .map_err(imap_error)?;
    let selectable = |n: &async_imap::types::Name| {
        !n.attributes()
            .iter()
            .any(|a| matches!(a, NameAttribute::NoSelect))
    };
    if let Some(n) = names.iter().find(|n| {
        selectable(n)
            && n.attributes()
                .iter()
                .any(|a| matches!(a, NameAttribute::Sent))
    }) {
        return Ok(Some(n.name().to_string()));
    }
    for candidate in SENT_NAMES {
        if let Some(n) = names
            .iter()
            .find(|n| selectable(n) && n.name().eq_ignore_ascii_case(candidate))
        {
            return Ok(Some(n.name().to_string()));
        }
    }
    Ok(None)
}

/// The IMAP keyword on a reply's copy in Sent while its SMTP outcome is not known: written with
/// the copy *before* SMTP is called, taken off once SMTP accepted the mail, the copy removed when
/// SMTP refused it before the end of DATA. See [`EmailChannel::sent_record`].
pub const PENDING_KEYWORD: &str = "$ParleyPending";

/// Whether a mailbox keeps Parley's keyword (PERMANENTFLAGS lists `\*` or the keyword itself).
fn keeps_pending_keyword(mb: &async_imap::types::Mailbox) -> bool {
    use async_imap::types::Flag;
    mb.permanent_flags.iter().any(|f| match f {
        Flag::MayCreate => true,
        Flag::Custom(k) => k.eq_ignore_ascii_case(PENDING_KEYWORD),
        _ => false,
    })
}

fn is_pending(f: &Fetch) -> bool {
    f.flags().any(|flag| {
        matches!(flag, async_imap::types::Flag::Custom(k) if k.eq_ignore_ascii_case(PENDING_KEYWORD))
    })
}

fn is_deleted(f: &Fetch) -> bool {
    f.flags()
        .any(|flag| matches!(flag, async_imap::types::Flag::Deleted))
}

/// `UID SEARCH` for the pending copies of a Message-ID (not those already marked deleted).
fn pending_query(id: &str) -> String {
    format!(
        "HEADER Message-ID {} KEYWORD {PENDING_KEYWORD} NOT DELETED",
        quote(&format!("<{id}>"))
    )
}

/// Where a reply's copy in Sent stands before SMTP is called.
#[derive(Debug, Clone)]
enum SentPlan {
    /// The account has no Sent mailbox: no copy (reconciliation cannot tell).
    NoSent,
    /// Sent does not keep keywords: the copy is appended after SMTP accepted the mail, as
    /// before (reconciliation then cannot prove a reply was not sent).
    After(String),
    /// The pending copy, written.
    Pending(SentCopy),
}

/// Appends the reply's exact bytes to Sent with [`PENDING_KEYWORD`] (and `\Seen`).
async fn write_pending_copy(
    conn: &mut Conn,
    id: &str,
    formatted: &[u8],
) -> Result<SentPlan, ChannelError> {
    let Some(sent) = find_sent_mailbox(conn).await? else {
        return Ok(SentPlan::NoSent);
    };
    // SELECT, not EXAMINE: a read-only mailbox reports no PERMANENTFLAGS.
    let mb = conn.session.select(&sent).await.map_err(imap_error)?;
    if !keeps_pending_keyword(&mb) {
        return Ok(SentPlan::After(sent));
    }
    let appended = conn::append(
        &mut conn.session,
        &sent,
        &format!("\\Seen {PENDING_KEYWORD}"),
        formatted,
    )
    .await?;
    let copy = match appended {
        Some((v, u)) => SentCopy {
            mailbox: sent,
            uidvalidity: Some(v),
            uid: Some(u),
        },
        // No UIDPLUS: the newest pending copy of this Message-ID is the one just written.
        None => {
            let uids = uid_search(&mut conn.session, &pending_query(id)).await?;
            SentCopy {
                mailbox: sent,
                uidvalidity: mb.uid_validity,
                uid: uids.last().copied(),
            }
        }
    };
    conn::drain_unsolicited(conn);
    Ok(SentPlan::Pending(copy))
}

/// SELECTs the copy's mailbox and finds its UID again (by APPENDUID when the mailbox was not
/// rebuilt since, else the newest pending copy of the Message-ID). Also returns every pending
/// copy of the Message-ID.
async fn locate_pending(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<(Option<u32>, Vec<u32>), ChannelError> {
    let mb = conn
        .session
        .select(&copy.mailbox)
        .await
        .map_err(imap_error)?;
    let pending = uid_search(&mut conn.session, &pending_query(id)).await?;
    let same = copy.uidvalidity.is_none_or(|v| mb.uid_validity == Some(v));
    let ours = copy
        .uid
        .filter(|u| same && pending.contains(u))
        .or_else(|| pending.last().copied());
    Ok((ours, pending))
}

/// `UID STORE` on a set of UIDs of the selected mailbox.
async fn uid_store(conn: &mut Conn, uids: &[u32], query: &str) -> Result<(), ChannelError> {
    let set: Vec<String> = uids.iter().map(u32::to_string).collect();
    let stream = conn
        .session
        .uid_store(set.join(","), query)
        .await
        .map_err(imap_error)?;
    let _: Vec<Fetch> = stream.try_collect().await.map_err(imap_error)?;
    Ok(())
}

/// Marks the given UIDs of the selected mailbox `\Deleted` and, with UIDPLUS, expunges exactly
/// those (never a plain EXPUNGE, which would also remove what others marked deleted). Without
/// UIDPLUS they stay marked deleted; [`EmailChannel::sent_record`] ignores a pending copy so
/// marked.
async fn remove_uids(conn: &mut Conn, uids: &[u32]) -> Result<(), ChannelError> {
    if uids.is_empty() {
        return Ok(());
    }
    uid_store(conn, uids, "+FLAGS.SILENT (\\Deleted)").await?;
    if conn.caps.uidplus {
        let set: Vec<String> = uids.iter().map(u32::to_string).collect();
        let stream = conn
            .session
            .uid_expunge(set.join(","))
            .await
            .map_err(imap_error)?;
        let _: Vec<u32> = stream.try_collect().await.map_err(imap_error)?;
    }
    conn::drain_unsolicited(conn);
    Ok(())
}

/// SMTP accepted the mail: the copy loses [`PENDING_KEYWORD`]. Other pending copies of the same
/// Message-ID (an earlier attempt whose answer was lost, then "send again") are removed: the
/// confirmed copy now stands for them.
async fn confirm_pending_copy(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<SentCopy, ChannelError> {
    let (ours, pending) = locate_pending(conn, copy, id).await?;
    let Some(ours) = ours else {
        return Err(ChannelError::Rejected {
            code: 404,
            message: "The pending copy of the reply is no longer in Sent.".into(),
        });
    };
    uid_store(conn, &[ours], &format!("-FLAGS.SILENT ({PENDING_KEYWORD})")).await?;
    let stale: Vec<u32> = pending.into_iter().filter(|u| *u != ours).collect();
    remove_uids(conn, &stale).await?;
    Ok(SentCopy {
        uid: Some(ours),
        ..copy.clone()
    })
}

/// SMTP refused the mail (or could not be reached) before the end of DATA: nothing went out, so
/// this attempt's pending copy is removed — that UID only; pending copies of earlier attempts
/// (whose outcome is unknown) stay.
async fn remove_pending_copy(
    conn: &mut Conn,
    copy: &SentCopy,
    id: &str,
) -> Result<(), ChannelError> {
    let (ours, _) = locate_pending(conn, copy, id).await?;
    if let Some(ours) = ours {
        remove_uids(conn, &[ours]).await?;
    }
    Ok(())
}

/// Finds a message by Message-ID in INBOX, then Sent. Returns (mailbox, uid, raw bytes).
async fn fetch_by_message_id(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<(String, u32, Vec<u8>)>, ChannelError> {
    let Some(id) = parse::clean_id(id) else {
        return Ok(None);
    };
    let mut boxes = vec!["INBOX".to_string()];
    if let Some(sent) = find_sent_mailbox(conn).await? {
        boxes.push(sent);
    }
    for mailbox in boxes {
        conn.session.examine(&mailbox).await.map_err(imap_error)?;
        let uids = uid_search(
            &mut conn.session,
            &format!("HEADER Message-ID {}", quote(&format!("<{id}>"))),
        )
        .await?;
        if let Some(uid) = uids.last() {
            let fetched =
                uid_fetch(&mut conn.session, &uid.to_string(), "(UID BODY.PEEK[])").await?;
            if let Some(body) = fetched.iter().find_map(|f| f.body()) {
                return Ok(Some((mailbox, *uid, body.to_vec())));
            }
        }
    }
    Ok(None)
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
        let cur: Cursor = match cursor {
            Some(c) if !c.is_empty() => serde_json::from_str(c).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable email cursor; syncing again from the top");
                Cursor::default()
            }),
            _ => Cursor::default(),
        };
        let cur = Cursor { v: 1, ..cur };
        let deadline = Instant::now() + wait;
        let mut guard = self.sync.lock().await;
        let reused = guard.is_some();
        let conn = match guard.take() {
            Some(c) => c,
            None => connect_imap(&self.config).await?,
        };
        match self.fetch_on(conn, cur.clone(), wait).await {
            Ok((conn, fetched)) => {
                *guard = Some(conn);
                Ok(fetched)
            }
            Err(e) if reused && is_connection_error(&e) => {
                tracing::debug!(error = %e, "IMAP session was stale; reconnecting");
                let conn = connect_imap(&self.config).await?;
                // Only what is left of the wait: a drop during IDLE must not double it.
                let left = deadline.saturating_duration_since(Instant::now());
                let (conn, fetched) = self.fetch_on(conn, cur, left).await?;
                *guard = Some(conn);
                Ok(fetched)
            }
            Err(e) => Err(e),
        }
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
        let part: PartRef =
            serde_json::from_str(remote_ref).map_err(|_| ChannelError::Rejected {
                code: 0,
                message: "This attachment reference is not one Parley's email channel made.".into(),
            })?;
        let found = self
            .with_ops(move |conn| {
                let part = part.clone();
                Box::pin(async move {
                    let mb = conn.session.examine(&part.m).await.map_err(imap_error)?;
                    let mut raw = None;
                    if mb.uid_validity == Some(part.v) {
                        let fetched =
                            uid_fetch(&mut conn.session, &part.u.to_string(), "(UID BODY.PEEK[])")
                                .await?;
                        raw = fetched.iter().find_map(|f| f.body().map(<[u8]>::to_vec));
                    }
                    // The mailbox was rebuilt (or the message moved): find it by Message-ID.
                    if raw.is_none()
                        && let Some(id) = &part.id
                    {
                        raw = fetch_by_message_id(conn, id).await?.map(|(_, _, b)| b);
                    }
                    Ok(raw.and_then(|r| parse::attachment_bytes(&r, part.p)))
                })
            })
            .await?;
        match found {
            Some((bytes, file_name)) => Ok(Downloaded { bytes, file_name }),
            None => Err(ChannelError::Rejected {
                code: 404,
                message: "This attachment is no longer on the mail server (the message may have been deleted or moved).".into(),
            }),
        }
    }
}

/// The body of a reply with files: `multipart/mixed` with the text first, then each file as an
/// attachment with its own Content-Type (names beyond ASCII are encoded as RFC 2231 asks).
async fn with_attachments(
    message: &OutgoingMessage,
) -> Result<lettre::message::MultiPart, ChannelError> {
    use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
    let total: u64 = message.attachments.iter().map(|f| f.size).sum();
    if total > MAX_ATTACHMENTS_BYTES {
        return Err(ChannelError::Rejected {
            code: 0,
            message: format!(
                "The files add up to {:.1} MB; mail servers commonly accept 25 MB per message. Send fewer or smaller files.",
                total as f64 / (1024.0 * 1024.0)
            ),
        });
    }
    let mut mixed = MultiPart::mixed().singlepart(
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone()),
    );
    for file in &message.attachments {
        let bytes = file.read().await?;
        let content_type = ContentType::parse(&file.mime_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| ChannelError::Rejected {
                code: 0,
                message: format!(
                    "The file type of \"{}\" is not usable ({e}).",
                    file.file_name
                ),
            })?;
        mixed = mixed.singlepart(Attachment::new(file.file_name.clone()).body(bytes, content_type));
    }
    Ok(mixed)
}

/// What Parley sends in one email at most (the files together).
pub const MAX_ATTACHMENTS_BYTES: u64 = 25 * 1024 * 1024;

#[cfg(test)]
mod gone_tests {
    use super::missing_ranges;

    #[test]
    fn missing_ranges_are_the_gaps_up_to_the_top() {
        assert_eq!(missing_ranges(&[], 0), []);
        assert_eq!(missing_ranges(&[], 3), [(1, 3)]);
        assert_eq!(missing_ranges(&[1, 2, 3], 3), []);
        assert_eq!(missing_ranges(&[2, 5], 7), [(1, 1), (3, 4), (6, 7)]);
        // UIDs above the top (new mail not read yet) say nothing about what vanished.
        assert_eq!(missing_ranges(&[1, 9], 3), [(2, 3)]);
        assert_eq!(missing_ranges(&[u32::MAX], u32::MAX), [(1, u32::MAX - 1)]);
    }
}
