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

mod budget;
mod wire;

pub use budget::RateBudget;

use crate::http::{self, Effect, Provider};
use crate::{Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, Reconciled, SendReceipt};
use async_trait::async_trait;
use parley_domain::{
    AccountIdentity, ChannelKind, Clock, IncomingMessage, IngestBatch, Millis, RemotePerson,
    ReplyWindow, SystemClock, ThreadControlFact, ThreadMeta,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

const API: Provider = Provider("Facebook");

/// Where the real Graph API lives; tests and the demo point the adapter elsewhere.
pub const DEFAULT_API_BASE: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v23.0";
/// Meta's Page Inbox app (the human-agent inbox) in the handover protocol.
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";
/// Meta's Instagram Inbox app.
pub const INSTAGRAM_INBOX_APP_ID: &str = "1217981644879628";
/// Meta limits message text to under 2000 characters.
pub const MAX_TEXT_CHARS: usize = 1999;
/// Instagram exposes only the newest 20 messages of a conversation in detail.
pub const INSTAGRAM_HISTORY_LIMIT: usize = 20;
/// The Send API's limit on an uploaded attachment.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// The body of a Graph call.
enum Payload<'a> {
    None,
    Json(&'a Value),
    /// `multipart/form-data`: the Content-Type (with its boundary) and the bytes.
    Form(String, Vec<u8>),
}
/// The standard window and the HUMAN_AGENT extension.
pub const STANDARD_WINDOW: Duration = Duration::from_secs(24 * 3600);
pub const HUMAN_AGENT_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reconciliation reads messages created from this long before the reply was queued: Meta's
/// times are whole seconds and its clock is not ours.
const RECONCILE_SKEW_MS: i64 = 120_000;
/// Pages of a conversation's messages reconciliation reads before it gives up (`Unknown`).
const RECONCILE_PAGES: usize = 4;
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Calls one fetch may spend before it hands back what it has (`more: true`), so that a large
/// first sync is stored in steps and the cursor moves.
const CALLS_PER_FETCH: usize = 12;
/// The known-id map is pruned to the most recently updated conversations beyond this; an evicted
/// conversation that comes back is read further than needed, which upserts make harmless.
const KNOWN_CAP: usize = 5000;

/// Which inbox of the Page this adapter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphPlatform {
    Messenger,
    Instagram,
}

impl GraphPlatform {
    fn as_str(self) -> &'static str {
        match self {
            GraphPlatform::Messenger => "messenger",
            GraphPlatform::Instagram => "instagram",
        }
    }

    /// Permissions the Page token needs for this inbox.
    pub fn required_permissions(self) -> &'static [&'static str] {
        match self {
            GraphPlatform::Messenger => &[
                "pages_messaging",
                "pages_read_engagement",
                "pages_manage_metadata",
            ],
            GraphPlatform::Instagram => &[
                "pages_messaging",
                "pages_read_engagement",
                "pages_manage_metadata",
                "instagram_manage_messages",
            ],
        }
    }
}

/// A message tag for replies outside the standard window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageTag {
    /// A person answering, up to 7 days after the customer's last message; needs Meta's approval.
    HumanAgent,
}

/// What the composer should say about the reply window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// A normal reply is allowed until `closes_at`.
    Open { closes_at: Millis },
    /// Only a person's reply with the HUMAN_AGENT tag, until `closes_at`.
    HumanAgentOnly { closes_at: Millis },
    /// Within 7 days, but this Page is not approved for HUMAN_AGENT: no reply possible.
    HumanAgentNotApproved,
    /// More than 7 days: no reply possible until the customer writes again.
    Closed,
}

