//! A fake Telegram Bot API server that a real client library can talk to.
//!
//! # Reproduced
//! - URL layout `/bot<token>/<method>` and `/file/bot<token>/<file_path>`; method names are
//!   case-insensitive; GET and POST; parameters from the query string, a JSON body or a
//!   form-urlencoded body (nested objects such as `reply_parameters` may be JSON strings in
//!   forms, as real clients send them).
//! - The envelope `{"ok":true,"result":…}` / `{"ok":false,"error_code","description",
//!   "parameters":{"retry_after"}}` with the matching HTTP status; 401 "Unauthorized" for a wrong
//!   token, 404 "Not Found" for an unknown method.
//! - getMe, getUpdates (offset confirmation, negative offset, limit clamped to 1–100, long
//!   polling, `allowed_updates` remembered between calls and applied only to updates created
//!   afterwards, 24 h retention counted from when the update was created), the two 409s
//!   (second poller terminates the first; webhook active), setWebhook / deleteWebhook /
//!   getWebhookInfo, sendMessage (text trimmed, 1–4096 characters, chat not found, blocked 403,
//!   `reply_parameters` and legacy `reply_to_message_id`, `allow_sending_without_reply`), getFile,
//!   getUserProfilePhotos (one size per photo)
//!   plus file download.
//! - Private chats only; message ids per chat, shared by inbound and outbound messages; update ids
//!   start at an arbitrary large number; user ids exceed 32 bits.
//!
//! # Not reproduced
//! - Groups, channels, business connections, callbacks, inline mode, any method not listed above,
//!   multipart uploads, `parse_mode` (text length is counted on the raw text, not after entity
//!   parsing), entities, webhooks actually being called, real rate limiting (use
//!   [`Fault::RateLimited`]), the 20 MB getFile cap, expiry of file links.
//! - On real Telegram a bot's private-chat message ids come from one counter per bot, not per chat;
//!   clients must key on (chat id, message id) either way, which per-chat counters test harder.
//! - [`Fault::TruncatedJson`] and [`Fault::MalformedJson`] do not perform the call.

mod http;
mod state;
pub mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::faults::FaultQueue;

pub use wire::{Message, Update};

use state::State;

/// Identity returned by getMe.
#[derive(Clone, Debug)]
pub struct BotIdentity {
    pub id: i64,
    pub first_name: String,
    pub username: String,
}

#[derive(Clone, Debug)]
pub struct FakeTelegramConfig {
    /// Every token here is accepted and names the same bot.
    pub tokens: Vec<String>,
    pub bot: BotIdentity,
    /// When set, the whole state is loaded from here on start and rewritten after every mutation.
    pub state_file: Option<PathBuf>,
    /// When set, the `/control/` API demands `Authorization: Bearer <secret>` (the demo sets a
    /// random one per run; see `server::Guard`).
    pub control_secret: Option<String>,
    /// Upper bound on how long one getUpdates may hold; `None` honours the requested timeout.
    pub long_poll_cap: Option<Duration>,
    /// Telegram forgets unconfirmed updates after 24 h; tests may shorten it.
    pub update_retention: Duration,
}

impl Default for FakeTelegramConfig {
    fn default() -> Self {
        Self {
            tokens: vec!["110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".to_owned()],
            bot: BotIdentity {
                id: 110_201_543,
                first_name: "Parley Test Bot".to_owned(),
                username: "parley_test_bot".to_owned(),
            },
            state_file: None,
            control_secret: None,
            long_poll_cap: None,
            update_retention: Duration::from_secs(24 * 3600),
        }
    }
}

/// A simulated Telegram user with a private chat with the bot (chat id = user id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl Customer {
    pub fn chat_id(&self) -> i64 {
        self.id
    }

    pub fn user(&self) -> wire::User {
        wire::User {
            id: self.id,
            is_bot: false,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            username: self.username.clone(),
            language_code: self.language_code.clone(),
            can_join_groups: None,
            can_read_all_group_messages: None,
            supports_inline_queries: None,
            can_connect_to_business: None,
            has_main_web_app: None,
        }
    }

    pub fn chat(&self) -> wire::Chat {
        wire::Chat {
            id: self.id,
            kind: "private".to_owned(),
            first_name: Some(self.first_name.clone()),
            last_name: self.last_name.clone(),
            username: self.username.clone(),
        }
    }
}

/// What a customer can send. Media bytes for photos, voice notes and stickers are built in.
#[derive(Clone, Debug, PartialEq)]
pub enum InboundContent {
    Text(String),
    Photo {
        caption: Option<String>,
    },
    Document {
        file_name: String,
        mime_type: String,
        bytes: Vec<u8>,
    },
    Voice {
        duration: u32,
    },
    Sticker {
        emoji: String,
    },
    Location {
        lat: f64,
        lon: f64,
    },
    Contact {
        phone: String,
        first_name: String,
    },
}

