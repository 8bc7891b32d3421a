//! Email accounts: IMAP for reading (first sync newest first, then IDLE), SMTP for replies.
//!
//! **Secrets.** The password is kept in the keychain under `email:{address}` (the one
//! `"{channel}:{external id}"` rule). [`EmailSecret`] is an enum so that OAuth2 (XOAUTH2 for Gmail
//! and Microsoft) can be added later: the keychain entry would then hold the refresh token and the
//! settings say which kind it is.
//!
//! **Per-account settings** (settings table, key `email:{address}`, JSON
//! [`EmailAccountSettings`]): display name, login, both servers. Nothing secret. Written before
//! the account row, so a row never exists without them.
//!
//! **Reliable sends.** The adapter makes the Message-ID (`Channel::new_client_message_id`); the
//! dispatcher commits it in the outbox row before calling SMTP, and `Channel::reconcile` looks
//! for it in Sent when the answer was lost.
//!
//! # Mailboxes end to end
//!
//! `parley-channels/src/email` reads INBOX and Sent over IMAP (first sync newest first, one page per
//! fetch, INBOX before Sent, the mailbox kept selected between pages; then IDLE re-issued before
//! 29 min) and sends over SMTP; see its module doc for identity, cursor and threading. The facade
//! part is `parley-core/src/email.rs`.
//!
//! - **First-sync progress**: `Fetched.progress` (generic; email fills it from the mailbox's message
//!   count at its first SELECT and the messages read) travels in `SyncState::CatchingUp { progress }`,
//!   published after the page it counts is committed; the account row and the sync indicator show
//!   "Syncing INBOX — 12,400 of 50,000" and go back to "Live" when caught up.
//! - **Threading across restarts**: the adapter proposes a thread from its in-memory index, and
//!   passes each message's parents (`IngestBatch::reply_parents`); `apply_batch` files a message in
//!   the thread of the first parent the account already holds (or earlier in the batch), in the same
//!   transaction. A reply whose parent arrives *later* (newest-first first sync, References listing
//!   only the parent, a parent in Sent) starts its own thread, and the parents it named that the
//!   account did not hold are remembered (`message_parents`, migration 12: parent Message-ID → the
//!   thread). **Joining** (`parley-store/src/merge.rs`): when such a parent is stored, the waiting
//!   threads are merged into the thread it landed in, in the batch's transaction — messages, outbox
//!   items (their ids keep the written order for `due_outbox`), staged files, draft media links,
//!   labels, and any later table with a `thread_id`; both drafts are kept (survivor's text, a blank
//!   line, the other's); unread counts add up, open wins, the newest snippet; a mute moves with it
//!   (the `notifications` setting). The emptied thread is deleted; `IngestOutcome::merged_threads`
//!   becomes `EngineEvent::ThreadsMerged`, then `CoreEvent::ThreadMerged {from, into}`, and a window
//!   showing `from` opens `into`. Email accounts only, never across accounts.
//! - **Read elsewhere**: mail fetched with `\Seen`, and mail another client marks `\Seen` later
//!   (CONDSTORE: `UID FETCH 1:top (FLAGS …) (CHANGEDSINCE modseq)` once the first sync is done), go
//!   in `IngestBatch::read_elsewhere`: not counted unread when new, and a thread whose newest inbound
//!   message is among them is marked read. Nothing is written back to the server.
//! - **Expunges** (migration 11): each message's place on the server (mailbox, UIDVALIDITY, UID)
//!   goes in `IngestBatch::server_locations` → `message_locations`; UIDs the server says are gone go
//!   in `IngestBatch::vanished` (same transaction as the cursor, `parley-store/src/server_changes.rs`).
//!   A message with no location left is **kept** and marked `messages.deleted_on_server_at`
//!   (`MessageView.deletedOnServer`, "Deleted from the mailbox" on the bubble): a conversation must
//!   not lose history because someone tidied the mailbox. Found again (moved back) → unmarked.
//!   With QRESYNC (`ENABLE QRESYNC` at login; `EmailConfig::use_qresync`): the CONDSTORE fetch above
//!   becomes `UID FETCH 1:top (…) (CHANGEDSINCE m VANISHED)`, so flag changes and `VANISHED (EARLIER)`
//!   come in one round trip — on the selected mailbox (STATUS tells its HIGHESTMODSEQ, so it is asked
//!   only when something changed) and after a reconnect's SELECT. A `VANISHED`/`FETCH`/`EXPUNGE` during
//!   IDLE or NOOP wakes the fetch, which asks the same way. Why not `SELECT … (QRESYNC (v m))`:
//!   imap-proto 0.17 parses `VANISHED` and `ENABLED`, but async-imap 0.12 hands anything its SELECT
//!   parser does not know (VANISHED, the FETCHes of changed flags) to a 100-slot unsolicited channel
//!   that drops the overflow, and the `\Seen` changes need each message's Message-ID anyway; the
//!   CHANGEDSINCE … VANISHED fetch gets both in a parsed answer. Without QRESYNC (the fallback, tested
//!   on Dovecot with it turned off): after each SELECT (so after every reconnect) and after an
//!   `EXPUNGE` announcement, `UID SEARCH UID 1:top` is compared with the cursor and the missing UIDs
//!   are reported (gaps that never existed match nothing). Without CONDSTORE, an expunge racing the
//!   step before IDLE is seen at the next wake. Mail stored before migration 11 has no location, so
//!   its expunges are not noticed.
//!
//! - **Adding**: `add_email_account(address, displayName, username, password, imap, smtp)` logs in to
//!   both servers before saving anything; a wrong password (`authFailed`), an untrusted certificate,
//!   a TLS setting that does not match the port, and an unreachable host each give their own message
//!   naming the server. `Security::None` is accepted for 127.0.0.1/localhost only.
//! - **Reliable sends**: `Channel::new_client_message_id` (email: a fresh `parley.<uuid>@domain`)
//!   is committed in `outbox.client_message_id` (migration 5) by the dispatcher after the row moved
//!   to `sending` and *before* SMTP is called; a retry or a resend reuses it
//!   (`Store::outbox_client_message_id` keeps the first). It reaches the adapter in
//!   `OutgoingMessage.client_message_id`. **The copy in Sent is written first**, as a pending
//!   record: the exact bytes are APPENDed to Sent with the keyword `$ParleyPending` (and `\Seen`)
//!   *before* SMTP is called (APPEND failing → the send fails, nothing sent); SMTP accepted →
//!   `UID STORE -FLAGS ($ParleyPending)` on that copy (APPENDUID, else found by Message-ID), and
//!   older pending copies of the same Message-ID are removed; refused or unreachable before the end
//!   of DATA → that copy is removed (`\Deleted` + `UID EXPUNGE` of its UID only, never a plain
//!   EXPUNGE); the answer after DATA lost (`Uncertain`) → it stays pending. `reconcile`
//!   (`EmailChannel::sent_record`): a copy without the keyword → sent; only pending copies →
//!   unknown, the agent decides (also after a crash between the APPEND and SMTP: safe); no copy →
//!   not sent, proven because no SMTP call happens without a pending copy; no Sent mailbox, or a
//!   Sent that does not keep keywords (no `\*` in PERMANENTFLAGS; the copy is then appended after
//!   SMTP, as Parley once did) → unknown when nothing is found. Why: appending only after SMTP
//!   accepted made a lost answer after DATA (the server *did* take the mail, Parley never appended
//!   the copy) read as "not in Sent → not sent", and the reply went to the customer twice. The sync
//!   skips a copy still carrying the keyword (a reply later discarded would show as a ghost),
//!   keeps its UID in the cursor (`BoxCursor::pending`, at most 64) and reads it once the keyword is
//!   gone, where it merges with the outbox's message by Message-ID as before; a removed pending copy
//!   was never stored, so its expunge marks nothing "deleted from the mailbox". Someone deleting the
//!   copy from Sent by hand in another client is read as "not sent". Tested:
//!   `parley-channels/tests/it/email.rs` (each SMTP outcome against Dovecot + the sink),
//!   `parley-core/tests/it/email.rs` (a lost answer stays uncertain through the dispatcher and is
//!   delivered once), `parley-core/tests/it/email_expunge.rs` (pending copies are not messages,
//!   with and without QRESYNC). In-Reply-To/References come from the
//!   thread (the adapter's thread index, else the server).
//! - **Display**: `messages.subject` and `messages.quoted_text` (migration 5). The conversation
//!   shows the subject, the text with quoted history folded, and "Show quoted text".
//! - **HTML mail — the one exception to "no customer HTML in the DOM".** Why: real-world mail
//!   (invoices, order confirmations, newsletters, signatures with logos) is laid out in HTML, and its
//!   text rendition loses tables, emphasis and inline images the agent needs to read it faithfully.
//!   How it stays safe, in layers: (1) at sync time `email::sanitize_html` (ammonia allow-list: no
//!   script, style element, form, iframe, svg or event handlers; links http/https/mailto; relative
//!   URLs refused; `style` attributes reduced by `email/css.rs` to allow-listed properties — colours,
//!   fonts, text alignment/decoration, line height, non-negative bounded margins/paddings/borders/
//!   sizes, vertical-align, white-space, a few `display` values — with strictly matched values and
//!   rebuilt from what was checked: a style with an escape or comment is dropped whole, a
//!   declaration with `url()`, `expression()`, `var()`, `!important`, `/`, `@` or any other character
//!   is dropped, as are `position`, `z-index`, `transform`, `content` and huge sizes; plus checked
//!   `align`/`valign`/`bgcolor`/`width`/`height`/`border`/`cellpadding`/`cellspacing` on tables) and the result is stored in `message_html` (migration 9, with the
//!   remote-image URLs and the `cid:` → part map), so it shows offline; `MessageView.hasHtml`;
//!   (2) `message_html(messageId, loadRemote)` cleans it again with the same rules while resolving
//!   images (`render_html`): `cid:` → the message's part through `parley-media:`, remote images
//!   (kept as inert `parley-remote:N` placeholders) dropped, or, after the agent clicks "Load
//!   images", fetched **by Rust** (`core/media.rs::RemoteImages`: http/https, no cookies, proxy or
//!   referrer, 10 s and 5 MB each, 20 MB per mail, type by sniffing only, never a loopback, private,
//!   link-local or otherwise non-public address — checked at every DNS resolution and redirect —
//!   unless `PARLEY_ALLOW_LOCAL_MEDIA=1` for tests) and inlined as `data:` URIs: the webview never
//!   fetches a remote URL; (3) the document carries its own `<meta>` CSP (`default-src 'none'`,
//!   images from `data:` and the media scheme, inline styles only) on top of the app's, which a
//!   `srcdoc` frame inherits; (4) it is shown in an `<iframe sandbox="allow-same-origin" srcdoc>` —
//!   no scripts, popups, forms or top navigation (`ui/src/frame.test.ts` pins that it is the only
//!   `srcdoc`); same-origin only so the window can read the content's height and fit the frame.
//!   **Links**: WebKitGTK runs no listener of the window inside a script-less frame (verified in the
//!   real window), so a click cannot be caught there; instead `render_html` rewrites each http/https/
//!   mailto `href` (others are removed) to `parley-media://localhost/link?u=<url>`; the click
//!   navigates the frame to it (app CSP `frame-src` allows only the media scheme), and the scheme
//!   handler validates the URL again (`validate_link`), opens it with the system and answers 204, so
//!   the frame stays on the mail (the window restores the `srcdoc` should it ever not).
//!   "Show plain text" switches to the text rendition. Tested: `parse.rs` unit tests (placeholders cannot be forged, cid/remote resolution, styles kept through both cleanings), `css.rs` unit tests (hostile CSS: `url(javascript:)`, `expression()`, escapes, comments, overlays, huge values; kept styles),
//!   `parley-store/tests/it/html.rs`, `parley-core/tests/it/media.rs` (fetcher against a local server:
//!   image, non-image, oversize, redirect to 169.254.169.254, local names), `tests/e2e/test_media.py`
//!   (a hostile mail in Dovecot: no script runs, its inline colour is kept and its `position: fixed` and remote background are not, 0 requests before "Load images", ≥ 1 after). Mail
//!   synced before migration 9 shows its text rendition until its conversation is opened while the
//!   server is reachable: then each of its emails without kept HTML and without a server location
//!   (`Store::html_to_fetch`) is read once through `EmailChannel::body` in the background and its
//!   sanitised HTML stored (`email_html_checked`, migration 11, so it is read only once;
//!   unreachable → tried at the next open; `parley-core/src/email_html.rs`).