/// The reply window for a conversation whose customer last wrote at `last_inbound`.
pub fn window_state(last_inbound: Millis, now: Millis, human_agent_approved: bool) -> WindowState {
    let std = last_inbound + millis(STANDARD_WINDOW);
    let ha = last_inbound + millis(HUMAN_AGENT_WINDOW);
    if now <= std {
        WindowState::Open { closes_at: std }
    } else if now <= ha && human_agent_approved {
        WindowState::HumanAgentOnly { closes_at: ha }
    } else if now <= ha {
        WindowState::HumanAgentNotApproved
    } else {
        WindowState::Closed
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How to reach one Page.
#[derive(Clone)]
pub struct GraphConfig {
    pub api_base: String,
    pub api_version: String,
    pub page_id: String,
    pub page_token: String,
    pub platform: GraphPlatform,
    /// Time between polls while live (`fetch` with a wait).
    pub poll_interval: Duration,
    /// Whether Meta approved this Page's app for the HUMAN_AGENT tag (a Page setting).
    pub human_agent_approved: bool,
    pub call_timeout: Duration,
    /// The per-Page budget: calls per window.
    pub budget_calls: usize,
    pub budget_window: Duration,
    /// Where the adapter reads the time (the reply window, a sent reply's time).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: never print it.
        f.debug_struct("GraphConfig")
            .field("api_base", &self.api_base)
            .field("page_id", &self.page_id)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

impl GraphConfig {
    pub fn new(page_id: &str, page_token: &str, platform: GraphPlatform) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            page_id: page_id.to_owned(),
            page_token: page_token.to_owned(),
            platform,
            poll_interval: Duration::from_secs(5),
            human_agent_approved: false,
            call_timeout: CALL_TIMEOUT,
            budget_calls: 2,
            budget_window: Duration::from_secs(1) + budget::GUARD,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn with_api_base(mut self, base: &str) -> Self {
        self.api_base = base.trim_end_matches('/').to_owned();
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Walk {
    after: Option<String>,
    /// Newest updated_time seen when this walk started; becomes the mark when it completes.
    mark: Option<Millis>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    v: u32,
    #[serde(default)]
    mark: Option<Millis>,
    /// conversation id → (newest known message id, conversation updated_time).
    #[serde(default)]
    known: BTreeMap<String, (String, Millis)>,
    #[serde(default)]
    partial: BTreeSet<String>,
    #[serde(default)]
    walk: Option<Walk>,
    /// Conversations the list last said another app controls (`is_owner: false`), so that only
    /// a change of control goes into a batch.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    elsewhere: BTreeSet<String>,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Cursor {
        match text.map(serde_json::from_str::<Cursor>) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                // An unreadable cursor only costs a full re-read; upserts make it harmless.
                tracing::warn!(error = %e, "graph: unreadable cursor, starting over");
                Cursor::default()
            }
            None => Cursor::default(),
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn prune(&mut self) {
        if self.known.len() <= KNOWN_CAP {
            return;
        }
        let mut times: Vec<Millis> = self.known.values().map(|(_, t)| *t).collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        let cutoff = times[KNOWN_CAP - 1];
        self.known.retain(|_, (_, t)| *t >= cutoff);
    }
}

/// Conversations whose older history Meta does not expose (Instagram keeps only the newest 20
/// messages readable), as recorded in a cursor this adapter returned.
pub fn partial_history_threads(cursor: &str) -> Vec<String> {
    Cursor::parse(Some(cursor)).partial.into_iter().collect()
}

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

#[derive(Clone, Debug)]
struct Me {
    ids: Vec<String>,
    person: RemotePerson,
    instagram: Option<(String, String)>,
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

    fn api_url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.cfg.api_base,
            self.cfg.api_version,
            path.trim_start_matches('/')
        )
    }

    /// One Graph call inside the budget. `target` is a path or an absolute `next` link.
    async fn call(
        &self,
        method: reqwest::Method,
        target: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let payload = body.map_or(Payload::None, Payload::Json);
        self.call_with(method, target, query, payload, what, effect)
            .await
    }

    /// [`Self::call`] with any body: JSON, or a `multipart/form-data` upload.
    async fn call_with(
        &self,
        method: reqwest::Method,
        target: &str,
        query: &[(&str, String)],
        body: Payload<'_>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            // The token must never leave for another host, whatever a `next` link says.
            if !target.starts_with(&format!("{}/", self.cfg.api_base)) {
                return Err(ChannelError::Malformed(format!(
                    "Facebook's paging link for {what} points to another host; Parley will not follow it."
                )));
            }
            target.to_owned()
        } else {
            self.api_url(target)
        };
        self.budget.acquire().await;
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.cfg.page_token)
            .timeout(self.cfg.call_timeout)
            .query(query);
        match body {
            Payload::None => {}
            Payload::Json(body) => request = request.json(body),
            Payload::Form(content_type, bytes) => {
                request = request
                    .timeout(http::upload_timeout(self.cfg.call_timeout, bytes.len()))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes);
            }
        }
        let response = API.send(request, what, effect).await?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let usage = wire::parse_usage(
            header("x-app-usage").as_deref(),
            header("x-business-use-case-usage").as_deref(),
        );
        if let Some(p) = usage.percent {
            self.budget.note_usage(p);
        }
        let bytes = API.body(response, what, effect).await?;
        if status == 200 {
            return API.json(&bytes, what, effect);
        }
        Err(wire::map_error(status, &bytes, usage, what, effect))
    }

    async fn get(
        &self,
        target: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Value, ChannelError> {
        self.call(
            reqwest::Method::GET,
            target,
            query,
            None,
            what,
            Effect::Read,
        )
        .await
    }

    async fn page_info(&self) -> Result<wire::PageInfo, ChannelError> {
        let v = self
            .get(
                &self.cfg.page_id,
                &[(
                    "fields",
                    "id,name,instagram_business_account{id,username}".into(),
                )],
                "the Page lookup",
            )
            .await?;
        API.decode(v, "the Page lookup", Effect::Read)
    }

    async fn me(&self) -> Result<Me, ChannelError> {
        if let Some(me) = self
            .me
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(me);
        }
        let info = self.page_info().await?;
        let instagram = info
            .instagram_business_account
            .as_ref()
            .map(|ig| (ig.id.clone(), ig.username.clone().unwrap_or_default()));
        let mut ids = vec![info.id.clone(), self.cfg.page_id.clone()];
        if let Some((id, _)) = &instagram {
            ids.push(id.clone());
        }
        let name = info.name.clone().unwrap_or_else(|| "Page".to_owned());
        let person = match (&instagram, self.cfg.platform) {
            (Some((id, username)), GraphPlatform::Instagram) => RemotePerson {
                remote_id: id.clone(),
                display_name: username.clone(),
                handle: Some(username.clone()),
            },
            _ => RemotePerson {
                remote_id: info.id.clone(),
                display_name: name,
                handle: None,
            },
        };
        let me = Me {
            ids,
            person,
            instagram,
        };
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(me.clone());
        Ok(me)
    }

    /// The Instagram professional account linked to the Page, `(id, username)`, to offer it.
    pub async fn linked_instagram(&self) -> Result<Option<(String, String)>, ChannelError> {
        Ok(self.me().await?.instagram)
    }

    /// Permissions the token lacks for this inbox, from `debug_token`; `None` when Meta would not
    /// say (the check is then left to the first call that needs the permission).
    async fn missing_permissions(&self) -> Result<Option<Vec<&'static str>>, ChannelError> {
        let answer = self
            .get(
                "debug_token",
                &[("input_token", self.cfg.page_token.clone())],
                "the token check",
            )
            .await;
        let v = match answer {
            Ok(v) => v,
            Err(ChannelError::Rejected { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let token: wire::DebugToken = API.decode(v, "the token check", Effect::Read)?;
        if !token.data.is_valid {
            return Err(ChannelError::Unauthorized(
                "Facebook says this Page access token is no longer valid. Generate a new Page access token and enter it again.".into(),
            ));
        }
        Ok(Some(
            self.cfg
                .platform
                .required_permissions()
                .iter()
                .copied()
                .filter(|p| !token.data.scopes.iter().any(|s| s == p))
                .collect(),
        ))
    }

    // ---- fetch ----

    fn conversation_fields(first_sync: bool) -> String {
        // The first sync reads more history inline; later polls only need the newest few.
        let n = if first_sync {
            INSTAGRAM_HISTORY_LIMIT
        } else {
            10
        };
        format!(
            "id,updated_time,participants,is_owner,messages.limit({n}){{id,created_time,from,to,message,attachments}}"
        )
    }

    /// One walk step over the conversation list; returns what it found and the new cursor.
    async fn poll_once(
        &self,
        mut cur: Cursor,
    ) -> Result<(IngestBatch, Cursor, bool), ChannelError> {
        *self
            .last_poll
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let me = self.me().await?;
        let mut batch = IngestBatch::default();
        let mut walk = cur.walk.take().unwrap_or_default();
        let first_sync = cur.mark.is_none();
        let limit = if first_sync { 100 } else { 25 };
        let mut calls = 0;
        loop {
            let mut query = vec![
                ("platform", self.cfg.platform.as_str().to_owned()),
                ("fields", Self::conversation_fields(first_sync)),
                ("limit", limit.to_string()),
            ];
            if let Some(after) = &walk.after {
                query.push(("after", after.clone()));
            }
            let v = self
                .get(
                    &format!("{}/conversations", self.cfg.page_id),
                    &query,
                    "the conversation list",
                )
                .await?;
            calls += 1;
            let page: wire::Page<wire::Conversation> =
                API.decode(v, "the conversation list", Effect::Read)?;
            if walk.after.is_none() {
                walk.mark = page
                    .data
                    .first()
                    .and_then(|c| wire::parse_time(&c.updated_time))
                    .or(cur.mark);
            }
            // Who controls each listed conversation comes with the list: no extra call. Every
            // conversation of the page counts, also those past the mark.
            for conv in &page.data {
                note_control(conv, &mut cur, &mut batch);
            }
            let mut reached_mark = false;
            for conv in &page.data {
                let updated = wire::parse_time(&conv.updated_time).ok_or_else(|| {
                    ChannelError::Malformed(format!(
                        "conversation {} has no readable updated_time",
                        conv.id
                    ))
                })?;
                if cur.mark.is_some_and(|mark| updated < mark) {
                    reached_mark = true;
                    break;
                }
                calls += self
                    .collect(conv, updated, &me, &mut cur, &mut batch)
                    .await?;
            }
            match (reached_mark, page.next(), page.after()) {
                (false, Some(_), Some(after)) => {
                    walk.after = Some(after.to_owned());
                    if calls >= CALLS_PER_FETCH {
                        cur.walk = Some(walk);
                        cur.prune();
                        return Ok((batch, cur, true));
                    }
                }
                _ => {
                    cur.mark = walk.mark.max(cur.mark);
                    cur.prune();
                    return Ok((batch, cur, false));
                }
            }
        }
    }

    /// Reads one conversation newest-first back to the last known message; returns calls spent.
    async fn collect(
        &self,
        conv: &wire::Conversation,
        updated: Millis,
        me: &Me,
        cur: &mut Cursor,
        batch: &mut IngestBatch,
    ) -> Result<usize, ChannelError> {
        let known = cur.known.get(&conv.id).map(|(id, _)| id.clone());
        let Some(inline) = &conv.messages else {
            return Ok(0);
        };
        if inline.data.first().map(|m| &m.id) == known.as_ref() {
            return Ok(0);
        }
        let customer = conv
            .participants
            .as_ref()
            .and_then(|p| p.data.iter().find(|x| !me.ids.contains(&x.id)))
            .map(wire::Participant::person)
            .or_else(|| {
                inline
                    .data
                    .iter()
                    .filter_map(|m| m.from.as_ref())
                    .find(|f| !me.ids.contains(&f.id))
                    .map(wire::Participant::person)
            })
            .unwrap_or_else(|| RemotePerson {
                remote_id: format!("conversation:{}", conv.id),
                display_name: "Unknown customer".into(),
                handle: None,
            });
        let ctx = wire::Context {
            conversation_id: &conv.id,
            customer: &customer,
            self_ids: &me.ids,
            page: &me.person,
        };
        let instagram = self.cfg.platform == GraphPlatform::Instagram;
        let mut found: Vec<IncomingMessage> = Vec::new();
        let mut newest: Option<String> = None;
        let mut hit_known = false;
        let mut seen = 0;
        let mut calls = 0;
        let mut current: Option<wire::Page<wire::Message>> = None;
        loop {
            let page = match current.as_ref() {
                Some(p) => p,
                None => inline,
            };
            for m in &page.data {
                if Some(&m.id) == known.as_ref() {
                    hit_known = true;
                    break;
                }
                seen += 1;
                newest.get_or_insert_with(|| m.id.clone());
                match wire::incoming(m, &ctx) {
                    Some(msg) => found.push(msg),
                    None => {
                        tracing::warn!(message = %m.id, "graph: message without a readable time skipped")
                    }
                }
            }
            if hit_known || (instagram && seen >= INSTAGRAM_HISTORY_LIMIT) {
                break;
            }
            let Some(url) = page.next().map(str::to_owned) else {
                break;
            };
            let v = self.get(&url, &[], "a conversation's messages").await?;
            calls += 1;
            current = Some(API.decode(v, "a conversation's messages", Effect::Read)?);
        }
        if instagram && !hit_known && seen >= INSTAGRAM_HISTORY_LIMIT {
            // Older messages exist (or may) but Meta will not show them: say so, not an error.
            cur.partial.insert(conv.id.clone());
        }
        if let Some(id) = newest {
            cur.known.insert(conv.id.clone(), (id, updated));
        }
        found.reverse();
        batch.messages.extend(found);
        Ok(calls)
    }

    // ---- send ----

    async fn send_inner(
        &self,
        message: &OutgoingMessage,
        tag: Option<MessageTag>,
    ) -> Result<SendReceipt, ChannelError> {
        if let Some(file) = message.attachments.first() {
            // The outbox gives a Graph item one file and no text (one send per file).
            return self.send_file(message, file, tag).await;
        }
        let chars = message.text.chars().count();
        if message.text.trim().is_empty() {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "An empty message cannot be sent.".into(),
            });
        }
        if chars > MAX_TEXT_CHARS {
            return Err(ChannelError::Rejected {
                code: 100,
                message: format!(
                    "Messenger and Instagram messages must be under 2000 characters; this one has {chars}. Shorten it or split it."
                ),
            });
        }
        let mut body = json!({
            "recipient": { "id": message.customer_remote_id },
            "messaging_type": "RESPONSE",
            "message": { "text": message.text },
        });
        if let Some(MessageTag::HumanAgent) = tag {
            body["messaging_type"] = json!("MESSAGE_TAG");
            body["tag"] = json!("HUMAN_AGENT");
        }
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("{}/messages", self.cfg.page_id),
                &[],
                Some(&body),
                "the message",
                Effect::Write,
            )
            .await?;
        let sent: wire::SendResult = API.decode(v, "the message", Effect::Write)?;
        Ok(SendReceipt {
            remote_id: sent.message_id,
            // The Send API gives no time; the fetch later brings Meta's created_time.
            sent_at: self.cfg.clock.now(),
        })
    }

    /// One file through the Send API's upload: a `multipart/form-data` POST with `recipient`,
    /// `messaging_type` (+ `tag`), `message` (the attachment's type, not reusable) and the bytes
    /// in `filedata`. The same window rules as text apply.
    async fn send_file(
        &self,
        message: &OutgoingMessage,
        file: &crate::OutgoingFile,
        tag: Option<MessageTag>,
    ) -> Result<SendReceipt, ChannelError> {
        if file.size > MAX_ATTACHMENT_BYTES {
            return Err(ChannelError::Rejected {
                code: 100,
                message: format!(
                    "\"{}\" is larger than the 25 MB Messenger and Instagram accept. Send a smaller file or a link to it.",
                    file.file_name
                ),
            });
        }
        let bytes = file.read().await?;
        if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
            return Err(ChannelError::Rejected {
                code: 100,
                message: format!(
                    "\"{}\" is larger than the 25 MB Messenger and Instagram accept. Send a smaller file or a link to it.",
                    file.file_name
                ),
            });
        }
        let kind = match file.mime_type.split('/').next().unwrap_or("") {
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "file",
        };
        let recipient = json!({ "id": message.customer_remote_id }).to_string();
        let attachment =
            json!({ "attachment": { "type": kind, "payload": { "is_reusable": false } } })
                .to_string();
        let mut form = crate::multipart::Form::new().text("recipient", &recipient);
        form = match tag {
            Some(MessageTag::HumanAgent) => form
                .text("messaging_type", "MESSAGE_TAG")
                .text("tag", "HUMAN_AGENT"),
            None => form.text("messaging_type", "RESPONSE"),
        };
        let (content_type, body) = form
            .text("message", &attachment)
            .file("filedata", &file.file_name, &file.mime_type, &bytes)
            .finish();
        let v = self
            .call_with(
                reqwest::Method::POST,
                &format!("{}/messages", self.cfg.page_id),
                &[],
                Payload::Form(content_type, body),
                "the attachment",
                Effect::Write,
            )
            .await?;
        let sent: wire::SendResult = API.decode(v, "the attachment", Effect::Write)?;
        Ok(SendReceipt {
            remote_id: sent.message_id,
            sent_at: self.cfg.clock.now(),
        })
    }

    /// Sends with a message tag (HUMAN_AGENT: a person answering up to 7 days after the
    /// customer's last message, where Meta approved the Page).
    pub async fn send_with_tag(
        &self,
        message: &OutgoingMessage,
        tag: MessageTag,
    ) -> Result<SendReceipt, ChannelError> {
        self.send_inner(message, Some(tag)).await
    }

    // ---- reconciliation ----

    /// Re-reads the conversation's newest messages for a reply whose answer was lost: one from
    /// the Page with the same text, created after the reply was queued, is it. `NotSent` only
    /// when every message since then was read and none matches.
    async fn reconcile_inner(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        if !message.attachments.is_empty() {
            // A file's message has no text to match on: the agent decides.
            return Ok(Reconciled::Unknown);
        }
        let me = self.me().await?;
        let since = queued_at.saturating_sub(RECONCILE_SKEW_MS);
        let wanted = normalise_text(&message.text);
        let instagram = self.cfg.platform == GraphPlatform::Instagram;
        let v = self
            .get(
                &format!("{}/messages", message.remote_thread_id),
                &[
                    ("fields", "id,created_time,from,message".into()),
                    ("limit", "25".into()),
                ],
                "a conversation's messages",
            )
            .await?;
        let mut page: wire::Page<wire::Message> =
            API.decode(v, "a conversation's messages", Effect::Read)?;
        let mut found: Option<SendReceipt> = None;
        let mut seen = 0;
        for _ in 0..RECONCILE_PAGES {
            for m in &page.data {
                let Some(at) = wire::parse_time(&m.created_time) else {
                    // A message newer than the reply may be ours: cannot tell.
                    return Ok(Reconciled::Unknown);
                };
                if at < since {
                    // Everything since the reply was queued has been read.
                    return Ok(found.map_or(Reconciled::NotSent, Reconciled::Sent));
                }
                seen += 1;
                let ours = m.from.as_ref().is_some_and(|f| me.ids.contains(&f.id));
                if ours && m.message.as_deref().map(normalise_text) == Some(wanted.clone()) {
                    // Newest first: keep the oldest match, the one closest to the send.
                    found = Some(SendReceipt {
                        remote_id: m.id.clone(),
                        sent_at: at,
                    });
                }
            }
            if instagram && seen >= INSTAGRAM_HISTORY_LIMIT {
                // Meta shows no more: what lies beyond cannot be read.
                return Ok(found.map_or(Reconciled::Unknown, Reconciled::Sent));
            }
            let Some(url) = page.next().map(str::to_owned) else {
                // The start of the conversation: all of it was read.
                return Ok(found.map_or(Reconciled::NotSent, Reconciled::Sent));
            };
            let v = self.get(&url, &[], "a conversation's messages").await?;
            page = API.decode(v, "a conversation's messages", Effect::Read)?;
        }
        Ok(found.map_or(Reconciled::Unknown, Reconciled::Sent))
    }

    // ---- handover protocol ----

    async fn handover(&self, action: &str, psid: &str, extra: Value) -> Result<(), ChannelError> {
        let mut body = json!({ "recipient": { "id": psid } });
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("{}/{action}", self.cfg.page_id),
                &[],
                Some(&body),
                "the handover",
                Effect::Read,
            )
            .await?;
        if v.get("success").and_then(Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(ChannelError::Malformed(format!(
                "Facebook did not confirm {action}"
            )))
        }
    }

    fn metadata(metadata: Option<&str>) -> Value {
        metadata.map_or_else(|| json!({}), |m| json!({ "metadata": m }))
    }

    /// Gives the thread to another app (e.g. back to the bot).
    pub async fn pass_thread_control(
        &self,
        psid: &str,
        target_app_id: &str,
        metadata: Option<&str>,
    ) -> Result<(), ChannelError> {
        let mut extra = Self::metadata(metadata);
        extra["target_app_id"] = json!(target_app_id);
        self.handover("pass_thread_control", psid, extra).await
    }

    /// Takes the thread (the primary receiver only, or an idle thread).
    pub async fn take_thread_control(
        &self,
        psid: &str,
        metadata: Option<&str>,
    ) -> Result<(), ChannelError> {
        self.handover("take_thread_control", psid, Self::metadata(metadata))
            .await
    }

    /// Asks the owning app for the thread (secondary receivers).
    pub async fn request_thread_control(
        &self,
        psid: &str,
        metadata: Option<&str>,
    ) -> Result<(), ChannelError> {
        self.handover("request_thread_control", psid, Self::metadata(metadata))
            .await
    }

    /// Lets the thread go idle.
    pub async fn release_thread_control(
        &self,
        psid: &str,
        metadata: Option<&str>,
    ) -> Result<(), ChannelError> {
        self.handover("release_thread_control", psid, Self::metadata(metadata))
            .await
    }

    /// The app the Page token belongs to (Parley's app in the handover protocol), from
    /// `debug_token`; learnt once.
    pub async fn own_app_id(&self) -> Result<Option<String>, ChannelError> {
        if let Some(id) = self
            .app_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(Some(id));
        }
        let v = self
            .get(
                "debug_token",
                &[("input_token", self.cfg.page_token.clone())],
                "the token check",
            )
            .await?;
        let id = v.pointer("/data/app_id").and_then(|a| match a {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if let Some(id) = &id {
            *self.app_id.lock().unwrap_or_else(PoisonError::into_inner) = Some(id.clone());
        }
        Ok(id)
    }

    /// The app that owns the thread with this customer, `None` when idle.
    pub async fn thread_owner(&self, psid: &str) -> Result<Option<String>, ChannelError> {
        let v = self
            .get(
                &format!("{}/thread_owner", self.cfg.page_id),
                &[("recipient", psid.to_owned())],
                "the thread owner",
            )
            .await?;
        Ok(v.get("data")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .and_then(|e| e.pointer("/thread_owner/app_id"))
            .and_then(|a| match a {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }))
    }
}

