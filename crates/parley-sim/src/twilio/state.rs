//! The fake's state: messages with their media, opt-outs, and how statuses progress over time.

use std::collections::BTreeSet;
use std::path::Path;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::{InboundMedia, Template};

/// Keywords Twilio's default opt-out handling recognises (case-insensitive, whole message).
pub(crate) const STOP_WORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
pub(crate) const START_WORDS: &[&str] = &["START", "YES", "UNSTOP"];

const STOP_REPLY: &str = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.";
const START_REPLY: &str = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.";

/// How an outbound message ends once its progression is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum Outcome {
    Delivered,
    /// Fails one step after creation with this error code (e.g. 63016 outside the window).
    Failed {
        code: i64,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Media {
    pub sid: String,
    pub content_type: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Override {
    status: String,
    error_code: Option<i64>,
    at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Msg {
    pub sid: String,
    pub seq: u64,
    pub from: String,
    pub to: String,
    pub body: String,
    pub direction: String,
    /// Unix milliseconds.
    pub created: i64,
    pub media: Vec<Media>,
    outcome: Outcome,
    #[serde(default)]
    status_override: Option<Override>,
    #[serde(default)]
    pub via_api: bool,
}

/// A message as the API shows it at some instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    /// `inbound`, `outbound-api` or `outbound-reply`.
    pub direction: String,
    pub status: String,
    pub error_code: Option<i64>,
    /// Unix milliseconds.
    pub date_created: i64,
    pub date_sent: Option<i64>,
    pub date_updated: i64,
    pub num_segments: u32,
    /// `(sid, content_type)` of each media item.
    pub media: Vec<(String, String)>,
    /// Created through `POST …/Messages.json`.
    pub via_api: bool,
    pub(crate) seq: u64,
}

impl MessageView {
    /// The time Twilio sorts and filters by: `date_sent`, or creation while unsent.
    pub fn sort_ms(&self) -> i64 {
        self.date_sent.unwrap_or(self.date_created)
    }
}

#[derive(Default, Serialize, Deserialize)]
pub(crate) struct State {
    seq: u64,
    messages: Vec<Msg>,
    /// (customer address, our address).
    opt_outs: BTreeSet<(String, String)>,
    #[serde(default)]
    pub extra_templates: Vec<Template>,
}

pub(crate) fn random_sid(prefix: &str) -> String {
    let mut rng = rand::rng();
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16usize)]))
        .collect();
    format!("{prefix}{hex}")
}

fn segments(body: &str) -> u32 {
    let gsm = body
        .chars()
        .all(|c| c.is_ascii() && !c.is_ascii_control() || c == '\n');
    let (single, part) = if gsm { (160, 153) } else { (70, 67) };
    let n = body.chars().count();
    let parts = if n <= single { 1 } else { n.div_ceil(part) };
    u32::try_from(parts).unwrap_or(u32::MAX)
}

impl State {
    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        crate::persist::load(path)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn media_of(items: Vec<InboundMedia>) -> Vec<Media> {
        items
            .into_iter()
            .map(|m| Media {
                sid: random_sid("ME"),
                content_type: m.content_type,
                bytes: m.bytes,
            })
            .collect()
    }

    pub fn inbound(
        &mut self,
        _account: &str,
        from: &str,
        to: &str,
        body: &str,
        media: Vec<InboundMedia>,
        at: i64,
    ) -> String {
        let seq = self.next_seq();
        let sid = random_sid(if media.is_empty() { "SM" } else { "MM" });
        self.messages.push(Msg {
            sid: sid.clone(),
            seq,
            from: from.to_owned(),
            to: to.to_owned(),
            body: body.to_owned(),
            direction: "inbound".to_owned(),
            created: at,
            media: Self::media_of(media),
            outcome: Outcome::Delivered,
            status_override: None,
            via_api: false,
        });
        // Twilio's default opt-out handling: SMS only, whole-message keywords, with an auto-reply.
        if !to.starts_with("whatsapp:") {
            let word = body.trim().to_ascii_uppercase();
            let reply = if STOP_WORDS.contains(&word.as_str()) {
                self.set_opt_out(from, to, true);
                Some(STOP_REPLY)
            } else if START_WORDS.contains(&word.as_str()) {
                self.set_opt_out(from, to, false);
                Some(START_REPLY)
            } else {
                None
            };
            if let Some(reply) = reply {
                self.create_outbound(NewOutbound {
                    from: to,
                    to: from,
                    body: reply,
                    media: Vec::new(),
                    direction: "outbound-reply",
                    at: at + 1000,
                    outcome: Outcome::Delivered,
                    via_api: false,
                });
            }
        }
        sid
    }