/// A failure to inject into the next calls instead of a normal answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Fault {
    /// 429 "Too Many Requests: retry after N" with `parameters.retry_after`.
    RateLimited {
        retry_after: u32,
    },
    /// 502, 503 and 504 come back as the HTML page a proxy would serve; others as an envelope.
    ServerError {
        status: u16,
    },
    Unauthorized,
    /// The webhook flavour of 409.
    Conflict,
    /// Read the request, then say nothing for this long and close the connection.
    Hang {
        secs: f64,
    },
    MalformedJson,
    TruncatedJson,
    /// Perform the call, then close the connection without answering: the sender cannot know
    /// whether its message went out.
    AcceptThenDrop,
}

/// One sendMessage that took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    /// Counts every send ever made, so followers can tell new records from old ones.
    pub seq: u64,
    pub chat_id: i64,
    pub message_id: i64,
    pub text: String,
    pub reply_to: Option<i64>,
    pub date: i64,
    /// The file of a sendPhoto/sendDocument (its caption is `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<SentFile>,
}

/// A file a bot sent; `file_id` downloads the same bytes through getFile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentFile {
    /// `photo` or `document`, as the method used.
    pub kind: String,
    pub file_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub size: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FakeError {
    #[error("no customer with chat id {0}")]
    UnknownChat(i64),
    #[error("no inbound message {message_id} in chat {chat_id}")]
    UnknownMessage { chat_id: i64, message_id: i64 },
}

/// A Bot API error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub fn chat_not_found() -> Self {
        Self::new(400, "Bad Request: chat not found")
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(crate) struct Inner {
    config: FakeTelegramConfig,
    state: Mutex<State>,
    /// Bumped after every mutation; long pollers and waiters watch it.
    changed: watch::Sender<u64>,
    /// Each getUpdates takes a new generation; an older one still waiting sees it and yields.
    poll_generation: AtomicU64,
    faults: FaultQueue<Fault>,
    request_log: Mutex<Vec<(String, Instant)>>,
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
            "fake telegram",
            f,
        )
    }

    fn bot_user(&self) -> wire::User {
        wire::User {
            id: self.config.bot.id,
            is_bot: true,
            first_name: self.config.bot.first_name.clone(),
            last_name: None,
            username: Some(self.config.bot.username.clone()),
            language_code: None,
            can_join_groups: Some(true),
            can_read_all_group_messages: Some(false),
            supports_inline_queries: Some(false),
            can_connect_to_business: Some(false),
            has_main_web_app: Some(false),
        }
    }

    fn take_fault(&self, method: &str) -> Option<Fault> {
        self.faults.take(method)
    }

    fn log_request(&self, method: &str) {
        self.request_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((method.to_owned(), Instant::now()));
    }

    fn inject(
        &self,
        chat_id: i64,
        content: InboundContent,
        date: Option<i64>,
    ) -> Result<Message, FakeError> {
        let now = now_unix();
        self.mutate(|s| s.inject(chat_id, content, date.unwrap_or(now), now))
    }

    fn set_blocked(&self, chat_id: i64, blocked: bool) -> Result<(), FakeError> {
        self.mutate(|s| {
            let chat = s
                .chats
                .get_mut(&chat_id)
                .ok_or(FakeError::UnknownChat(chat_id))?;
            chat.blocked = blocked;
            Ok(())
        })
    }

    fn set_webhook(&self, url: Option<String>) {
        self.mutate(|s| s.webhook_url = url);
    }

    fn clear_faults(&self) {
        self.faults.clear();
    }

    fn add_fault(&self, method: &str, fault: Fault, times: u32) {
        self.faults.add(&method.to_ascii_lowercase(), fault, times);
    }
}

