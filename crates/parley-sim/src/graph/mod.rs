//! A fake Meta Graph API (Messenger Platform and Instagram Messaging through a Facebook Page) that
//! a real Graph client can talk to.
//!
//! # Checked against Meta's documentation (search, May 2026), and where it differs from CHANNELS.md
//! - **Permissions**: Meta documents `GET /debug_token?input_token=…` as the way to learn what a
//!   token may do (`data.scopes`, `data.granular_scopes`, `data.is_valid`, `data.type` = `PAGE`).
//!   `/me/permissions` is documented for *user* tokens; the fake answers it for Page tokens too
//!   (same scopes) but the adapter uses `debug_token`. The Instagram permission Meta lists for the
//!   Page-linked flow is `instagram_manage_messages` (the Instagram-Login flow uses
//!   `instagram_business_manage_messages`, not reproduced).
//! - **Instagram's 20 messages**: Meta's conversations page says details are available for the 20
//!   most recent messages only. CHANNELS.md attributes this to Instagram only; the excerpts found
//!   did not settle whether Messenger shares it, so the fake applies it to Instagram only: the
//!   messages edge of an Instagram conversation ends after the newest 20 (no `next`), and
//!   `GET /{message-id}` of an older one answers 100 "message has been deleted".
//! - **updated_time**: the Instagram-Login host documents it as a Unix timestamp; the Page flow
//!   answers ISO 8601 with `+0000`. The fake always answers ISO 8601 (clients should accept both).
//! - **Rate limits**: Page-token calls are counted as *Business Use Case* limits, reported in
//!   `X-Business-Use-Case-Usage` (`{"<id>":[{"type","call_count","total_cputime","total_time",
//!   "estimated_time_to_regain_access"}]}`, the last in **minutes**); `X-App-Usage` is for app/user
//!   tokens. The fake sends both when usage is set or a rate-limit fault fires.
//! - **Handover**: Meta now recommends *Conversation Routing* over the Handover Protocol; the
//!   endpoints still exist. `GET /{page-id}/thread_owner?recipient=PSID` answers
//!   `{"data":[{"thread_owner":{"app_id"}}]}`; the conversation field `is_owner` (Conversation
//!   Routing) is also served in the conversation list: `true` when the caller's app owns the
//!   thread or nobody does (it may answer), `false` when another app (a bot, an inbox) does. It
//!   does not name the owner and a change of owner does not move `updated_time`.
//!   take_thread_control's documented errors are 551, 100, 190 and 200.
//! - **Code 1200** ("Temporary send message failure. Please try again later") and **613** ("Calls
//!   to this API have exceeded the rate limit") are on Meta's Send API error list as CHANNELS.md says.
//! - **HUMAN_AGENT not approved**: Meta does not document the exact answer; the fake answers 200
//!   (permissions error) with subcode 2018065, which clients should treat as "not allowed".
//!
//! # Reproduced
//! - Any `/vNN.N/` prefix (or none); token as `access_token` query/form parameter or
//!   `Authorization: Bearer`; unknown token → 400 code 190, expired → 190/463; every error is the
//!   envelope `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
//! - `GET /{page-id}` / `/me` (`id,name,instagram_business_account{id,username}`), `/debug_token`,
//!   `/me/permissions`, `GET /{page-id}/conversations?platform=&fields=&limit=&after=` (updated_time
//!   descending, keyset cursors, absolute `next` only when more exists, nested
//!   `messages.limit(n){…}`), `GET /{conversation-id}` and `/{conversation-id}/messages`,
//!   `GET /{message-id}`, attachment bytes at `image_data.url` / `file_url` (no token needed, like
//!   Meta's CDN), `POST /{page-id|me}/messages` with the 24 h window, HUMAN_AGENT (7 days, approval
//!   flag), refused deprecated tags, the 2000-character limit, 2018300 and 551 rules; the four
//!   handover endpoints and `thread_owner`.
//!
//! # Not reproduced
//! - Webhooks, attachments in sends, reactions, read receipts, unsent/deleted messages, Graph's
//!   field expansion beyond `messages`, batch requests, Conversation Routing configuration, real
//!   rate limiting (use [`Fault::RateLimited`] and [`FakeGraph::set_usage`]), idle-after-24 h
//!   thread ownership, the Requests folder.
//! - Limits: `limit` is clamped to 1–100 (Meta does not document the maximum for these edges).