/// Puts a change of control of a listed conversation into the batch (Meta's `is_owner`).
fn note_control(conv: &wire::Conversation, cur: &mut Cursor, batch: &mut IngestBatch) {
    let Some(is_owner) = conv.is_owner else {
        return;
    };
    let changed = if is_owner {
        cur.elsewhere.remove(&conv.id)
    } else {
        cur.elsewhere.insert(conv.id.clone())
    };
    if changed {
        batch.threads.push(ThreadMeta {
            remote_thread_id: conv.id.clone(),
            control: if is_owner {
                ThreadControlFact::ThisApp
            } else {
                ThreadControlFact::AnotherApp
            },
        });
    }
}

/// Text as Meta may give it back: line endings and outer spaces do not count.
fn normalise_text(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

#[async_trait]
impl Channel for GraphChannel {
    fn kind(&self) -> ChannelKind {
        match self.cfg.platform {
            GraphPlatform::Messenger => ChannelKind::Messenger,
            GraphPlatform::Instagram => ChannelKind::Instagram,
        }
    }

    /// Yes: the Conversations API lists history: a lost page is read again.
    fn pages_refetchable(&self) -> bool {
        true
    }

    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let me = self.me().await?;
        if let Some(missing) = self.missing_permissions().await?
            && !missing.is_empty()
        {
            return Err(ChannelError::Unauthorized(format!(
                "The Page access token lacks the permission{} {}. Generate a new Page token that grants {} and enter it again.",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                if missing.len() > 1 { "them" } else { "it" },
            )));
        }
        match self.cfg.platform {
            GraphPlatform::Messenger => Ok(AccountIdentity {
                channel: ChannelKind::Messenger,
                external_id: self.cfg.page_id.clone(),
                name: me.person.display_name,
                handle: None,
            }),
            GraphPlatform::Instagram => {
                let Some((id, username)) = me.instagram else {
                    return Err(ChannelError::Rejected {
                        code: 0,
                        message: "No Instagram professional account is linked to this Page. Link one in the Page's settings first.".into(),
                    });
                };
                Ok(AccountIdentity {
                    channel: ChannelKind::Instagram,
                    external_id: id,
                    name: username.clone(),
                    handle: Some(username),
                })
            }
        }
    }

    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        let start = Cursor::parse(cursor);
        let deadline = Instant::now() + wait;
        loop {
            if !wait.is_zero() {
                // Pace polls instead of answering at once: the sync engine calls again at once.
                let interval = Duration::from_millis(self.poll_interval_ms.load(Ordering::Relaxed));
                let last = *self
                    .last_poll
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(due) = last.map(|l| l + interval)
                    && due > Instant::now()
                {
                    if due >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Ok(Fetched::default());
                    }
                    tokio::time::sleep_until(due).await;
                }
            }
            let (batch, next, more) = self.poll_once(start.clone()).await?;
            let moved = next != start;
            if !batch.is_empty() || more || moved || wait.is_zero() || Instant::now() >= deadline {
                return Ok(Fetched {
                    batch,
                    cursor: moved.then(|| next.to_json()),
                    more,
                    progress: None,
                });
            }
        }
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        // Past the standard 24 h, an approved Page may still answer as a person with the
        // HUMAN_AGENT tag (up to 7 days). Otherwise a plain reply: inside the window it is the
        // right one, and outside (only after the agent chose "send anyway") Meta's refusal says why.
        let tag = message.customer_last_wrote_at.and_then(|last| {
            match window_state(last, self.cfg.clock.now(), self.human_agent_approved()) {
                WindowState::HumanAgentOnly { .. } => Some(MessageTag::HumanAgent),
                _ => None,
            }
        });
        self.send_inner(message, tag).await
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        let (message_id, attachment_id) =
            remote_ref
                .split_once('#')
                .ok_or_else(|| ChannelError::Rejected {
                    code: 0,
                    message: "This attachment reference is not one Parley made for Facebook."
                        .into(),
                })?;
        let v = self
            .get(
                message_id,
                &[("fields", "id,attachments".into())],
                "the attachment lookup",
            )
            .await?;
        let m: wire::Message = API.decode(v, "the attachment lookup", Effect::Read)?;
        let attachments = m.attachments.map(|p| p.data).unwrap_or_default();
        let found = attachments.iter().enumerate().find(|(i, a)| {
            a.id.as_deref() == Some(attachment_id) || format!("#{i}") == attachment_id
        });
        let Some((_, a)) = found else {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "Facebook no longer has this attachment.".into(),
            });
        };
        let Some(url) = a
            .url()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        else {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "Facebook gave no link to download this attachment.".into(),
            });
        };
        // Meta's CDN links are signed; the Page token is not sent there.
        Ok(Downloaded {
            bytes: API.download(&self.http, url).await?,
            file_name: a.name.clone(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock that says what the test tells it.
    struct At(Millis);

    impl Clock for At {
        fn now(&self) -> Millis {
            self.0
        }
    }

    #[tokio::test]
    async fn the_reply_window_and_the_receipt_read_the_injected_clock() {
        use parley_sim::graph::{FakeGraph, FakeGraphConfig, Platform};
        let fake = FakeGraph::start(FakeGraphConfig::default())
            .await
            .expect("fake starts");
        fake.approve_human_agent(true);
        let person = fake.customer(Platform::Messenger, "Ana", None);
        let conv = fake.inject_text(&person, "hello").conversation_id;
        let wrote_at = SystemClock.now();
        // A day and an hour later by the injected clock: only a person's tagged reply may go.
        let later = wrote_at + 25 * 3_600_000;
        let mut cfg = GraphConfig::new(fake.page_id(), fake.page_token(), GraphPlatform::Messenger)
            .with_api_base(&fake.base_url())
            .with_clock(Arc::new(At(later)));
        cfg.human_agent_approved = true;
        let ch = GraphChannel::new(cfg).expect("client");
        let receipt = ch
            .send(&OutgoingMessage {
                remote_thread_id: conv,
                customer_remote_id: person.id.clone(),
                text: "a person answers".into(),
                customer_last_wrote_at: Some(wrote_at),
                ..OutgoingMessage::default()
            })
            .await
            .expect("sent");
        assert_eq!(receipt.sent_at, later);
        let sent = fake.sent_messages();
        assert_eq!(
            sent.last().and_then(|s| s.tag.as_deref()),
            Some("HUMAN_AGENT")
        );
    }

    #[test]
    fn window_states() {
        let h = 3_600_000;
        assert_eq!(
            window_state(0, 23 * h, false),
            WindowState::Open { closes_at: 24 * h }
        );
        assert_eq!(
            window_state(0, 25 * h, true),
            WindowState::HumanAgentOnly { closes_at: 168 * h }
        );
        assert_eq!(
            window_state(0, 25 * h, false),
            WindowState::HumanAgentNotApproved
        );
        assert_eq!(window_state(0, 169 * h, true), WindowState::Closed);
    }

    #[test]
    fn cursor_round_trips_and_lists_partial_threads() {
        let mut c = Cursor {
            v: 1,
            mark: Some(5),
            ..Cursor::default()
        };
        c.partial.insert("ig1".into());
        c.known.insert("t_1".into(), ("m_1".into(), 5));
        let json = c.to_json();
        assert_eq!(Cursor::parse(Some(&json)), c);
        assert_eq!(partial_history_threads(&json), vec!["ig1".to_owned()]);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::default());
    }
}
