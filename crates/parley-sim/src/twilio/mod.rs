//! A fake Twilio REST API (Programmable Messaging: SMS, MMS and WhatsApp senders) that a real
//! Twilio client can talk to.
//!
//! # Checked against Twilio's documentation (search, May 2026), and where it differs from CHANNELS.md
//! - **DateSent filters**: CHANNELS.md writes `DateSent>=YYYY-MM-DD`; on the wire that is the
//!   parameter *named* `DateSent>` with the value `YYYY-MM-DD` (likewise `DateSent<`). Day
//!   granularity, GMT. `DateSent>` means "on or after midnight of that day"; `DateSent<` is read here
//!   as "on or before that day" (inclusive of the whole day) — the documentation's wording ("on or
//!   before midnight of the date") is ambiguous and the adapter does not rely on it. A message
//!   without a `date_sent` (still queued) matches no DateSent filter.
//! - **List envelope**: besides `messages`, `next_page_uri`, `page`, `page_size`, Twilio documents
//!   `first_page_uri`, `previous_page_uri`, `uri`, `start`, `end`; all URIs are *relative*
//!   (`/2010-04-01/…`), to be joined to the API host. `PageSize` defaults to 50, at most 1000.
//!   Page tokens are opaque (`PA…`); the fake's encode a keyset (sort time, sequence).
//! - **Message properties**: `num_media` and `num_segments` are strings; `error_code` is an integer
//!   or null; `date_*` are RFC 2822 in GMT (`Tue, 14 Nov 2023 22:13:20 +0000`); `direction` also has
//!   `outbound-call` (not produced); `sid` is `SM…` or `MM…` (media). `date_sent` is null until the
//!   message is sent. The account resource really does echo the `auth_token`; so does the fake.
//! - **63016** (WhatsApp free-form outside the 24 h customer-service window): the error page
//!   describes it as a delivery failure; on the real API the POST is usually *accepted* (201) and
//!   the message then fails with `error_code` 63016. CHANNELS.md lists it as a POST error. The fake
//!   answers 400/63016 at POST by default and, with [`FakeTwilioConfig::async_window_errors`],
//!   accepts and then fails the message (status `failed`, error 63016) the way production does.
//!   Since April 2025 a template sent as `Body` outside the window also fails: only `ContentSid`
//!   opens a conversation.
//! - **21610** ("Attempt to send to unsubscribed recipient"): per (recipient, sender number); the
//!   customer texting STOP/STOPALL/UNSUBSCRIBE/CANCEL/END/QUIT opts out, START/YES/UNSTOP opts back
//!   in, and Twilio answers each with an automatic `outbound-reply`. SMS only: WhatsApp has no
//!   keyword opt-out at Twilio (a user blocks the business in WhatsApp instead, error 63024).
//! - **20429**: 429, "never processed, always safe to retry". Twilio does not document a
//!   `Retry-After` header; the fake sends one only when the injected fault names a wait.
//! - **Media**: `GET …/Messages/{sid}/Media.json` → `media_list`; the content is at the Media URI
//!   without `.json`. Twilio answers that with a redirect to a signed CDN URL and (newer accounts)
//!   enforces Basic auth on it; the fake serves the bytes directly and requires Basic auth.
//! - **WhatsApp senders** are not IncomingPhoneNumbers: they are listed by the Senders API on
//!   `messaging.twilio.com` (`GET /v2/Channels/Senders?Channel=whatsapp`, `senders[].sender_id` =
//!   `whatsapp:+E164`, `status` `ONLINE`). Templates come from the Content API on
//!   `content.twilio.com` (`GET /v1/ContentAndApprovals`, `contents[].sid` = `HX…`, `variables`
//!   maps placeholder numbers to sample values, `approval_requests.status`). The fake serves all
//!   three hosts' paths on one port, with a trimmed field set.
//! - **Send errors**: 21602 (no Body/MediaUrl/ContentSid), 21603 (no From), 21604 (no To), 21606
//!   (From not an SMS-capable number of the account), 21617 (Body over 1600 characters), 21654
//!   (ContentVariables without ContentSid), 21910 (From and To of different channels), 63007 (no
//!   WhatsApp channel for From) are documented codes. 21655/21656 for an unknown ContentSid or bad
//!   ContentVariables are the fake's best reading and not verified.
//!
//! # Reproduced
//! - Basic auth `AccountSid:AuthToken` on every API path (401, code 20003, `WWW-Authenticate`);
//!   404/20404 for unknown resources; errors as `{"code","message","more_info","status"}`.
//! - `GET /2010-04-01/Accounts/{AC}.json`, `…/IncomingPhoneNumbers.json` (`PhoneNumber` filter),
//!   `…/Messages.json` (To, From, DateSent, DateSent<, DateSent>, PageSize, Page, PageToken; newest
//!   first), `…/Messages/{sid}.json`, `…/Messages/{sid}/Media.json`, `…/Media/{ME}` content,
//!   `POST …/Messages.json` (form: To, From | MessagingServiceSid, Body, MediaUrl (repeatable),
//!   ContentSid, ContentVariables) → 201 queued, then `queued → sending → sent → delivered` one
//!   [`FakeTwilioConfig::status_step`] apart, visible through GET.
//! - Control (Rust and `/control/…`): inbound customer messages with media, messages the business
//!   sent from elsewhere, opt-out/in, templates, status overrides, faults, request log.
//!
//! # Not reproduced
//! - Webhooks and status callbacks, scheduling, Messaging Service sender pools beyond "first SMS
//!   number", price computation, segment counting beyond 153/67-character parts, message
//!   redaction/deletion, real rate limiting (use [`Fault::RateLimited`]), subaccounts, API keys.