mod fields;
mod http;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::faults::FaultQueue;

use state::State;

/// The Facebook Page Inbox's app id (secondary receiver for human agents).
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";
/// The Instagram Inbox's app id.
pub const IG_INBOX_APP_ID: &str = "1217981644879628";
/// The app id the fake says Parley's tokens belong to.
pub const DEFAULT_APP_ID: &str = "1458720971234567";
/// A bot app that may own threads in tests.
pub const BOT_APP_ID: &str = "1790024451123456";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Messenger,
    Instagram,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Messenger => "messenger",
            Platform::Instagram => "instagram",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstagramAccount {
    pub id: String,
    pub username: String,
}

#[derive(Clone, Debug)]
pub struct FakePage {
    pub id: String,
    pub name: String,
    /// The Page access token; requests with it act for this Page.
    pub token: String,
    pub instagram: Option<InstagramAccount>,
    /// What `debug_token` reports as granted.
    pub scopes: Vec<String>,
    /// Whether Parley's app is the Page's primary receiver (may take control from any app).
    pub primary_receiver: bool,
}

#[derive(Clone, Debug)]
pub struct FakeGraphConfig {
    pub pages: Vec<FakePage>,
    /// The app the tokens belong to (the caller's app in the handover protocol).
    pub app_id: String,
    /// When set, state is loaded from here on start and rewritten after every mutation.
    pub state_file: Option<PathBuf>,
    /// When set, the `/control/` API demands `Authorization: Bearer <secret>` (the demo sets a
    /// random one per run; see `server::Guard`).
    pub control_secret: Option<String>,
}

/// Every permission Parley asks for.
pub const ALL_SCOPES: &[&str] = &[
    "pages_messaging",
    "pages_read_engagement",
    "pages_manage_metadata",
    "pages_show_list",
    "instagram_basic",
    "instagram_manage_messages",
];

impl Default for FakeGraphConfig {
    fn default() -> Self {
        Self {
            pages: vec![FakePage {
                id: "104857600123456".to_owned(),
                name: "Parley Test Shop".to_owned(),
                token: "EAAGm0PX4ZCpsBAFakePageToken0123456789abcdefZDZD".to_owned(),
                instagram: Some(InstagramAccount {
                    id: "17841400008460056".to_owned(),
                    username: "parley.test.shop".to_owned(),
                }),
                scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                primary_receiver: true,
            }],
            app_id: DEFAULT_APP_ID.to_owned(),
            state_file: None,
            control_secret: None,
        }
    }
}

/// A customer of a Page on one platform (PSID or Instagram-scoped id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub page_id: String,
    pub platform: Platform,
    pub name: String,
    pub username: Option<String>,
}

/// A file a customer sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundAttachment {
    pub name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

static PHOTO_JPEG: &[u8] = include_bytes!("../../assets/damaged_parcel.jpg");

impl InboundAttachment {
    /// The built-in photo of a damaged parcel.
    pub fn photo() -> Self {
        Self {
            name: "damaged_parcel.jpg".to_owned(),
            mime_type: "image/jpeg".to_owned(),
            bytes: PHOTO_JPEG.to_vec(),
            width: Some(1280),
            height: Some(960),
        }
    }

    pub fn file(name: &str, mime_type: &str, bytes: &[u8]) -> Self {
        Self {
            name: name.to_owned(),
            mime_type: mime_type.to_owned(),
            bytes: bytes.to_vec(),
            width: None,
            height: None,
        }
    }
}

/// What an injection created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    pub conversation_id: String,
    pub message_id: String,
}

/// One Send API call that took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    pub seq: u64,
    pub page_id: String,
    pub conversation_id: String,
    pub recipient_id: String,
    pub message_id: String,
    pub text: String,
    pub messaging_type: String,
    pub tag: Option<String>,
    /// Unix seconds.
    pub at: i64,
    /// The file of an attachment upload (`text` is empty then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<SentAttachment>,
}

