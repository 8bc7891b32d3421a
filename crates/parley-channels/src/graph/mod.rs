//! Meta Graph API for a Facebook Page: Messenger and Instagram Direct (one struct, a `platform`).
//!
//! No webhook: new messages are found by polling `/{page-id}/conversations` (updated_time
//! descending) within the documented budget of 2 calls per second per Page, shared by fetch, send
//! and download ([`RateBudget`]).
//!
//! **Cursor** (JSON, stored by the sync engine with each batch): `mark` is the newest
//! `updated_time` seen at the *start* of the last complete walk; `known` the newest message id per
//! conversation; `partial` the conversations whose older history Meta does not expose (Instagram's
//! newest-20 limit); `walk` a walk in progress, resumed by the next fetch. A walk stops at the first
//! conversation with `updated_time` strictly *before* the mark (Graph times have one-second
//! precision, so a conversation updated within the mark's second is re-checked; its newest message
//! id, read inline, tells whether anything is new without another call). A conversation updated
//! while a walk is under way jumps to the top behind the walker; the next walk finds it because its
//! time is after the mark taken at the start, and reads it back to the last *known* id, never to a
//! time, so nothing in between is skipped.
//!
//! The Page token goes in an `Authorization: Bearer` header, only to the configured API base (also
//! when following `next` links); attachment URLs (Meta's CDN) are fetched without it.
//!
//! Files: `config` (how to reach a Page), `api` (one call within the budget), `account` (who the
//! Page is, validation), `cursor`, `fetch`, `window` (reply windows), `send`, `reconcile`,
//! `download`, `handover` (who controls a thread), `budget`, `wire` (Graph's JSON and errors).

mod account;
mod api;
mod budget;
mod config;
mod cursor;
mod download;
mod fetch;
/// Public only for the fuzzing suite (`fuzz/`, outside the workspace), which cannot reach the
/// private `wire` decoding otherwise.
#[doc(hidden)]
pub mod fuzzing;
mod handover;
mod reconcile;
mod send;
mod window;
mod wire;

pub use budget::RateBudget;
pub use config::{DEFAULT_API_BASE, DEFAULT_API_VERSION, GraphConfig, GraphPlatform};
pub use cursor::partial_history_threads;
pub use handover::{INSTAGRAM_INBOX_APP_ID, PAGE_INBOX_APP_ID};
pub use window::{HUMAN_AGENT_WINDOW, MessageTag, STANDARD_WINDOW, WindowState, window_state};

use crate::http::{self, Provider};
use crate::{
    AttachmentRule, Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled,
    SendReceipt,
};
use account::Me;
use async_trait::async_trait;
use parley_domain::{AccountIdentity, ChannelKind, Millis, ReplyWindow};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use window::millis;

const API: Provider = Provider("Facebook");

/// Meta limits message text to under 2000 characters.
pub const MAX_TEXT_CHARS: usize = 1999;
/// Instagram exposes only the newest 20 messages of a conversation in detail.
pub const INSTAGRAM_HISTORY_LIMIT: usize = 20;
/// The Send API's limit on an uploaded attachment.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// The Send API's attachment upload: one send per file, 25 MB each (Messenger and Instagram).
pub const ATTACHMENT_RULE: AttachmentRule = AttachmentRule::OnePerFile {
    max_file: MAX_ATTACHMENT_BYTES,
};

pub struct GraphChannel {
    http: reqwest::Client,
    cfg: GraphConfig,
    budget: Arc<RateBudget>,
    poll_interval_ms: AtomicU64,
    human_agent: AtomicBool,
    last_poll: Mutex<Option<Instant>>,
    /// The Page's own ids (Page id, linked Instagram account id) and name, learnt lazily.
    me: Mutex<Option<Me>>,
    app_id: Mutex<Option<String>>,
}

impl std::fmt::Debug for GraphChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphChannel")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl GraphChannel {
    pub fn new(cfg: GraphConfig) -> Result<Self, ChannelError> {
        let http = http::client()?;
        let budget = RateBudget::shared(
            &format!("{}|{}", cfg.api_base, cfg.page_id),
            cfg.budget_calls,
            cfg.budget_window,
        );
        Ok(Self {
            http,
            poll_interval_ms: AtomicU64::new(
                u64::try_from(cfg.poll_interval.as_millis()).unwrap_or(u64::MAX),
            ),
            human_agent: AtomicBool::new(cfg.human_agent_approved),
            budget,
            cfg,
            last_poll: Mutex::new(None),
            me: Mutex::new(None),
            app_id: Mutex::new(None),
        })
    }

    pub fn platform(&self) -> GraphPlatform {
        self.cfg.platform
    }

    /// Polls faster while an agent has a thread of this account open, slower when idle. The
    /// budget still caps the rate whatever is asked here.
    pub fn set_poll_interval(&self, interval: Duration) {
        self.poll_interval_ms.store(
            u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The Page setting "approved for HUMAN_AGENT".
    pub fn set_human_agent_approved(&self, approved: bool) {
        self.human_agent.store(approved, Ordering::Relaxed);
    }

    pub fn human_agent_approved(&self) -> bool {
        self.human_agent.load(Ordering::Relaxed)
    }

    /// The shared per-Page budget (tests and diagnostics).
    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.budget
    }
}

#[async_trait]
impl Channel for GraphChannel {
    fn kind(&self) -> ChannelKind {
        match self.cfg.platform {
            GraphPlatform::Messenger => ChannelKind::Messenger,
            GraphPlatform::Instagram => ChannelKind::Instagram,
        }
    }

    fn attachment_rule(&self) -> AttachmentRule {
        ATTACHMENT_RULE
    }

    /// Yes: the Conversations API lists history: a lost page is read again.
    fn pages_refetchable(&self) -> bool {
        true
    }

    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        self.validate_page().await
    }

    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        self.fetch_paced(cursor, wait).await
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        self.send_reply(message).await
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        self.download_attachment(remote_ref).await
    }

    async fn profile_photo(&self, remote_id: &str) -> Result<Option<Downloaded>, ChannelError> {
        self.profile_picture(remote_id).await
    }

    fn reply_window(&self) -> ReplyWindow {
        // The outbox re-checks against this before sending. For a Page approved for HUMAN_AGENT
        // the window that matters is the 7 days: `send` tags a reply past 24 h itself.
        if self.human_agent_approved() {
            ReplyWindow::SinceLastInbound {
                millis: millis(HUMAN_AGENT_WINDOW),
                alternative: None,
            }
        } else {
            ReplyWindow::SinceLastInbound {
                millis: millis(STANDARD_WINDOW),
                alternative: None,
            }
        }
    }

    async fn reconcile(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        self.reconcile_inner(message, queued_at).await
    }
}