mod http;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::faults::FaultQueue;

pub use state::MessageView;
use state::State;

/// A number (or WhatsApp sender) the account owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedNumber {
    /// `+E164` for SMS/MMS numbers, `whatsapp:+E164` for WhatsApp senders.
    pub address: String,
    pub friendly_name: String,
}

impl OwnedNumber {
    pub fn sms(e164: &str) -> Self {
        Self {
            address: e164.to_owned(),
            friendly_name: e164.to_owned(),
        }
    }

    pub fn whatsapp(e164: &str) -> Self {
        Self {
            address: format!("whatsapp:{e164}"),
            friendly_name: format!("WhatsApp {e164}"),
        }
    }

    pub fn is_whatsapp(&self) -> bool {
        self.address.starts_with("whatsapp:")
    }
}

/// An approved (or not) content template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// `HX` + 32 hex digits.
    pub sid: String,
    pub friendly_name: String,
    /// With `{{1}}`, `{{2}}`… placeholders.
    pub body: String,
    /// Placeholder number → a name for it (served as the sample value).
    pub variables: Vec<(String, String)>,
    pub approved: bool,
}

#[derive(Clone, Debug)]
pub struct FakeTwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub friendly_name: String,
    pub numbers: Vec<OwnedNumber>,
    /// A Messaging Service whose sender pool is the account's SMS numbers.
    pub messaging_service_sid: Option<String>,
    pub templates: Vec<Template>,
    /// Time between status steps of an outbound message (queued → sending → sent → delivered).
    pub status_step: Duration,
    /// Accept WhatsApp free-form sends outside the window and fail them later with 63016 (as
    /// production does) instead of answering 400/63016 at once.
    pub async_window_errors: bool,
    /// When set, state is loaded from here on start and rewritten after every mutation.
    pub state_file: Option<PathBuf>,
    /// When set, the `/control/` API demands `Authorization: Bearer <secret>` (the demo sets a
    /// random one per run; see `server::Guard`).
    pub control_secret: Option<String>,
}

pub const TEST_ACCOUNT_SID: &str = "AC3f9a1c2b7d4e5f60718293a4b5c6d7e8";
pub const TEST_AUTH_TOKEN: &str = "9b1f0e7d6c5a4b3e2d1c0f9e8d7c6b5a";
pub const TEST_SMS_NUMBER: &str = "+15005550006";
pub const TEST_WHATSAPP_NUMBER: &str = "+14155238886";
pub const TEST_MESSAGING_SERVICE: &str = "MG5e1f2a3b4c5d6e7f8091a2b3c4d5e6f7";
pub const TEST_TEMPLATE_SID: &str = "HXb5b62575e6e4ff6129ad7c8efe1f983e";