/// A file the Page sent; the conversation shows it, and `/cdn/{id}/{name}` serves its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentAttachment {
    /// `image`, `video`, `audio` or `file`, as the message said.
    pub kind: String,
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub size: u64,
}

/// One request as the fake received it, for rate-budget tests.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    /// The Page the token belongs to; empty when the token was unknown or absent.
    pub page_id: String,
    /// The operation, as faults name it.
    pub op: String,
    pub at: Instant,
}

/// A failure to return instead of a normal answer. Operations: `page`, `debug_token`,
/// `permissions`, `conversations`, `conversation`, `messages`, `message`, `send`, `handover`,
/// `thread_owner`, `cdn`, or `*`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Fault {
    /// Code 4, 17, 32 or 613 with the usage headers at 100 % and, when given, the wait.
    RateLimited {
        code: i64,
        estimated_minutes: Option<u32>,
    },
    /// 500 comes as a Graph envelope (code 2, is_transient); 502–504 as a proxy's HTML page.
    ServerError { status: u16 },
    /// Code 1200, "Temporary send message failure".
    TemporaryFailure,
    /// Code 190/463 for this one call.
    ExpiredToken,
    /// Read the request, say nothing for this long, then close the connection.
    Hang { secs: f64 },
    /// Perform the call, then close the connection without answering.
    AcceptThenDrop,
    /// 200 with a body that is not JSON.
    MalformedJson,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FakeGraphError {
    #[error("no conversation {0}")]
    UnknownConversation(String),
    #[error("no page {0}")]
    UnknownPage(String),
}

/// A Graph error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GraphError {
    pub status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
}

impl GraphError {
    pub fn new(status: u16, code: i64, subcode: Option<i64>, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            subcode,
            message: message.into(),
        }
    }

    pub fn param(message: impl Into<String>) -> Self {
        Self::new(400, 100, None, message)
    }

    pub fn unknown_path() -> Self {
        Self::new(
            400,
            100,
            Some(33),
            "Unsupported request - method type or path not supported, or the object does not exist or cannot be loaded due to missing permissions",
        )
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `2026-05-01T12:00:00+0000`, the form Graph uses for times.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

pub(crate) struct Inner {
    config: FakeGraphConfig,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    faults: FaultQueue<Fault>,
    requests: Mutex<Vec<RequestRecord>>,
    /// Usage percentage reported in the usage headers, when set.
    usage: Mutex<Option<u32>>,
    /// Where the fake listens, for absolute `next` links and attachment URLs.
    addr: SocketAddr,
}

impl Inner {
    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        crate::persist::mutate(
            &self.state,
            self.config.state_file.as_deref(),
            &self.changed,
            "fake graph",
            f,
        )
    }

    fn addr_text(&self) -> String {
        self.addr.to_string()
    }

    fn page(&self, page_id: &str) -> Option<&FakePage> {
        self.config.pages.iter().find(|p| p.id == page_id)
    }

    fn take_fault(&self, op: &str) -> Option<Fault> {
        self.faults.take(op)
    }

    fn add_fault(&self, op: &str, fault: Fault, times: u32) {
        self.faults.add(op, fault, times);
    }

    fn clear_faults(&self) {
        self.faults.clear();
    }

    fn log_request(&self, page_id: &str, op: &str) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RequestRecord {
                page_id: page_id.to_owned(),
                op: op.to_owned(),
                at: Instant::now(),
            });
    }

    fn usage(&self) -> Option<u32> {
        *self.usage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn inject(
        &self,
        person: &Person,
        from_page: bool,
        text: Option<String>,
        attachments: Vec<InboundAttachment>,
        created: Option<i64>,
    ) -> Injected {
        let created = created.unwrap_or_else(now_unix);
        let (conversation_id, message_id) =
            self.mutate(|s| s.push_message(person, from_page, text, attachments, created));
        Injected {
            conversation_id,
            message_id,
        }
    }

    fn person_in(&self, conversation_id: &str) -> Result<Person, FakeGraphError> {
        self.read(|s| {
            s.conversations
                .get(conversation_id)
                .map(|c| c.customer.clone())
                .ok_or_else(|| FakeGraphError::UnknownConversation(conversation_id.to_owned()))
        })
    }

    fn set_owner(&self, conversation_id: &str, app: Option<String>) -> Result<(), FakeGraphError> {
        self.mutate(|s| {
            let conv = s
                .conversations
                .get_mut(conversation_id)
                .ok_or_else(|| FakeGraphError::UnknownConversation(conversation_id.to_owned()))?;
            conv.owner = app;
            Ok(())
        })
    }
}