/// A running fake server. Stops when dropped.
pub struct FakeTelegram {
    inner: Arc<Inner>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl FakeTelegram {
    /// Binds 127.0.0.1 on a free port and serves on a tokio task of the current runtime.
    pub async fn start(config: FakeTelegramConfig) -> std::io::Result<FakeTelegram> {
        let state = match &config.state_file {
            Some(path) => State::load(path)?.unwrap_or_else(State::fresh),
            None => State::fresh(),
        };
        let inner = Arc::new(Inner {
            config,
            state: Mutex::new(state),
            changed: watch::Sender::new(0),
            poll_generation: AtomicU64::new(0),
            faults: FaultQueue::new(),
            request_log: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(http::serve(listener, Arc::clone(&inner), shutdown_rx));
        tracing::debug!(%addr, "fake telegram listening");
        Ok(FakeTelegram {
            inner,
            addr,
            shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured token.
    pub fn token(&self) -> &str {
        self.inner.config.tokens.first().map_or("", String::as_str)
    }

    /// `{base_url}/bot{token}/{method}` for the first configured token.
    pub fn method_url(&self, method: &str) -> String {
        format!("{}/bot{}/{method}", self.base_url(), self.token())
    }

    /// Stops accepting and closes open connections, including held long polls.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub fn customer(
        &self,
        first_name: &str,
        last_name: Option<&str>,
        username: Option<&str>,
    ) -> Customer {
        self.inner
            .mutate(|s| s.add_customer(first_name, last_name, username, None))
    }

    /// Gives the customer a profile photo (what getUserProfilePhotos then lists).
    pub fn set_profile_photo(&self, customer: &Customer, bytes: &[u8], width: u32, height: u32) {
        self.inner
            .mutate(|s| s.set_profile_photo(customer.id, bytes, width, height));
    }

    /// Like [`Self::customer`], with the `language_code` Telegram reports for the user.
    pub fn customer_with_language(
        &self,
        first_name: &str,
        last_name: Option<&str>,
        username: Option<&str>,
        language_code: &str,
    ) -> Customer {
        self.inner
            .mutate(|s| s.add_customer(first_name, last_name, username, Some(language_code)))
    }

    pub fn customers(&self) -> Vec<Customer> {
        self.inner.read(State::customers)
    }

    pub fn inject_text(&self, customer: &Customer, text: &str) -> Result<Message, FakeError> {
        self.inject_message(customer, InboundContent::Text(text.to_owned()))
    }

    pub fn inject_message(
        &self,
        customer: &Customer,
        content: InboundContent,
    ) -> Result<Message, FakeError> {
        self.inner.inject(customer.id, content, None)
    }

    /// Injects a message with a past (or any) Unix date, for history.
    pub fn inject_message_at(
        &self,
        customer: &Customer,
        content: InboundContent,
        date: i64,
    ) -> Result<Message, FakeError> {
        self.inner.inject(customer.id, content, Some(date))
    }

    /// The customer edits one of their messages; an `edited_message` update follows.
    pub fn inject_edit(
        &self,
        customer: &Customer,
        message_id: i64,
        new_text: &str,
    ) -> Result<Message, FakeError> {
        let now = now_unix();
        self.inner
            .mutate(|s| s.edit(customer.id, message_id, new_text, now))
    }

    pub fn block(&self, customer: &Customer) -> Result<(), FakeError> {
        self.inner.set_blocked(customer.id, true)
    }

    pub fn unblock(&self, customer: &Customer) -> Result<(), FakeError> {
        self.inner.set_blocked(customer.id, false)
    }

    /// Sets or removes a webhook as if another deployment had called setWebhook.
    pub fn set_webhook(&self, set: bool) {
        self.inner
            .set_webhook(set.then(|| "https://example.invalid/telegram-webhook".to_owned()));
    }

    /// The next `times` calls of `method` (case-insensitive; "*" for any) get `fault`.
    pub fn inject_fault(&self, method: &str, fault: Fault, times: u32) {
        self.inner.add_fault(method, fault, times);
    }

    /// Drops every pending fault, as if the network came back.
    pub fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    /// The bytes a file_id stands for (what getFile serves), e.g. of a file a bot sent.
    pub fn file_bytes(&self, file_id: &str) -> Option<Vec<u8>> {
        self.inner.read(|s| s.bytes_of(file_id))
    }

    /// The newest sends (at most a few hundred; see [`FakeTelegram::sent_counts`] for all).
    pub fn sent_messages(&self) -> Vec<SentRecord> {
        self.inner.read(|s| s.sent.iter().cloned().collect())
    }

    /// How many times each text was sent since this fake started, uncapped.
    pub fn sent_counts(&self) -> BTreeMap<String, u64> {
        self.inner.read(|s| s.sent_counts.clone())
    }

    /// Every Bot API call received (method as written by the client), oldest first.
    pub fn request_log(&self) -> Vec<(String, Instant)> {
        self.inner
            .request_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Unconfirmed updates still within the retention window.
    pub fn pending_updates(&self) -> usize {
        let retention = retention_secs(&self.inner.config);
        let now = now_unix();
        self.inner.read(|s| {
            s.updates
                .iter()
                .filter(|u| u.enqueued_at > now - retention)
                .count()
        })
    }

    /// Waits until at least `n` sends are in the log; returns the log, or `None` on timeout.
    pub async fn wait_for_sent(&self, n: usize, timeout: Duration) -> Option<Vec<SentRecord>> {
        let mut rx = self.inner.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            let sent = self.sent_messages();
            if sent.len() >= n {
                return Some(sent);
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    /// Whether the demo history was already injected into this state.
    pub fn is_seeded(&self) -> bool {
        self.inner.read(|s| s.seeded)
    }

    pub fn mark_seeded(&self) {
        self.inner.mutate(|s| s.seeded = true);
    }

    /// Sends with `seq` greater than `after`, for followers of the sent log.
    pub(crate) fn sent_after(&self, after: u64) -> Vec<SentRecord> {
        self.inner
            .read(|s| s.sent.iter().filter(|r| r.seq > after).cloned().collect())
    }

    pub(crate) fn sent_total(&self) -> u64 {
        self.inner.read(|s| s.sent_total)
    }

    /// Resolves when anything in the state changes.
    pub(crate) fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }
}

fn retention_secs(config: &FakeTelegramConfig) -> i64 {
    i64::try_from(config.update_retention.as_secs()).unwrap_or(i64::MAX)
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.shutdown();
    }
}

pub(crate) fn next_generation(inner: &Inner) -> u64 {
    inner.poll_generation.fetch_add(1, Ordering::SeqCst) + 1
}