impl Default for FakeTwilioConfig {
    fn default() -> Self {
        Self {
            account_sid: TEST_ACCOUNT_SID.to_owned(),
            auth_token: TEST_AUTH_TOKEN.to_owned(),
            friendly_name: "Parley Test Shop".to_owned(),
            numbers: vec![
                OwnedNumber::sms(TEST_SMS_NUMBER),
                OwnedNumber::whatsapp(TEST_WHATSAPP_NUMBER),
            ],
            messaging_service_sid: Some(TEST_MESSAGING_SERVICE.to_owned()),
            templates: vec![Template {
                sid: TEST_TEMPLATE_SID.to_owned(),
                friendly_name: "order_follow_up".to_owned(),
                body: "Hi {{1}}, this is Parley Test Shop about order {{2}}. Reply to continue."
                    .to_owned(),
                variables: vec![
                    ("1".to_owned(), "first_name".to_owned()),
                    ("2".to_owned(), "order_number".to_owned()),
                ],
                approved: true,
            }],
            status_step: Duration::from_millis(300),
            async_window_errors: false,
            state_file: None,
            control_secret: None,
        }
    }
}

/// A file a customer sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundMedia {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

static PHOTO_JPEG: &[u8] = include_bytes!("../../assets/damaged_parcel.jpg");

impl InboundMedia {
    /// The built-in photo of a damaged parcel.
    pub fn photo() -> Self {
        Self {
            content_type: "image/jpeg".to_owned(),
            bytes: PHOTO_JPEG.to_vec(),
        }
    }
}

/// A failure to return instead of a normal answer. Operations: `account`, `numbers`, `senders`,
/// `content`, `list`, `fetch`, `media`, `media_content`, `send`, or `*`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Fault {
    /// 429, code 20429; with `Retry-After` when `retry_after_secs` is set.
    RateLimited { retry_after_secs: Option<u64> },
    /// A 5xx: 500 with a Twilio error body (code 20500), 502–504 as a proxy's HTML page.
    ServerError { status: u16 },
    /// Read the request, say nothing for this long, then close the connection.
    Hang { secs: f64 },
    /// Perform the call (a send creates the message), then close the connection without answering.
    AcceptThenDrop,
    /// 200 with a body that is not JSON (the call is not performed).
    MalformedJson,
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub op: String,
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Whether the Basic credentials were right.
    pub authorized: bool,
    pub at: Instant,
}

/// A Twilio error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TwilioError {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

impl TwilioError {
    pub fn new(status: u16, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad(code: i64, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn not_found(path: &str) -> Self {
        Self::new(
            404,
            20404,
            format!("The requested resource {path} was not found"),
        )
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) struct Inner {
    config: FakeTwilioConfig,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    faults: FaultQueue<Fault>,
    requests: Mutex<Vec<RequestRecord>>,
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
            "fake twilio",
            f,
        )
    }

    fn step_ms(&self) -> i64 {
        i64::try_from(self.config.status_step.as_millis()).unwrap_or(i64::MAX)
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

    fn log_request(&self, op: &str, method: &str, target: &str, authorized: bool) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RequestRecord {
                op: op.to_owned(),
                method: method.to_owned(),
                target: target.to_owned(),
                authorized,
                at: Instant::now(),
            });
    }

    fn owns(&self, address: &str) -> bool {
        self.config.numbers.iter().any(|n| n.address == address)
    }

    fn inject_inbound(
        &self,
        from: &str,
        to: &str,
        body: &str,
        media: Vec<InboundMedia>,
        at_secs: Option<i64>,
    ) -> Result<String, FakeTwilioError> {
        if !self.owns(to) {
            return Err(FakeTwilioError::NotOurNumber(to.to_owned()));
        }
        let at = at_secs.map_or_else(now_ms, |s| s * 1000);
        let account = self.config.account_sid.clone();
        Ok(self.mutate(|s| s.inbound(&account, from, to, body, media, at)))
    }