/// A running fake Graph API. Stops when dropped.
pub struct FakeGraph {
    inner: Arc<Inner>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl FakeGraph {
    /// Binds 127.0.0.1 on a free port and serves on a task of the current tokio runtime.
    pub async fn start(config: FakeGraphConfig) -> std::io::Result<FakeGraph> {
        let state = match &config.state_file {
            Some(path) => State::load(path)?.unwrap_or_default(),
            None => State::default(),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            config,
            state: Mutex::new(state),
            changed: watch::Sender::new(0),
            faults: FaultQueue::new(),
            requests: Mutex::new(Vec::new()),
            usage: Mutex::new(None),
            addr,
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(http::serve(listener, Arc::clone(&inner), shutdown_rx));
        tracing::debug!(%addr, "fake graph listening");
        Ok(FakeGraph {
            inner,
            addr,
            shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    fn first_page(&self) -> &FakePage {
        // The config always has a page in practice; a config without one is a test bug that the
        // first request would reveal, so fall back to an inert page instead of panicking.
        static NONE: std::sync::OnceLock<FakePage> = std::sync::OnceLock::new();
        self.inner.config.pages.first().unwrap_or_else(|| {
            NONE.get_or_init(|| FakePage {
                id: String::new(),
                name: String::new(),
                token: String::new(),
                instagram: None,
                scopes: Vec::new(),
                primary_receiver: false,
            })
        })
    }

    /// The first configured Page's id.
    pub fn page_id(&self) -> &str {
        &self.first_page().id
    }

    /// The first configured Page's access token.
    pub fn page_token(&self) -> &str {
        &self.first_page().token
    }

    /// The Instagram account linked to the first Page.
    pub fn instagram(&self) -> Option<&InstagramAccount> {
        self.first_page().instagram.as_ref()
    }

    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// A new customer of the first Page.
    pub fn customer(&self, platform: Platform, name: &str, username: Option<&str>) -> Person {
        let page = self.page_id().to_owned();
        self.inner
            .mutate(|s| s.add_person(&page, platform, name, username))
    }

    /// Gives a customer a profile picture: the User Profile API then answers `profile_pic`
    /// with a link to it on the fake CDN.
    pub fn set_profile_pic(&self, person: &Person, mime_type: &str, bytes: &[u8]) {
        let pic = state::ProfilePic {
            mime_type: mime_type.to_owned(),
            bytes: bytes.to_vec(),
        };
        self.inner.mutate(|s| {
            s.profile_pics.insert(person.id.clone(), pic);
        });
    }

    /// A customer already known, by id (PSID or Instagram-scoped id).
    pub fn person(&self, id: &str) -> Option<Person> {
        self.inner.read(|s| s.people.get(id).cloned())
    }

    /// A new customer of the given Page.
    pub fn customer_of(
        &self,
        page_id: &str,
        platform: Platform,
        name: &str,
        username: Option<&str>,
    ) -> Result<Person, FakeGraphError> {
        if self.inner.page(page_id).is_none() {
            return Err(FakeGraphError::UnknownPage(page_id.to_owned()));
        }
        Ok(self
            .inner
            .mutate(|s| s.add_person(page_id, platform, name, username)))
    }

    /// The customer writes now (their conversation is created on the first message).
    pub fn inject_text(&self, person: &Person, text: &str) -> Injected {
        self.inner
            .inject(person, false, Some(text.to_owned()), Vec::new(), None)
    }

    /// The customer writes, with attachments and an optional past `created_time` (Unix seconds).
    pub fn inject_message(
        &self,
        person: &Person,
        text: Option<&str>,
        attachments: Vec<InboundAttachment>,
        created_time: Option<i64>,
    ) -> Injected {
        self.inner.inject(
            person,
            false,
            text.map(str::to_owned),
            attachments,
            created_time,
        )
    }

    /// The Page writes from elsewhere (Business Suite, a bot): an echo the client did not send.
    pub fn inject_page_echo(
        &self,
        conversation_id: &str,
        text: &str,
        created_time: Option<i64>,
    ) -> Result<Injected, FakeGraphError> {
        let person = self.inner.person_in(conversation_id)?;
        Ok(self.inner.inject(
            &person,
            true,
            Some(text.to_owned()),
            Vec::new(),
            created_time,
        ))
    }

    /// Sets which app owns the thread (`None`: idle).
    pub fn set_thread_owner(
        &self,
        conversation_id: &str,
        app_id: Option<&str>,
    ) -> Result<(), FakeGraphError> {
        self.inner
            .set_owner(conversation_id, app_id.map(str::to_owned))
    }

    pub fn thread_owner(&self, conversation_id: &str) -> Option<String> {
        self.inner.read(|s| {
            s.conversations
                .get(conversation_id)
                .and_then(|c| c.owner.clone())
        })
    }

    /// Whether an app asked for control with request_thread_control.
    pub fn control_requested_by(&self, conversation_id: &str) -> Option<String> {
        self.inner.read(|s| {
            s.conversations
                .get(conversation_id)
                .and_then(|c| c.requested_by.clone())
        })
    }

    /// Meta approved (or withdrew) the HUMAN_AGENT tag for the first Page.
    pub fn approve_human_agent(&self, approved: bool) {
        let page = self.page_id().to_owned();
        self.inner.mutate(|s| {
            if approved {
                s.human_agent.insert(page);
            } else {
                s.human_agent.remove(&page);
            }
        });
    }

    /// The customer blocked the Page or left: sends answer 551.
    pub fn set_unavailable(
        &self,
        conversation_id: &str,
        unavailable: bool,
    ) -> Result<(), FakeGraphError> {
        self.inner.mutate(|s| {
            let conv = s
                .conversations
                .get_mut(conversation_id)
                .ok_or_else(|| FakeGraphError::UnknownConversation(conversation_id.to_owned()))?;
            conv.unavailable = unavailable;
            Ok(())
        })
    }

    /// Every later request with the first Page's token answers 190/463 until restored.
    pub fn expire_token(&self, expired: bool) {
        let page = self.page_id().to_owned();
        self.inner.mutate(|s| {
            if expired {
                s.expired_tokens.insert(page);
            } else {
                s.expired_tokens.remove(&page);
            }
        });
    }

    /// Reports this usage percentage in the usage headers of every answer (`None`: no headers).
    pub fn set_usage(&self, percent: Option<u32>) {
        *self
            .inner
            .usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = percent;
    }

    /// The next `times` calls of `op` (see [`Fault`]) get `fault`.
    pub fn inject_fault(&self, op: &str, fault: Fault, times: u32) {
        self.inner.add_fault(op, fault, times);
    }

    pub fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    pub fn sent_messages(&self) -> Vec<SentRecord> {
        self.inner.read(|s| s.sent.clone())
    }

    /// Every Graph request received, oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Conversation ids of the first Page on a platform, newest first.
    pub fn conversation_ids(&self, platform: Platform) -> Vec<String> {
        let page = self.page_id().to_owned();
        self.inner.read(|s| {
            s.listing(&page, platform)
                .iter()
                .map(|c| c.id.clone())
                .collect()
        })
    }

    /// Message ids of a conversation, oldest first, and whether each came from the Page.
    pub fn messages_of(&self, conversation_id: &str) -> Vec<(String, bool)> {
        self.inner.read(|s| {
            s.conversations
                .get(conversation_id)
                .map(|c| {
                    c.messages
                        .iter()
                        .map(|m| (m.id.clone(), m.from_page))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    pub fn is_seeded(&self) -> bool {
        self.inner.read(|s| s.seeded)
    }

    pub fn mark_seeded(&self) {
        self.inner.mutate(|s| s.seeded = true);
    }

    /// Resolves when anything in the state changes.
    pub fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_graph_times() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00+0000");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20+0000");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00+0000");
    }
}
