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

mod wire;

use crate::http::{self, Effect, Provider};
use crate::{Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled, SendReceipt};
use async_trait::async_trait;
use parley_domain::{
    AccountIdentity, Attachment, ChannelKind, Clock, DeliveryState, Direction, IncomingMessage,
    IngestBatch, Millis, OptOutChange, RemotePerson, ReplyWindow, SystemClock,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

const API: Provider = Provider("Twilio");

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";
pub const DEFAULT_MESSAGING_BASE: &str = "https://messaging.twilio.com";
pub const DEFAULT_CONTENT_BASE: &str = "https://content.twilio.com";
/// Twilio refuses bodies over 1600 characters (error 21617).
pub const MAX_BODY_CHARS: usize = 1600;
/// WhatsApp's customer-service window.
pub const WHATSAPP_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// What the composer offers once the WhatsApp window is closed.
pub const WHATSAPP_ALTERNATIVE: &str = "Use an approved template (WhatsApp message template): free-form replies are allowed only within 24 hours of the customer's last message.";
/// Keywords with which Twilio's default handling opts an SMS customer out / back in.
pub const STOP_KEYWORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
pub const START_KEYWORDS: &[&str] = &["START", "YES", "UNSTOP"];

const API_VERSION: &str = "2010-04-01";
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const DAY_MS: i64 = 86_400_000;
/// Sids remembered in the cursor at most (about two days of a busy account).
const SEEN_CAP: usize = 20_000;
/// Pages one list walk follows at most before it gives up for this fetch.
const MAX_PAGES: usize = 50;

/// Whether an inbound SMS body opts the customer out (`Some(true)`), back in (`Some(false)`) or
/// neither, by Twilio's default keywords (the whole message, case-insensitive).
pub fn opt_out_keyword(body: &str) -> Option<bool> {
    let word = body.trim().to_ascii_uppercase();
    if STOP_KEYWORDS.contains(&word.as_str()) {
        Some(true)
    } else if START_KEYWORDS.contains(&word.as_str()) {
        Some(false)
    } else {
        None
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn is_whatsapp(address: &str) -> bool {
    address.starts_with("whatsapp:")
}

/// `sms:+E164` / `whatsapp:+E164` for a customer's Twilio address.
pub fn thread_id_for(customer_address: &str) -> String {
    if is_whatsapp(customer_address) {
        customer_address.to_owned()
    } else {
        format!("sms:{customer_address}")
    }
}

/// The customer's Twilio address (`+E164` or `whatsapp:+E164`) for a thread id.
pub fn address_for_thread(remote_thread_id: &str) -> Option<String> {
    if let Some(n) = remote_thread_id.strip_prefix("sms:") {
        Some(n.to_owned())
    } else if remote_thread_id.starts_with("whatsapp:") {
        Some(remote_thread_id.to_owned())
    } else {
        None
    }
}

/// How to reach one Twilio account.
#[derive(Clone)]
pub struct TwilioConfig {
    pub api_base: String,
    pub messaging_base: String,
    pub content_base: String,
    pub account_sid: String,
    pub auth_token: String,
    /// Watched numbers: `+E164` (SMS/MMS) and `whatsapp:+E164` (WhatsApp senders).
    pub numbers: Vec<String>,
    /// Time between polls while live (`fetch` with a wait).
    pub poll_interval: Duration,
    pub page_size: u32,
    /// How far back the first sync reads.
    pub initial_history: Duration,
    pub call_timeout: Duration,
    /// Where the adapter reads the time (how far back a poll asks, a sent reply's fallback time).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Auth Token is a secret: never print it.
        f.debug_struct("TwilioConfig")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("numbers", &self.numbers)
            .finish_non_exhaustive()
    }
}

impl TwilioConfig {
    pub fn new(account_sid: &str, auth_token: &str, numbers: &[&str]) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            messaging_base: DEFAULT_MESSAGING_BASE.to_owned(),
            content_base: DEFAULT_CONTENT_BASE.to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            poll_interval: Duration::from_secs(10),
            page_size: 100,
            initial_history: Duration::from_secs(14 * 24 * 3600),
            call_timeout: CALL_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Points the api, messaging and content hosts at one base (tests, the demo).
    pub fn with_base(mut self, base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        self.api_base.clone_from(&base);
        self.messaging_base.clone_from(&base);
        self.content_base = base;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// A message's delivery status changed (or was first seen) at Twilio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryUpdate {
    /// The message sid (the `remote_id` fetch and send use).
    pub remote_id: String,
    /// Twilio's status: queued, sending, sent, delivered, undelivered, failed, read...
    pub status: String,
    pub error_code: Option<i64>,
    pub at: Millis,
}

impl DeliveryUpdate {
    /// Whether the message will not reach the customer.
    pub fn is_failure(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "undelivered" | "canceled")
    }

    /// The store's form: sent, delivered, read or failed (with the reason in words); `None` for
    /// the statuses before Twilio hands the message on (queued, sending, accepted...).
    pub fn to_domain(&self) -> Option<parley_domain::DeliveryUpdate> {
        let state = match self.status.as_str() {
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            _ if self.is_failure() => DeliveryState::Failed,
            _ => return None,
        };
        let error = (state == DeliveryState::Failed).then(|| failure_words(self.error_code));
        Some(parley_domain::DeliveryUpdate {
            remote_id: self.remote_id.clone(),
            state,
            error,
            at: self.at,
        })
    }
}

/// Why Twilio could not deliver a message, in words for the agent.
pub fn failure_words(code: Option<i64>) -> String {
    match code {
        Some(wire::OPTED_OUT_CODE) => "The customer opted out of messages from this number (they texted STOP). Parley will not send to them until they text START.".to_owned(),
        Some(63016) => "Outside WhatsApp's 24-hour window: only an approved template can reach this customer now.".to_owned(),
        Some(21211) => "Twilio says this is not a valid phone number.".to_owned(),
        Some(30003) => "The customer's phone is unreachable (switched off or out of coverage).".to_owned(),
        Some(30005) => "The number is unknown to the customer's carrier.".to_owned(),
        Some(30006) => "The number cannot receive SMS (a landline or an unreachable carrier).".to_owned(),
        Some(30007) => "The customer's carrier filtered this message as spam.".to_owned(),
        Some(code) => format!("Twilio could not deliver this message (error {code})."),
        None => "Twilio could not deliver this message.".to_owned(),
    }
}

/// An approved content template the composer can offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    /// `HX…`
    pub content_sid: String,
    pub name: String,
    pub language: Option<String>,
    pub body: Option<String>,
    /// Placeholder number → sample value / name, in placeholder order.
    pub variables: Vec<(String, String)>,
}

/// An outbound message found by [`TwilioChannel::find_sent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMatch {
    pub sid: String,
    pub status: String,
    pub created_at: Millis,
}