    pub fn create_outbound(&mut self, new: NewOutbound<'_>) -> String {
        let seq = self.next_seq();
        let sid = random_sid(if new.media.is_empty() { "SM" } else { "MM" });
        self.messages.push(Msg {
            sid: sid.clone(),
            seq,
            from: new.from.to_owned(),
            to: new.to.to_owned(),
            body: new.body.to_owned(),
            direction: new.direction.to_owned(),
            created: new.at,
            media: new.media,
            outcome: new.outcome,
            status_override: None,
            via_api: new.via_api,
        });
        sid
    }

    pub fn set_opt_out(&mut self, customer: &str, number: &str, opted_out: bool) {
        let key = (customer.to_owned(), number.to_owned());
        if opted_out {
            self.opt_outs.insert(key);
        } else {
            self.opt_outs.remove(&key);
        }
    }

    pub fn is_opted_out(&self, customer: &str, number: &str) -> bool {
        self.opt_outs
            .contains(&(customer.to_owned(), number.to_owned()))
    }

    /// When `customer` last wrote to `ours` (Unix ms).
    pub fn last_inbound(&self, customer: &str, ours: &str) -> Option<i64> {
        self.messages
            .iter()
            .filter(|m| m.direction == "inbound" && m.from == customer && m.to == ours)
            .map(|m| m.created)
            .max()
    }

    pub fn override_status(
        &mut self,
        sid: &str,
        status: &str,
        error_code: Option<i64>,
        now: i64,
    ) -> bool {
        match self.messages.iter_mut().find(|m| m.sid == sid) {
            Some(m) => {
                m.status_override = Some(Override {
                    status: status.to_owned(),
                    error_code,
                    at: now,
                });
                true
            }
            None => false,
        }
    }

    pub fn find_media(&self, message_sid: &str, media_sid: &str) -> Option<&Media> {
        self.messages
            .iter()
            .find(|m| m.sid == message_sid)?
            .media
            .iter()
            .find(|x| x.sid == media_sid)
    }

    pub fn find(&self, sid: &str) -> Option<&Msg> {
        self.messages.iter().find(|m| m.sid == sid)
    }

    pub fn views(&self, now: i64, step: i64) -> Vec<MessageView> {
        self.messages.iter().map(|m| view(m, now, step)).collect()
    }

    pub fn view_of(&self, sid: &str, now: i64, step: i64) -> Option<MessageView> {
        self.find(sid).map(|m| view(m, now, step))
    }
}

pub(crate) struct NewOutbound<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
    pub media: Vec<Media>,
    pub direction: &'a str,
    pub at: i64,
    pub outcome: Outcome,
    pub via_api: bool,
}

/// Where an outbound message stands `now`: one status step every `step` ms after creation.
fn view(m: &Msg, now: i64, step: i64) -> MessageView {
    let c = m.created;
    let (status, error_code, date_sent, date_updated) = if m.direction == "inbound" {
        ("received".to_owned(), None, Some(c), c)
    } else if let Some(o) = &m.status_override {
        let sent = matches!(
            o.status.as_str(),
            "sent" | "delivered" | "undelivered" | "read"
        )
        .then_some(c + step.max(0));
        (o.status.clone(), o.error_code, sent, o.at)
    } else {
        let k = if step <= 0 {
            i64::MAX
        } else {
            (now - c).max(0) / step
        };
        let at = |n: i64| c + n * step.max(0);
        match (m.outcome, k) {
            (_, 0) => ("queued".to_owned(), None, None, c),
            (Outcome::Failed { code }, _) => ("failed".to_owned(), Some(code), None, at(1)),
            (Outcome::Delivered, 1) => ("sending".to_owned(), None, Some(at(1)), at(1)),
            (Outcome::Delivered, 2) => ("sent".to_owned(), None, Some(at(1)), at(2)),
            (Outcome::Delivered, _) => ("delivered".to_owned(), None, Some(at(1)), at(3)),
        }
    };
    MessageView {
        sid: m.sid.clone(),
        from: m.from.clone(),
        to: m.to.clone(),
        body: m.body.clone(),
        direction: m.direction.clone(),
        status,
        error_code,
        date_created: c,
        date_sent,
        date_updated,
        num_segments: segments(&m.body),
        media: m
            .media
            .iter()
            .map(|x| (x.sid.clone(), x.content_type.clone()))
            .collect(),
        via_api: m.via_api,
        seq: m.seq,
    }
}

/// Twilio's text for an error code, for `error_message`.
pub(crate) fn error_text(code: i64) -> &'static str {
    match code {
        63016 => {
            "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."
        }
        30003 => "Unreachable destination handset",
        30005 => "Unknown destination handset",
        30007 => "Message filtered",
        21610 => "Attempt to send to unsubscribed recipient",
        _ => "Message delivery failed",
    }
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