pub mod html;
mod settings;

use crate::adapter::{Adapter, AdapterHooks};
use crate::errors;
use crate::facade::{Parley, secret_key};
use crate::provider::Provider;
use async_trait::async_trait;
use parley_channels::Channel;
use parley_channels::email::{EmailChannel, Security, ServerConfig};
use parley_domain::*;
use parley_store::AccountRow;
use settings::{EmailAccountSettings, channel_for, config_of, password_kind, settings_key};
use std::sync::Arc;

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn security(s: EmailSecurity) -> Security {
    match s {
        EmailSecurity::Tls => Security::Tls,
        EmailSecurity::StartTls => Security::StartTls,
        EmailSecurity::None => Security::None,
    }
}

fn server(which: &str, s: &EmailServer) -> Result<ServerConfig, IpcError> {
    let host = s.host.trim().to_owned();
    if host.is_empty() || host.chars().any(char::is_whitespace) || host.contains('/') {
        return Err(invalid(format!(
            "Enter the {which} server's host name, such as {}.example.com.",
            if which == "IMAP" { "imap" } else { "smtp" }
        )));
    }
    if s.port == 0 {
        return Err(invalid(format!(
            "The {which} port must be a number from 1 to 65535."
        )));
    }
    Ok(ServerConfig {
        host,
        port: s.port,
        security: security(s.security),
    })
}