/// The reply rule for one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadWindow {
    /// SMS: any time (unless the customer opted out).
    Always,
    /// WhatsApp: free-form until `closes_at`, then templates only.
    Until { closes_at: Millis },
    /// WhatsApp window closed (or never opened): approved templates only.
    TemplatesOnly,
}

/// The WhatsApp rule for a thread whose customer last wrote at `last_inbound`.
pub fn thread_window(
    remote_thread_id: &str,
    last_inbound: Option<Millis>,
    now: Millis,
) -> ThreadWindow {
    if !is_whatsapp(remote_thread_id) {
        return ThreadWindow::Always;
    }
    match last_inbound.map(|t| t + millis(WHATSAPP_WINDOW)) {
        Some(closes_at) if now <= closes_at => ThreadWindow::Until { closes_at },
        _ => ThreadWindow::TemplatesOnly,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    t: Millis,
    s: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    v: u32,
    #[serde(default)]
    newest: Option<Millis>,
    #[serde(default)]
    seen: BTreeMap<String, Seen>,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Cursor {
        match text.map(serde_json::from_str::<Cursor>) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                // An unreadable cursor only costs a re-read; upserts make it harmless.
                tracing::warn!(error = %e, "twilio: unreadable cursor, starting over");
                Cursor::default()
            }
            None => Cursor::default(),
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The first day the next poll asks for: the newest day seen minus one, for messages that
    /// arrive late with an earlier `date_sent` and for the day boundary.
    fn since_day(&self, now: Millis, initial: Duration) -> Millis {
        match self.newest {
            Some(n) => (n.div_euclid(DAY_MS) - 1) * DAY_MS,
            None => (now - millis(initial)).div_euclid(DAY_MS) * DAY_MS,
        }
    }

    fn prune(&mut self) {
        let Some(newest) = self.newest else { return };
        let floor = (newest.div_euclid(DAY_MS) - 1) * DAY_MS;
        self.seen.retain(|_, s| s.t >= floor);
        if self.seen.len() > SEEN_CAP {
            let mut times: Vec<Millis> = self.seen.values().map(|s| s.t).collect();
            times.sort_unstable_by(|a, b| b.cmp(a));
            let cutoff = times[SEEN_CAP - 1];
            self.seen.retain(|_, s| s.t >= cutoff);
        }
    }
}

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

    fn account_url(&self, rest: &str) -> String {
        format!(
            "{}/{API_VERSION}/Accounts/{}/{rest}",
            self.cfg.api_base, self.cfg.account_sid
        )
    }

    /// Only the configured hosts ever get the credentials.
    fn ours(&self, url: &str) -> bool {
        [
            &self.cfg.api_base,
            &self.cfg.messaging_base,
            &self.cfg.content_base,
        ]
        .iter()
        .any(|b| url.starts_with(&format!("{b}/")))
    }

    /// Twilio's paging links are relative to the API host.
    fn absolute(&self, uri: &str) -> String {
        if uri.starts_with("http://") || uri.starts_with("https://") {
            uri.to_owned()
        } else {
            format!("{}{uri}", self.cfg.api_base)
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let bytes = self
            .call_bytes(method, url, query, form, what, effect)
            .await?
            .0;
        API.json(&bytes, what, effect)
    }

    async fn call_bytes(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
        what: &str,
        effect: Effect,
    ) -> Result<(Vec<u8>, Option<String>), ChannelError> {
        if !self.ours(url) {
            return Err(ChannelError::Malformed(format!(
                "Twilio's link for {what} points to another host; Parley will not send the credentials there."
            )));
        }
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.cfg.account_sid, Some(&self.cfg.auth_token))
            .timeout(self.cfg.call_timeout)
            .query(query);
        if let Some(form) = form {
            request = request.form(form);
        }
        let response = API.send(request, what, effect).await?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let bytes = API.body(response, what, effect).await?;
        if (200..300).contains(&status) {
            return Ok((bytes, content_type));
        }
        Err(wire::map_error(status, &bytes, retry_after, what, effect))
    }

    async fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Value, ChannelError> {
        self.call(reqwest::Method::GET, url, query, None, what, Effect::Read)
            .await
    }

    // ---- fetch ----

    /// Every page of one List Messages query.
    async fn list_all(
        &self,
        query: Vec<(&str, String)>,
        stop_before: Option<Millis>,
    ) -> Result<Vec<wire::Message>, ChannelError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let v = match &next {
                None => {
                    self.get(
                        &self.account_url("Messages.json"),
                        &query,
                        "the message list",
                    )
                    .await?
                }
                Some(uri) => {
                    self.get(&self.absolute(uri), &[], "the message list")
                        .await?
                }
            };
            let page: wire::MessageList = API.decode(v, "the message list", Effect::Read)?;
            let reached = stop_before.is_some_and(|since| {
                page.messages
                    .last()
                    .and_then(wire::Message::time)
                    .is_some_and(|t| t < since)
            });
            out.extend(page.messages);
            match page.next_page_uri {
                Some(uri) if !reached => next = Some(uri),
                _ => return Ok(out),
            }
        }
        tracing::warn!(
            "twilio: message list longer than {MAX_PAGES} pages; the rest waits for the next poll"
        );
        Ok(out)
    }

    async fn attachments(&self, m: &wire::Message) -> Result<Vec<Attachment>, ChannelError> {
        if m.num_media() == 0 {
            return Ok(Vec::new());
        }
        let url = m
            .subresource_uris
            .as_ref()
            .and_then(|s| s.media.as_deref())
            .map_or_else(
                || self.account_url(&format!("Messages/{}/Media.json", m.sid)),
                |u| self.absolute(u),
            );
        let v = self.get(&url, &[], "the media list").await?;
        let list: wire::MediaList = API.decode(v, "the media list", Effect::Read)?;
        Ok(list
            .media_list
            .iter()
            .map(|x| Attachment {
                kind: wire::attachment_kind(x.content_type.as_deref()),
                remote_ref: Some(format!("{}/{}", m.sid, x.sid)),
                file_name: x
                    .content_type
                    .as_deref()
                    .map(|ct| format!("{}.{}", x.sid, wire::extension(ct))),
                mime_type: x.content_type.clone(),
                size: None,
                description: None,
            })
            .collect())
    }

    fn incoming(
        &self,
        m: &wire::Message,
        at: Millis,
        attachments: Vec<Attachment>,
    ) -> IncomingMessage {
        let inbound = m.is_inbound();
        let (customer_addr, ours) = if inbound {
            (&m.from, &m.to)
        } else {
            (&m.to, &m.from)
        };
        let person = |addr: &str| RemotePerson {
            remote_id: addr.to_owned(),
            display_name: addr.trim_start_matches("whatsapp:").to_owned(),
            handle: None,
        };
        let customer = person(customer_addr);
        IncomingMessage {
            remote_thread_id: thread_id_for(customer_addr),
            remote_id: m.sid.clone(),
            direction: if inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            sender: if inbound {
                customer.clone()
            } else {
                person(ours)
            },
            customer,
            text: m.body.clone().unwrap_or_default(),
            attachments,
            sent_at: at,
            reply_to_remote_id: None,
            subject: None,
            quoted_text: None,
        }
    }

    async fn poll_once(
        &self,
        mut cur: Cursor,
    ) -> Result<(IngestBatch, Cursor, Vec<DeliveryUpdate>), ChannelError> {
        *self
            .last_poll
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let since = cur.since_day(self.cfg.clock.now(), self.cfg.initial_history);
        let day = wire::day_string(since);
        let mut found: Vec<wire::Message> = Vec::new();
        for number in &self.cfg.numbers {
            for side in ["To", "From"] {
                let query = vec![
                    (side, number.clone()),
                    ("DateSent>", day.clone()),
                    ("PageSize", self.cfg.page_size.to_string()),
                ];
                found.extend(self.list_all(query, None).await?);
            }
        }
        let mut batch = IngestBatch::default();
        let mut updates = Vec::new();
        // Oldest first, so the batch reads in order.
        found.sort_by_key(|m| m.time().unwrap_or(0));
        for m in found {
            let Some(at) = m.time() else {
                tracing::warn!(sid = %m.sid, "twilio: message without a readable date skipped");
                continue;
            };
            let previous = cur.seen.get(&m.sid).cloned();
            if previous.as_ref().is_some_and(|p| p.s == m.status) {
                continue;
            }
            if !m.is_inbound() {
                let updated = m
                    .date_updated
                    .as_deref()
                    .and_then(wire::parse_rfc2822)
                    .unwrap_or(at);
                updates.push(DeliveryUpdate {
                    remote_id: m.sid.clone(),
                    status: m.status.clone(),
                    error_code: m.error_code(),
                    at: updated,
                });
            }
            if previous.is_none() {
                let attachments = self.attachments(&m).await?;
                let msg = self.incoming(&m, at, attachments);
                let ours = if m.is_inbound() { &m.to } else { &m.from };
                self.routes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(msg.customer.remote_id.clone(), ours.clone());
                // SMS keywords (Twilio's default handling): STOP opts out, START back in.
                if m.is_inbound()
                    && !is_whatsapp(&msg.remote_thread_id)
                    && let Some(opted_out) = m.body.as_deref().and_then(opt_out_keyword)
                {
                    batch.opt_outs.push(OptOutChange {
                        remote_thread_id: msg.remote_thread_id.clone(),
                        opted_out,
                    });
                }
                batch.messages.push(msg);
            }
            cur.newest = Some(cur.newest.map_or(at, |n| n.max(at)));
            cur.seen.insert(
                m.sid.clone(),
                Seen {
                    t: at,
                    s: m.status.clone(),
                },
            );
        }
        cur.prune();
        Ok((batch, cur, updates))
    }

    /// [`Channel::fetch`] with the delivery status changes it noticed. Until `IngestBatch` carries
    /// statuses, the trait's `fetch` drops them.
    pub async fn fetch_with_statuses(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<(Fetched, Vec<DeliveryUpdate>), ChannelError> {
        let start = Cursor::parse(cursor);
        let deadline = Instant::now() + wait;
        loop {
            if !wait.is_zero() {
                // Pace polls instead of answering at once: the sync engine calls again at once.
                let last = *self
                    .last_poll
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(due) = last.map(|l| l + self.cfg.poll_interval)
                    && due > Instant::now()
                {
                    if due >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Ok((Fetched::default(), Vec::new()));
                    }
                    tokio::time::sleep_until(due).await;
                }
            }
            let (batch, next, updates) = self.poll_once(start.clone()).await?;
            let moved = next != start;
            if !batch.is_empty()
                || !updates.is_empty()
                || moved
                || wait.is_zero()
                || Instant::now() >= deadline
            {
                return Ok((
                    Fetched {
                        batch,
                        cursor: moved.then(|| next.to_json()),
                        more: false,
                        progress: None,
                    },
                    updates,
                ));
            }
        }
    }

    // ---- send ----

    /// The watched number a reply to `customer` leaves from.
    fn sender_for(&self, customer: &str) -> Result<String, ChannelError> {
        if let Some(n) = self
            .routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(customer)
        {
            return Ok(n.clone());
        }
        let wa = is_whatsapp(customer);
        self.cfg
            .numbers
            .iter()
            .find(|n| is_whatsapp(n) == wa)
            .cloned()
            .ok_or_else(|| ChannelError::Rejected {
                code: 0,
                message: format!(
                    "This Twilio account watches no {} number to send from.",
                    if wa { "WhatsApp" } else { "SMS" }
                ),
            })
    }

    fn recipient(message: &OutgoingMessage) -> String {
        address_for_thread(&message.remote_thread_id)
            .unwrap_or_else(|| message.customer_remote_id.clone())
    }

    async fn create(&self, mut form: Vec<(&str, String)>) -> Result<SendReceipt, ChannelError> {
        let v = self
            .call(
                reqwest::Method::POST,
                &self.account_url("Messages.json"),
                &[],
                Some(&form),
                "the message",
                Effect::Write,
            )
            .await?;
        form.clear();
        let m: wire::Message = API.decode(v, "the message", Effect::Write)?;
        Ok(SendReceipt {
            remote_id: m.sid.clone(),
            sent_at: m.time().unwrap_or_else(|| self.cfg.clock.now()),
        })
    }

    /// Sends text with media (`MediaUrl`, publicly reachable URLs, up to 10).
    pub async fn send_with_media(
        &self,
        message: &OutgoingMessage,
        media_urls: &[String],
    ) -> Result<SendReceipt, ChannelError> {
        let chars = message.text.chars().count();
        if message.text.trim().is_empty() && media_urls.is_empty() {
            return Err(ChannelError::Rejected {
                code: 21602,
                message: "An empty message cannot be sent.".into(),
            });
        }
        if chars > MAX_BODY_CHARS {
            return Err(ChannelError::Rejected {
                code: 21617,
                message: format!(
                    "SMS and WhatsApp messages through Twilio can have at most 1600 characters; this one has {chars}. Shorten it or split it."
                ),
            });
        }
        let to = Self::recipient(message);
        let from = self.sender_for(&to)?;
        let mut form = vec![("To", to), ("From", from)];
        if !message.text.trim().is_empty() {
            form.push(("Body", message.text.clone()));
        }
        form.extend(media_urls.iter().map(|u| ("MediaUrl", u.clone())));
        self.create(form).await
    }

    /// Sends an approved content template (`ContentSid` + `ContentVariables`): the only way to
    /// write on WhatsApp after the 24-hour window.
    pub async fn send_template(
        &self,
        remote_thread_id: &str,
        content_sid: &str,
        variables: &BTreeMap<String, String>,
    ) -> Result<SendReceipt, ChannelError> {
        let to = address_for_thread(remote_thread_id).ok_or_else(|| ChannelError::Rejected {
            code: 0,
            message: "This conversation is not a Twilio SMS or WhatsApp thread.".into(),
        })?;
        let from = self.sender_for(&to)?;
        let vars = serde_json::to_string(variables).unwrap_or_else(|_| "{}".to_owned());
        self.create(vec![
            ("To", to),
            ("From", from),
            ("ContentSid", content_sid.to_owned()),
            ("ContentVariables", vars),
        ])
        .await
    }

    /// The account's approved content templates (Content API), for the composer.
    pub async fn approved_templates(&self) -> Result<Vec<TemplateInfo>, ChannelError> {
        let mut out = Vec::new();
        let mut url = format!("{}/v1/ContentAndApprovals", self.cfg.content_base);
        let mut query = vec![("PageSize", "100".to_owned())];
        for _ in 0..MAX_PAGES {
            let v = self.get(&url, &query, "the template list").await?;
            let list: wire::ContentList = API.decode(v, "the template list", Effect::Read)?;
            for c in list.contents {
                let approved = c
                    .approval_requests
                    .as_ref()
                    .and_then(|a| a.status.as_deref())
                    .is_some_and(|s| s.eq_ignore_ascii_case("approved"));
                if !approved {
                    continue;
                }
                let mut variables: Vec<(String, String)> = c
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect();
                // Placeholders are numbers: "10" sorts after "9".
                variables.sort_by_key(|(k, _)| (k.len(), k.clone()));
                out.push(TemplateInfo {
                    body: c.body(),
                    content_sid: c.sid,
                    name: c.friendly_name.unwrap_or_default(),
                    language: c.language,
                    variables,
                });
            }
            match list.meta.and_then(|m| m.next_page_url) {
                Some(next) => {
                    url = next;
                    query.clear();
                }
                None => break,
            }
        }
        Ok(out)
    }

    /// Outbound messages from `from` to `to` created at or after `since` whose body is `body`,
    /// newest first: how an uncertain send is reconciled (a lost answer after the POST). Does not
    /// filter on DateSent, because a message still queued has none.
    pub async fn find_sent(
        &self,
        to: &str,
        from: &str,
        body: &str,
        since: Millis,
    ) -> Result<Vec<SentMatch>, ChannelError> {
        let query = vec![
            ("To", to.to_owned()),
            ("From", from.to_owned()),
            ("PageSize", self.cfg.page_size.to_string()),
        ];
        let all = self.list_all(query, Some(since)).await?;
        Ok(all
            .into_iter()
            .filter(|m| !m.is_inbound() && m.body.as_deref().map(str::trim) == Some(body.trim()))
            .filter_map(|m| {
                let created = m
                    .date_created
                    .as_deref()
                    .and_then(wire::parse_rfc2822)
                    .or_else(|| m.time())?;
                (created >= since).then_some(SentMatch {
                    sid: m.sid,
                    status: m.status,
                    created_at: created,
                })
            })
            .collect())
    }

    /// [`find_sent`](Self::find_sent) for a reply as the outbox holds it.
    pub async fn find_sent_reply(
        &self,
        message: &OutgoingMessage,
        since: Millis,
    ) -> Result<Vec<SentMatch>, ChannelError> {
        let to = Self::recipient(message);
        let from = self.sender_for(&to)?;
        self.find_sent(&to, &from, &message.text, since).await
    }

    /// The reply rule of one thread (SMS: none; WhatsApp: 24 h, then templates).
    pub fn reply_window_for(&self, remote_thread_id: &str) -> ReplyWindow {
        if is_whatsapp(remote_thread_id) {
            ReplyWindow::SinceLastInbound {
                millis: millis(WHATSAPP_WINDOW),
                alternative: Some(WHATSAPP_ALTERNATIVE.to_owned()),
            }
        } else {
            ReplyWindow::None
        }
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

    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        if self.cfg.numbers.is_empty() {
            return Err(ChannelError::Rejected {
                code: 0,
                message:
                    "Choose at least one Twilio number or WhatsApp sender for Parley to watch."
                        .into(),
            });
        }
        let v = self
            .get(
                &format!(
                    "{}/{API_VERSION}/Accounts/{}.json",
                    self.cfg.api_base, self.cfg.account_sid
                ),
                &[],
                "the account lookup",
            )
            .await?;
        let account: wire::Account = API.decode(v, "the account lookup", Effect::Read)?;
        if let Some(status) = account.status.as_deref()
            && status != "active"
        {
            return Err(ChannelError::Unauthorized(format!(
                "This Twilio account is {status}; reactivate it in the Twilio Console first."
            )));
        }
        let sms: Vec<&String> = self
            .cfg
            .numbers
            .iter()
            .filter(|n| !is_whatsapp(n))
            .collect();
        let wa: Vec<&String> = self.cfg.numbers.iter().filter(|n| is_whatsapp(n)).collect();
        let mut problems = Vec::new();
        if !sms.is_empty() {
            let mut owned: Vec<wire::IncomingNumber> = Vec::new();
            let mut next: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let v = match &next {
                    None => {
                        self.get(
                            &self.account_url("IncomingPhoneNumbers.json"),
                            &[("PageSize", "1000".to_owned())],
                            "the phone number list",
                        )
                        .await?
                    }
                    Some(uri) => {
                        self.get(&self.absolute(uri), &[], "the phone number list")
                            .await?
                    }
                };
                let page: wire::NumberList =
                    API.decode(v, "the phone number list", Effect::Read)?;
                owned.extend(page.incoming_phone_numbers);
                match page.next_page_uri {
                    Some(uri) => next = Some(uri),
                    None => break,
                }
            }
            for n in sms {
                match owned.iter().find(|o| &o.phone_number == n) {
                    None => {
                        problems.push(format!("{n} is not a phone number of this Twilio account"))
                    }
                    Some(o) if !o.capabilities.as_ref().is_some_and(|c| c.sms) => {
                        problems.push(format!("{n} cannot send or receive SMS"));
                    }
                    Some(_) => {}
                }
            }
        }
        if !wa.is_empty() {
            let senders = self
                .get(
                    &format!("{}/v2/Channels/Senders", self.cfg.messaging_base),
                    &[
                        ("Channel", "whatsapp".to_owned()),
                        ("PageSize", "100".to_owned()),
                    ],
                    "the WhatsApp sender list",
                )
                .await;
            match senders {
                Ok(v) => {
                    let list: wire::SenderList =
                        API.decode(v, "the WhatsApp sender list", Effect::Read)?;
                    for n in wa {
                        match list.senders.iter().find(|s| &s.sender_id == n) {
                            None => problems.push(format!(
                                "{n} is not a WhatsApp sender of this Twilio account"
                            )),
                            Some(s)
                                if s.status
                                    .as_deref()
                                    .is_some_and(|st| !st.eq_ignore_ascii_case("ONLINE")) =>
                            {
                                problems.push(format!(
                                    "the WhatsApp sender {n} is not online ({})",
                                    s.status.as_deref().unwrap_or_default()
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                }
                // Older accounts may not have the Senders API; the first send will tell.
                Err(ChannelError::Rejected { .. }) => {
                    tracing::warn!("twilio: WhatsApp senders could not be listed; not checked");
                }
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            return Err(ChannelError::Rejected {
                code: 0,
                message: format!("{}. Check the numbers in Accounts.", problems.join("; ")),
            });
        }
        Ok(AccountIdentity {
            channel: self.kind(),
            external_id: account.sid,
            name: account.friendly_name.unwrap_or_else(|| "Twilio".to_owned()),
            handle: Some(self.cfg.numbers.join(", ")),
        })
    }

    /// New messages, opt-outs and the delivery status changes of sent messages.
    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        let (mut fetched, updates) = self.fetch_with_statuses(cursor, wait).await?;
        fetched.batch.statuses = updates
            .iter()
            .filter_map(DeliveryUpdate::to_domain)
            .collect();
        Ok(fetched)
    }

    /// Lists what went from the thread's number to the customer since the reply was queued:
    /// found with the same body → sent; nothing found → not sent (Twilio's own record).
    async fn reconcile(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        // Twilio's dates have second granularity.
        let found = self.find_sent_reply(message, queued_at - 1000).await?;
        Ok(match found.into_iter().last() {
            Some(m) => Reconciled::Sent(SendReceipt {
                remote_id: m.sid,
                sent_at: m.created_at,
            }),
            None => Reconciled::NotSent,
        })
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        let options = &message.send_options;
        if let Some(template) = &options.template {
            return self
                .send_template(
                    &message.remote_thread_id,
                    &template.content_sid,
                    &template.variables,
                )
                .await;
        }
        self.send_with_media(message, &options.media_urls).await
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        let (message, media) = remote_ref
            .split_once('/')
            .filter(|(m, x)| !m.is_empty() && !x.is_empty() && !x.contains('/'))
            .ok_or_else(|| ChannelError::Rejected {
                code: 0,
                message: "This attachment reference is not one Parley made for Twilio.".into(),
            })?;
        let url = self.account_url(&format!("Messages/{message}/Media/{media}"));
        let (bytes, content_type) = self
            .call_bytes(
                reqwest::Method::GET,
                &url,
                &[],
                None,
                "the media download",
                Effect::Read,
            )
            .await?;
        let ext = content_type.as_deref().map_or("bin", |ct| {
            wire::extension(ct.split(';').next().unwrap_or(ct).trim())
        });
        Ok(Downloaded {
            bytes,
            file_name: Some(format!("{media}.{ext}")),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_overlaps_one_day_and_prunes_what_cannot_return() {
        let day = DAY_MS;
        let mut c = Cursor {
            v: 1,
            newest: Some(10 * day + 5),
            ..Cursor::default()
        };
        assert_eq!(c.since_day(0, Duration::ZERO), 9 * day);
        c.seen.insert(
            "SMold".into(),
            Seen {
                t: 8 * day,
                s: "delivered".into(),
            },
        );
        c.seen.insert(
            "SMnew".into(),
            Seen {
                t: 9 * day + 1,
                s: "sent".into(),
            },
        );
        c.prune();
        assert_eq!(c.seen.keys().collect::<Vec<_>>(), vec!["SMnew"]);
        assert_eq!(Cursor::parse(Some(&c.to_json())), c);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::default());
    }

    #[test]
    fn threads_and_windows() {
        assert_eq!(thread_id_for("+15551234567"), "sms:+15551234567");
        assert_eq!(thread_id_for("whatsapp:+1555"), "whatsapp:+1555");
        assert_eq!(address_for_thread("sms:+1555").as_deref(), Some("+1555"));
        assert_eq!(address_for_thread("t_1"), None);
        let h = 3_600_000;
        assert_eq!(thread_window("sms:+1", None, 0), ThreadWindow::Always);
        assert_eq!(
            thread_window("whatsapp:+1", Some(0), 23 * h),
            ThreadWindow::Until { closes_at: 24 * h }
        );
        assert_eq!(
            thread_window("whatsapp:+1", Some(0), 25 * h),
            ThreadWindow::TemplatesOnly
        );
        assert_eq!(opt_out_keyword(" stop "), Some(true));
        assert_eq!(opt_out_keyword("Start"), Some(false));
        assert_eq!(opt_out_keyword("please stop"), None);
    }
}
