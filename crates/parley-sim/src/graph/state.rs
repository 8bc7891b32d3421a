//! What the fake Graph API remembers, in one serialisable struct (the demo persists it), and the
//! rules the Send API and the handover endpoints enforce.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fields::Field;
use super::{GraphError, InboundAttachment, Person, Platform, SentRecord, iso8601};

/// The standard messaging window after the customer's last message.
pub(crate) const WINDOW_SECS: i64 = 24 * 3600;
/// How long the HUMAN_AGENT tag stretches it.
pub(crate) const HUMAN_AGENT_SECS: i64 = 7 * 24 * 3600;
/// Instagram exposes only this many of a conversation's newest messages.
pub(crate) const IG_DETAIL_LIMIT: usize = 20;
/// Tags refused since April 2026 (CHANNELS.md).
const DEPRECATED_TAGS: &[&str] = &[
    "CONFIRMED_EVENT_UPDATE",
    "ACCOUNT_UPDATE",
    "POST_PURCHASE_UPDATE",
];
const SENT_LOG_CAP: usize = 400;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Attachment {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub image: bool,
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Msg {
    pub id: String,
    /// Insertion order: a tie-breaker for messages in the same second.
    pub seq: u64,
    pub created: i64,
    pub from_page: bool,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Conv {
    pub id: String,
    pub page_id: String,
    pub platform: Platform,
    pub customer: Person,
    /// Oldest first by (created, seq).
    pub messages: Vec<Msg>,
    /// App that owns the thread (handover protocol); `None` is idle.
    pub owner: Option<String>,
    /// The customer blocked the Page or deactivated their account (error 551).
    pub unavailable: bool,
    /// An app that asked for control with request_thread_control.
    pub requested_by: Option<String>,
}

impl Conv {
    /// When the last message was written: Graph's `updated_time`.
    pub fn updated(&self) -> i64 {
        self.messages.iter().map(|m| m.created).max().unwrap_or(0)
    }

    /// Newest first; Instagram hides all but the newest 20.
    pub fn visible(&self) -> Vec<&Msg> {
        let mut all: Vec<&Msg> = self.messages.iter().collect();
        all.sort_by_key(|m| std::cmp::Reverse((m.created, m.seq)));
        if self.platform == Platform::Instagram {
            all.truncate(IG_DETAIL_LIMIT);
        }
        all
    }

    fn last_inbound(&self) -> Option<i64> {
        self.messages
            .iter()
            .filter(|m| !m.from_page)
            .map(|m| m.created)
            .max()
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    pub seeded: bool,
    pub seq: u64,
    pub conversations: BTreeMap<String, Conv>,
    /// Customers by id, whether or not they have written yet.
    pub people: BTreeMap<String, Person>,
    pub sent: Vec<SentRecord>,
    pub sent_total: u64,
    /// Pages whose app is approved for the HUMAN_AGENT tag.
    pub human_agent: BTreeSet<String>,
    /// Pages whose token was expired through the control API.
    pub expired_tokens: BTreeSet<String>,
    /// Customers' profile pictures by customer id (served on the fake CDN; the User Profile
    /// API's `profile_pic` links there).
    #[serde(default)]
    pub profile_pics: BTreeMap<String, ProfilePic>,
}

/// A customer's profile picture.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ProfilePic {
    pub mime_type: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

/// What the renderers need to know about the Page a request is made for.
pub(crate) struct PageView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub ig: Option<(&'a str, &'a str)>,
    /// `http://127.0.0.1:PORT`, for attachment URLs and `next` links.
    pub base: &'a str,
}

fn random_alnum(n: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

impl State {
    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        crate::persist::load(path)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn add_person(
        &mut self,
        page_id: &str,
        platform: Platform,
        name: &str,
        username: Option<&str>,
    ) -> Person {
        let mut rng = rand::rng();
        // PSIDs are 16 digits, Instagram-scoped ids 17; both are strings on the wire.
        let id = match platform {
            Platform::Messenger => {
                rng.random_range(1_000_000_000_000_000u64..9_999_999_999_999_999)
            }
            Platform::Instagram => {
                rng.random_range(10_000_000_000_000_000u64..99_999_999_999_999_999)
            }
        }
        .to_string();
        let person = Person {
            id: id.clone(),
            page_id: page_id.to_owned(),
            platform,
            name: name.to_owned(),
            username: username.map(str::to_owned),
        };
        self.people.insert(id, person.clone());
        person
    }

    pub fn conversation_of(&self, person_id: &str) -> Option<&Conv> {
        self.conversations
            .values()
            .find(|c| c.customer.id == person_id)
    }

    fn conversation_id_for(&mut self, person: &Person) -> String {
        if let Some(c) = self.conversation_of(&person.id) {
            return c.id.clone();
        }
        let id = match person.platform {
            Platform::Messenger => format!(
                "t_{}",
                rand::rng().random_range(10u64.pow(14)..10u64.pow(15))
            ),
            // Instagram conversation ids are long base64 strings.
            Platform::Instagram => {
                format!("aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6{}", random_alnum(32))
            }
        };
        self.conversations.insert(
            id.clone(),
            Conv {
                id: id.clone(),
                page_id: person.page_id.clone(),
                platform: person.platform,
                customer: person.clone(),
                messages: Vec::new(),
                owner: None,
                unavailable: false,
                requested_by: None,
            },
        );
        id
    }

    fn new_message_id(&mut self, platform: Platform) -> String {
        match platform {
            Platform::Messenger => format!("m_{}", random_alnum(43)),
            Platform::Instagram => {
                format!("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE{}", random_alnum(40))
            }
        }
    }

    /// Adds a message to the person's conversation (created on first use).
    pub fn push_message(
        &mut self,
        person: &Person,
        from_page: bool,
        text: Option<String>,
        attachments: Vec<InboundAttachment>,
        created: i64,
    ) -> (String, String) {
        let conv_id = self.conversation_id_for(person);
        let id = self.new_message_id(person.platform);
        let seq = self.next_seq();
        let attachments = attachments
            .into_iter()
            .map(|a| Attachment {
                id: random_digits(15),
                image: a.mime_type.starts_with("image/"),
                name: a.name,
                mime_type: a.mime_type,
                width: a.width,
                height: a.height,
                bytes: a.bytes,
            })
            .collect();
        if let Some(conv) = self.conversations.get_mut(&conv_id) {
            conv.messages.push(Msg {
                id: id.clone(),
                seq,
                created,
                from_page,
                text,
                attachments,
            });
            conv.messages.sort_by_key(|m| (m.created, m.seq));
        }
        (conv_id, id)
    }

    pub fn find_message(&self, message_id: &str) -> Option<(&Conv, &Msg)> {
        self.conversations.values().find_map(|c| {
            c.messages
                .iter()
                .find(|m| m.id == message_id)
                .map(|m| (c, m))
        })
    }

    pub fn find_attachment(&self, attachment_id: &str) -> Option<&Attachment> {
        self.conversations
            .values()
            .flat_map(|c| c.messages.iter())
            .flat_map(|m| m.attachments.iter())
            .find(|a| a.id == attachment_id)
    }

    /// Conversations of a Page and platform, newest `updated_time` first (ties by id).
    pub fn listing(&self, page_id: &str, platform: Platform) -> Vec<&Conv> {
        let mut convs: Vec<&Conv> = self
            .conversations
            .values()
            .filter(|c| c.page_id == page_id && c.platform == platform && !c.messages.is_empty())
            .collect();
        convs.sort_by(|a, b| (b.updated(), &b.id).cmp(&(a.updated(), &a.id)));
        convs
    }

    // ---- Send API ----

    pub fn send(
        &mut self,
        page: &PageView<'_>,
        our_app: &str,
        body: &Value,
        now: i64,
    ) -> Result<(String, String), GraphError> {
        let recipient = body
            .get("recipient")
            .and_then(|r| r.get("id"))
            .and_then(id_string)
            .ok_or_else(|| GraphError::param("(#100) The parameter recipient is required"))?;
        let messaging_type = body
            .get("messaging_type")
            .and_then(Value::as_str)
            .unwrap_or("RESPONSE");
        let tag = body.get("tag").and_then(Value::as_str);
        match (messaging_type, tag) {
            ("RESPONSE" | "UPDATE", None) | ("MESSAGE_TAG", Some(_)) => {}
            ("MESSAGE_TAG", None) => {
                return Err(GraphError::param(
                    "(#100) Param tag must be set when messaging_type is MESSAGE_TAG",
                ));
            }
            ("RESPONSE" | "UPDATE", Some(_)) => {
                return Err(GraphError::param(
                    "(#100) Param tag can only be used when messaging_type is MESSAGE_TAG",
                ));
            }
            (other, _) => {
                return Err(GraphError::param(format!(
                    "(#100) Param messaging_type must be one of {{RESPONSE, UPDATE, MESSAGE_TAG}} - got \"{other}\""
                )));
            }
        }
        if let Some(tag) = tag {
            if DEPRECATED_TAGS.contains(&tag) {
                return Err(GraphError::param(format!(
                    "(#100) The tag {tag} is deprecated and can no longer be used. Use HUMAN_AGENT or a supported tag."
                )));
            }
            if !matches!(
                tag,
                "HUMAN_AGENT" | "ACCOUNT_UPDATE_V2" | "CUSTOMER_FEEDBACK"
            ) {
                return Err(GraphError::param(format!(
                    "(#100) Param tag must be a valid message tag - got \"{tag}\""
                )));
            }
        }
        let message = body
            .get("message")
            .ok_or_else(|| GraphError::param("(#100) The parameter message is required"))?;
        let upload = match message.get("attachment") {
            Some(attachment) => Some(uploaded_file(attachment, body.get("filedata"))?),
            None => None,
        };
        let text = message.get("text").and_then(Value::as_str).unwrap_or("");
        if upload.is_none() && text.trim().is_empty() {
            return Err(GraphError::param(
                "(#100) param message must be non-empty UTF-8 encoded text",
            ));
        }
        if upload.is_some() && !text.is_empty() {
            return Err(GraphError::param(
                "(#100) Only one of text or attachment can be specified",
            ));
        }
        if text.chars().count() >= 2000 {
            return Err(GraphError::param(
                "(#100) Length of param message[text] must be less than or equal to 2000",
            ));
        }
        let conv = self
            .conversations
            .values()
            .find(|c| c.page_id == page.id && c.customer.id == recipient)
            .ok_or_else(|| {
                GraphError::new(400, 100, Some(2_018_001), "(#100) No matching user found")
            })?;
        if conv.unavailable {
            return Err(GraphError::new(
                400,
                551,
                Some(1_545_041),
                "(#551) This person isn't available right now.",
            ));
        }
        if let Some(owner) = &conv.owner
            && owner != our_app
        {
            return Err(GraphError::new(
                400,
                10,
                Some(2_018_300),
                "(#10) This message is sent outside of allowed window. The thread is owned by another app.",
            ));
        }
        let window_subcode = match conv.platform {
            Platform::Messenger => 2_018_278,
            Platform::Instagram => 2_534_022,
        };
        let outside = |what: &str| {
            GraphError::new(
                400,
                10,
                Some(window_subcode),
                format!("(#10) This message is sent outside of allowed window. {what}"),
            )
        };
        let since = now - conv.last_inbound().unwrap_or(i64::MIN / 2);
        match tag {
            None if since > WINDOW_SECS => {
                return Err(outside(
                    "Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
                ));
            }
            Some("HUMAN_AGENT") => {
                if !self.human_agent.contains(page.id) {
                    return Err(GraphError::new(
                        403,
                        200,
                        Some(2_018_065),
                        "(#200) This app does not have the Human Agent permission needed to send with the HUMAN_AGENT tag.",
                    ));
                }
                if since > HUMAN_AGENT_SECS {
                    return Err(outside(
                        "The HUMAN_AGENT tag allows replies up to 7 days after the person's last message.",
                    ));
                }
            }
            _ => {}
        }
        let person = conv.customer.clone();
        let conv_id = conv.id.clone();
        let (kind, file) = match upload {
            Some((kind, file)) => (Some(kind), vec![file]),
            None => (None, Vec::new()),
        };
        let text_sent = kind.is_none().then(|| text.to_owned());
        let (_, message_id) = self.push_message(&person, true, text_sent, file, now);
        let attachment = kind.and_then(|kind| {
            let (_, m) = self.find_message(&message_id)?;
            let a = m.attachments.first()?;
            Some(super::SentAttachment {
                kind,
                id: a.id.clone(),
                name: a.name.clone(),
                mime_type: a.mime_type.clone(),
                size: a.bytes.len() as u64,
            })
        });
        self.sent_total += 1;
        self.sent.push(SentRecord {
            seq: self.sent_total,
            page_id: page.id.to_owned(),
            conversation_id: conv_id,
            recipient_id: recipient.clone(),
            message_id: message_id.clone(),
            text: text.to_owned(),
            messaging_type: messaging_type.to_owned(),
            tag: tag.map(str::to_owned),
            at: now,
            attachment,
        });
        if self.sent.len() > SENT_LOG_CAP {
            self.sent.remove(0);
        }
        Ok((recipient, message_id))
    }

    // ---- Handover protocol ----

    fn conv_for_recipient(&mut self, page_id: &str, body: &Value) -> Result<&mut Conv, GraphError> {
        let recipient = body
            .get("recipient")
            .and_then(|r| r.get("id"))
            .and_then(id_string)
            .ok_or_else(|| GraphError::param("(#100) The parameter recipient is required"))?;
        self.conversations
            .values_mut()
            .find(|c| c.page_id == page_id && c.customer.id == recipient)
            .ok_or_else(|| {
                GraphError::new(400, 100, Some(2_018_001), "(#100) No matching user found")
            })
    }

    pub fn handover(
        &mut self,
        page_id: &str,
        our_app: &str,
        primary: bool,
        action: &str,
        body: &Value,
    ) -> Result<(), GraphError> {
        let conv = self.conv_for_recipient(page_id, body)?;
        if conv.unavailable {
            return Err(GraphError::new(
                400,
                551,
                Some(1_545_041),
                "(#551) This person isn't available right now.",
            ));
        }
        let owned_by_other = conv.owner.as_deref().is_some_and(|o| o != our_app);
        match action {
            "pass_thread_control" => {
                let target = body
                    .get("target_app_id")
                    .and_then(id_string)
                    .ok_or_else(|| {
                        GraphError::param("(#100) The parameter target_app_id is required")
                    })?;
                if owned_by_other {
                    return Err(GraphError::new(
                        400,
                        10,
                        Some(2_018_300),
                        "(#10) Only the thread owner can pass thread control.",
                    ));
                }
                conv.owner = Some(target);
                conv.requested_by = None;
            }
            "take_thread_control" => {
                if !primary && owned_by_other {
                    return Err(GraphError::new(
                        400,
                        10,
                        Some(2_018_300),
                        "(#10) Only the primary receiver can take thread control from another app.",
                    ));
                }
                conv.owner = Some(our_app.to_owned());
                conv.requested_by = None;
            }
            "request_thread_control" => {
                if !owned_by_other {
                    return Err(GraphError::param(
                        "(#100) The app already controls this thread or the thread is idle.",
                    ));
                }
                conv.requested_by = Some(our_app.to_owned());
            }
            "release_thread_control" => {
                if conv.owner.as_deref() != Some(our_app) {
                    return Err(GraphError::new(
                        400,
                        10,
                        Some(2_018_300),
                        "(#10) Only the thread owner can release thread control.",
                    ));
                }
                conv.owner = None;
            }
            _ => return Err(GraphError::unknown_path()),
        }
        Ok(())
    }

    // ---- rendering ----

    pub fn render_person(&self, platform: Platform, p: &Person) -> Value {
        match platform {
            Platform::Messenger => json!({
                "name": p.name,
                "email": format!("{}@facebook.com", p.id),
                "id": p.id,
            }),
            Platform::Instagram => json!({
                "username": p.username.clone().unwrap_or_else(|| p.name.to_lowercase().replace(' ', "_")),
                "id": p.id,
            }),
        }
    }

    pub fn render_page_participant(&self, page: &PageView<'_>, platform: Platform) -> Value {
        match (platform, page.ig) {
            (Platform::Instagram, Some((id, username))) => {
                json!({ "username": username, "id": id })
            }
            _ => json!({
                "name": page.name,
                "email": format!("{}@facebook.com", page.id),
                "id": page.id,
            }),
        }
    }

    pub fn render_message(
        &self,
        page: &PageView<'_>,
        conv: &Conv,
        m: &Msg,
        fields: &[Field],
    ) -> Value {
        let customer = self.render_person(conv.platform, &conv.customer);
        let me = self.render_page_participant(page, conv.platform);
        let (from, to) = if m.from_page {
            (me, customer)
        } else {
            (customer, me)
        };
        let mut out = serde_json::Map::new();
        out.insert("id".into(), json!(m.id));
        for f in fields {
            match f.name.as_str() {
                "created_time" => {
                    out.insert("created_time".into(), json!(iso8601(m.created)));
                }
                "from" => {
                    out.insert("from".into(), from.clone());
                }
                "to" => {
                    out.insert("to".into(), json!({ "data": [to.clone()] }));
                }
                "message" => {
                    out.insert("message".into(), json!(m.text.clone().unwrap_or_default()));
                }
                "attachments" if !m.attachments.is_empty() => {
                    let data: Vec<Value> = m
                        .attachments
                        .iter()
                        .map(|a| render_attachment(page.base, a))
                        .collect();
                    out.insert("attachments".into(), json!({ "data": data }));
                }
                _ => {}
            }
        }
        Value::Object(out)
    }

    /// One page of a conversation's messages edge, newest first, keyset-paged on (created, seq).
    pub fn messages_page(
        &self,
        page: &PageView<'_>,
        conv: &Conv,
        fields: &[Field],
        limit: usize,
        after: Option<&str>,
        token_query: &str,
    ) -> Value {
        let visible = conv.visible();
        let start = match after.and_then(decode_cursor) {
            Some(seq) => visible
                .iter()
                .position(|m| m.seq.to_string() == seq)
                .map_or(visible.len(), |p| p + 1),
            None => 0,
        };
        let slice: Vec<&&Msg> = visible.iter().skip(start).take(limit).collect();
        let data: Vec<Value> = slice
            .iter()
            .map(|m| self.render_message(page, conv, m, fields))
            .collect();
        let mut body = json!({ "data": data });
        if let (Some(first), Some(last)) = (slice.first(), slice.last()) {
            let after_cursor = encode_cursor(&last.seq.to_string());
            let mut paging = json!({
                "cursors": {
                    "before": encode_cursor(&first.seq.to_string()),
                    "after": after_cursor.clone(),
                }
            });
            if start + slice.len() < visible.len() {
                let query = serde_urlencoded::to_string([
                    ("fields", super::fields::render(fields)),
                    ("limit", limit.to_string()),
                    ("after", after_cursor),
                ])
                .unwrap_or_default();
                paging["next"] = json!(format!(
                    "{}/v23.0/{}/messages?{token_query}{query}",
                    page.base, conv.id,
                ));
            }
            body["paging"] = paging;
        }
        body
    }

    pub fn render_conversation(
        &self,
        page: &PageView<'_>,
        our_app: &str,
        conv: &Conv,
        fields: &[Field],
        token_query: &str,
    ) -> Value {
        let mut out = serde_json::Map::new();
        out.insert("id".into(), json!(conv.id));
        for f in fields {
            match f.name.as_str() {
                "updated_time" => {
                    out.insert("updated_time".into(), json!(iso8601(conv.updated())));
                }
                "participants" => {
                    out.insert(
                        "participants".into(),
                        json!({ "data": [
                            self.render_person(conv.platform, &conv.customer),
                            self.render_page_participant(page, conv.platform),
                        ]}),
                    );
                }
                "message_count" => {
                    out.insert("message_count".into(), json!(conv.messages.len()));
                }
                "can_reply" => {
                    out.insert("can_reply".into(), json!(!conv.unavailable));
                }
                "is_owner" => {
                    out.insert(
                        "is_owner".into(),
                        json!(conv.owner.as_deref().is_none_or(|o| o == our_app)),
                    );
                }
                "messages" => {
                    let sub = if f.sub.is_empty() {
                        vec![Field::named("created_time")]
                    } else {
                        f.sub.clone()
                    };
                    let limit = f.limit.unwrap_or(25).clamp(1, 100);
                    out.insert(
                        "messages".into(),
                        self.messages_page(page, conv, &sub, limit, None, token_query),
                    );
                }
                _ => {}
            }
        }
        Value::Object(out)
    }
}

/// The Send API's limit on an uploaded attachment.
const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// A multipart file part as the HTTP face hands it over (in the parameter map).
pub(crate) fn upload_value(part: &crate::multipart::Part) -> Value {
    json!({
        "filename": part.filename,
        "content_type": part.content_type,
        "bytes": base64::engine::general_purpose::STANDARD.encode(&part.data),
    })
}

/// The file of an attachment send: `message.attachment` = `{type, payload}` with the bytes
/// uploaded in `filedata`. Sending by URL or by a saved attachment id is not modelled.
fn uploaded_file(
    attachment: &Value,
    filedata: Option<&Value>,
) -> Result<(String, InboundAttachment), GraphError> {
    let kind = attachment.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "image" | "video" | "audio" | "file") {
        return Err(GraphError::param(format!(
            "(#100) param message[attachment][type] must be one of {{image, audio, video, file, template}} - got \"{kind}\""
        )));
    }
    let payload = attachment.get("payload");
    if payload.is_some_and(|p| p.get("url").is_some() || p.get("attachment_id").is_some()) {
        return Err(GraphError::param(
            "(#100) This fake accepts attachments uploaded as filedata only",
        ));
    }
    let file = filedata.ok_or_else(|| {
        GraphError::param("(#100) Upload attachment failure: no filedata in the request")
    })?;
    let bytes = file
        .get("bytes")
        .and_then(Value::as_str)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    if bytes.is_empty() {
        return Err(GraphError::param(
            "(#100) Upload attachment failure: the file is empty",
        ));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(GraphError::param(
            "(#100) Upload attachment failure: attachment size exceeds the allowable limit of 25 MB",
        ));
    }
    let name = file
        .get("filename")
        .and_then(Value::as_str)
        .unwrap_or("file")
        .to_owned();
    let mime_type = file
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream")
        .to_owned();
    if kind == "audio" && !mime_type.starts_with("audio/") {
        return Err(GraphError::param(
            "(#100) Upload attachment failure: the Content-Type of an audio attachment must be audio/*",
        ));
    }
    Ok((
        kind.to_owned(),
        InboundAttachment {
            name,
            mime_type,
            bytes,
            width: None,
            height: None,
        },
    ))
}

fn render_attachment(base: &str, a: &Attachment) -> Value {
    let url = format!("{base}/cdn/{}/{}?oh=fake&oe=FFFFFFFF", a.id, a.name);
    let mut v = json!({
        "id": a.id,
        "mime_type": a.mime_type,
        "name": a.name,
        "size": a.bytes.len(),
    });
    if a.image {
        v["image_data"] = json!({
            "url": url,
            "preview_url": url,
            "width": a.width.unwrap_or(640),
            "height": a.height.unwrap_or(480),
        });
    } else {
        v["file_url"] = json!(url);
    }
    v
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|i| {
            let d = if i == 0 {
                rng.random_range(1..10u8)
            } else {
                rng.random_range(0..10u8)
            };
            char::from(b'0' + d)
        })
        .collect()
}

/// Ids arrive as strings or numbers depending on the client.
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Graph cursors are opaque base64 strings; these carry a sort key.
pub(crate) fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("fake:{key}"))
}

pub(crate) fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("fake:")
        .map(str::to_owned)
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}