    fn inject_outbound(
        &self,
        from: &str,
        to: &str,
        body: &str,
        at_secs: Option<i64>,
    ) -> Result<String, FakeTwilioError> {
        if !self.owns(from) {
            return Err(FakeTwilioError::NotOurNumber(from.to_owned()));
        }
        let at = at_secs.map_or_else(now_ms, |s| s * 1000);
        Ok(self.mutate(|s| {
            s.create_outbound(state::NewOutbound {
                from,
                to,
                body,
                media: Vec::new(),
                direction: "outbound-api",
                at,
                outcome: state::Outcome::Delivered,
                via_api: false,
            })
        }))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FakeTwilioError {
    #[error("{0} is not a number of this account")]
    NotOurNumber(String),
    #[error("no message {0}")]
    UnknownMessage(String),
}

/// A running fake Twilio API. Stops when dropped.
pub struct FakeTwilio {
    inner: Arc<Inner>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl FakeTwilio {
    /// Binds 127.0.0.1 on a free port and serves on a task of the current tokio runtime.
    pub async fn start(config: FakeTwilioConfig) -> std::io::Result<FakeTwilio> {
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
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(http::serve(listener, Arc::clone(&inner), shutdown_rx));
        tracing::debug!(%addr, "fake twilio listening");
        Ok(FakeTwilio {
            inner,
            addr,
            shutdown,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash. Serves the api, messaging and content
    /// hosts' paths alike.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub fn account_sid(&self) -> &str {
        &self.inner.config.account_sid
    }

    pub fn auth_token(&self) -> &str {
        &self.inner.config.auth_token
    }

    pub fn config(&self) -> &FakeTwilioConfig {
        &self.inner.config
    }

    /// A customer texts one of the account's numbers (`to`); `at_secs` backdates it (Unix
    /// seconds). STOP/START keywords on SMS opt the customer out/in and get Twilio's auto-reply.
    /// Returns the new message's sid.
    pub fn inject_inbound(
        &self,
        from: &str,
        to: &str,
        body: &str,
        media: Vec<InboundMedia>,
        at_secs: Option<i64>,
    ) -> Result<String, FakeTwilioError> {
        self.inner.inject_inbound(from, to, body, media, at_secs)
    }

    /// The business sends from elsewhere (the Console, another app): an `outbound-api` message
    /// the client did not send. Delivered when `at_secs` is far enough in the past.
    pub fn inject_outbound_elsewhere(
        &self,
        from: &str,
        to: &str,
        body: &str,
        at_secs: Option<i64>,
    ) -> Result<String, FakeTwilioError> {
        self.inner.inject_outbound(from, to, body, at_secs)
    }

    /// Opts `customer` out of (or back into) messages from `number`, as STOP/START would.
    pub fn set_opted_out(&self, customer: &str, number: &str, opted_out: bool) {
        self.inner
            .mutate(|s| s.set_opt_out(customer, number, opted_out));
    }

    pub fn is_opted_out(&self, customer: &str, number: &str) -> bool {
        self.inner.read(|s| s.is_opted_out(customer, number))
    }

    /// Adds (or replaces) a content template. Templates added here are not persisted.
    pub fn add_template(&self, template: Template) {
        self.inner.mutate(|s| {
            s.extra_templates.retain(|t| t.sid != template.sid);
            s.extra_templates.push(template);
        });
    }

    /// Forces a message's status (and error code), ending its progression.
    pub fn set_status(
        &self,
        sid: &str,
        status: &str,
        error_code: Option<i64>,
    ) -> Result<(), FakeTwilioError> {
        let now = now_ms();
        self.inner.mutate(|s| {
            s.override_status(sid, status, error_code, now)
                .then_some(())
                .ok_or_else(|| FakeTwilioError::UnknownMessage(sid.to_owned()))
        })
    }

    /// Every message as the API would show it now, oldest first.
    pub fn messages(&self) -> Vec<MessageView> {
        let now = now_ms();
        let step = self.inner.step_ms();
        self.inner.read(|s| s.views(now, step))
    }

    /// One message as the API would show it now.
    pub fn message(&self, sid: &str) -> Option<MessageView> {
        self.messages().into_iter().find(|m| m.sid == sid)
    }

    /// Messages created through `POST …/Messages.json`, oldest first.
    pub fn sent_through_api(&self) -> Vec<MessageView> {
        self.messages().into_iter().filter(|m| m.via_api).collect()
    }

    /// The next `times` calls of `op` (see [`Fault`]) get `fault`.
    pub fn inject_fault(&self, op: &str, fault: Fault, times: u32) {
        self.inner.add_fault(op, fault, times);
    }

    pub fn clear_faults(&self) {
        self.inner.clear_faults();
    }

    /// Every request received, oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Resolves when anything in the state changes.
    pub fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// ---- time ----

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a civil date (Hinnant's days_from_civil).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Tue, 14 Nov 2023 22:13:20 +0000`: Twilio's RFC 2822 dates, always GMT.
pub fn rfc2822(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} +0000",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// `YYYY-MM-DD` → the day's number since 1970-01-01.
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_twilio_dates() {
        assert_eq!(
            rfc2822(1_700_000_000_000),
            "Tue, 14 Nov 2023 22:13:20 +0000"
        );
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(parse_day("2023-11-14"), Some(1_699_920_000 / 86_400));
        assert_eq!(parse_day("2023-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
    }
}