pub(crate) struct Email;

const NAME: &str = "email";

#[async_trait]
impl Provider for Email {
    fn name(&self) -> &'static str {
        NAME
    }

    fn channels(&self) -> &'static [ChannelKind] {
        &[ChannelKind::Email]
    }

    fn attachment_rule(&self) -> parley_channels::AttachmentRule {
        parley_channels::email::ATTACHMENT_RULE
    }

    async fn build(
        &self,
        app: &Parley,
        account: &AccountRow,
        password: &str,
    ) -> Result<Adapter, IpcError> {
        let (row, password) = (account.clone(), password.to_owned());
        let built = app
            .db
            .call(move |s| channel_for(s, &row, &password))
            .await
            .map_err(errors::store)?;
        let channel = built.ok_or_else(|| {
            IpcError::new(
                ErrorCode::AuthFailed,
                "Parley lost the server settings of this mailbox. Remove the account and add it again.",
            )
        })?;
        Ok(Adapter::new(Arc::new(channel)))
    }

    fn thread_opened(&self, app: &Parley, thread: ThreadId) {
        app.fetch_old_email_html(thread);
    }
}

impl AdapterHooks for EmailChannel {}

impl Parley {
    /// Logs in to the IMAP and the SMTP server (each failure says which server and what is
    /// wrong: password, certificate, unreachable host, TLS setting), keeps the password in the
    /// keychain and the rest in the settings, adds the account and starts syncing it.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_email_account(
        &self,
        address: String,
        display_name: Option<String>,
        username: String,
        password: String,
        imap: EmailServer,
        smtp: EmailServer,
    ) -> Result<AccountSummary, IpcError> {
        let address = address.trim().to_lowercase();
        let Some((local, domain)) = address.split_once('@') else {
            return Err(invalid(
                "Enter the full email address, such as support@example.com.",
            ));
        };
        if local.is_empty() || domain.is_empty() || address.chars().any(char::is_whitespace) {
            return Err(invalid(
                "Enter the full email address, such as support@example.com.",
            ));
        }
        let username = match username.trim() {
            "" => address.clone(),
            u => u.to_owned(),
        };
        if password.is_empty() {
            return Err(invalid("Enter the password of this mailbox."));
        }
        let settings = EmailAccountSettings {
            address: address.clone(),
            display_name: display_name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            username,
            imap: server("IMAP", &imap)?,
            smtp: server("SMTP", &smtp)?,
            auth: password_kind(),
        };
        let channel = Arc::new(EmailChannel::new(config_of(&settings, &password)));
        let identity = channel.validate().await.map_err(errors::channel)?;
        if self.already_added([&identity]).await?.is_some() {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!("The mailbox {address} is already in Parley."),
            ));
        }
        let key = secret_key(ChannelKind::Email, &identity.external_id);
        self.save_secret(&key, &password).await?;
        let json = serde_json::to_string(&settings)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let skey = settings_key(&identity.external_id);
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(&skey, &json, now))
            .await
            .map_err(errors::store)?;
        self.stop_demo().await?;
        let id = match self
            .insert_real_account(ChannelKind::Email, &identity)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                self.delete_secret(&key).await;
                return Err(errors::store(e));
            }
        };
        self.accounts_starting(&[id]);
        self.run(id, Adapter::new(channel));
        self.announce_added(&[id])
            .await?
            .pop()
            .ok_or_else(|| errors::not_found("account"))
    }
}
