//! Graph's JSON, its error envelope, and the mapping to Parley's types. Private to the adapter.

use crate::ChannelError;
use crate::http::Effect;
use parley_domain::{Attachment, AttachmentKind, Direction, IncomingMessage, Millis, RemotePerson};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Cursors {
    pub after: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

impl<T> Page<T> {
    pub fn next(&self) -> Option<&str> {
        self.paging.as_ref().and_then(|p| p.next.as_deref())
    }

    pub fn after(&self) -> Option<&str> {
        self.paging
            .as_ref()
            .and_then(|p| p.cursors.as_ref())
            .and_then(|c| c.after.as_deref())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Participant {
    pub id: String,
    pub name: Option<String>,
    pub username: Option<String>,
}

impl Participant {
    pub fn person(&self) -> RemotePerson {
        RemotePerson {
            remote_id: self.id.clone(),
            display_name: self
                .name
                .clone()
                .or_else(|| self.username.clone())
                .unwrap_or_else(|| format!("Customer {}", self.id)),
            handle: self.username.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Conversation {
    pub id: String,
    pub updated_time: Value,
    pub participants: Option<Page<Participant>>,
    pub messages: Option<Page<Message>>,
    /// Conversation Routing / handover: whether this app may answer (false: another app, such
    /// as a bot or Meta's inbox, controls the conversation). Absent when Meta does not say.
    #[serde(default)]
    pub is_owner: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Message {
    pub id: String,
    #[serde(default)]
    pub created_time: Value,
    pub from: Option<Participant>,
    pub message: Option<String>,
    pub attachments: Option<Page<GraphAttachment>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct GraphAttachment {
    pub id: Option<String>,
    pub mime_type: Option<String>,
    pub name: Option<String>,
    pub size: Option<i64>,
    pub image_data: Option<ImageData>,
    pub file_url: Option<String>,
    pub video_data: Option<VideoData>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ImageData {
    pub url: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct VideoData {
    pub url: Option<String>,
}

impl GraphAttachment {
    pub fn url(&self) -> Option<&str> {
        self.image_data
            .as_ref()
            .and_then(|i| i.url.as_deref())
            .or(self.video_data.as_ref().and_then(|v| v.url.as_deref()))
            .or(self.file_url.as_deref())
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct PageInfo {
    pub id: String,
    pub name: Option<String>,
    pub instagram_business_account: Option<Participant>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DebugToken {
    pub data: DebugTokenData,
}

#[derive(Debug, Deserialize)]
pub(super) struct DebugTokenData {
    #[serde(default)]
    pub is_valid: bool,
    #[serde(default)]
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SendResult {
    pub message_id: String,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    error: GraphErrorBody,
}

#[derive(Debug, Deserialize)]
struct GraphErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    error_subcode: Option<i64>,
    error_user_msg: Option<String>,
}

// ---- time ----

/// Graph times: ISO 8601 with `+0000` (also `Z`, `+00:00`, other offsets), or Unix seconds as a
/// number or a string (the Instagram-Login host).
pub(super) fn parse_time(v: &Value) -> Option<Millis> {
    match v {
        Value::Number(n) => n.as_i64().map(crate::time::millis_from_secs),
        Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() => {
            s.parse::<i64>().ok().map(crate::time::millis_from_secs)
        }
        Value::String(s) => parse_iso(s),
        _ => None,
    }
}

fn parse_iso(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        rest = &frac[digits.len()..];
        let padded = format!("{digits:0<3}");
        millis = padded.get(0..3)?.parse::<i64>().ok()?;
    }
    let offset_secs = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let oh = digits.get(0..2)?.parse::<i64>().ok()?;
            let om = digits.get(2..4)?.parse::<i64>().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let at = crate::time::millis_from_civil((y, mo, d), h * 3600 + mi * 60 + se, offset_secs)?;
    Some(at + millis)
}

// ---- errors ----

/// Usage reported in `X-App-Usage` / `X-Business-Use-Case-Usage`: the highest percentage and the
/// wait Meta estimates before access returns.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Usage {
    pub percent: Option<u32>,
    pub regain: Option<Duration>,
}

fn max_pct(v: &Value, usage: &mut Usage) {
    for key in ["call_count", "total_cputime", "total_time"] {
        if let Some(p) = v.get(key).and_then(Value::as_u64) {
            let p = u32::try_from(p).unwrap_or(u32::MAX);
            usage.percent = Some(usage.percent.map_or(p, |q| q.max(p)));
        }
    }
    // Meta gives this one in minutes.
    if let Some(m) = v
        .get("estimated_time_to_regain_access")
        .and_then(Value::as_u64)
        .filter(|m| *m > 0)
    {
        let d = Duration::from_secs(m * 60);
        usage.regain = Some(usage.regain.map_or(d, |r| r.max(d)));
    }
}

pub(super) fn parse_usage(app: Option<&str>, buc: Option<&str>) -> Usage {
    let mut usage = Usage::default();
    if let Some(v) = app.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        max_pct(&v, &mut usage);
    }
    if let Some(Value::Object(map)) = buc.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        for entries in map.values() {
            for entry in entries.as_array().into_iter().flatten() {
                max_pct(entry, &mut usage);
            }
        }
    }
    usage
}

/// The default wait when Meta rate-limits without saying for how long.
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(60);

/// Maps an error answer by (code, subcode). `Rejected.code` carries the subcode when Meta gave
/// one (2018278, 2534022, 2018300, 1545041...), else the code, so callers can branch on it.
pub(super) fn map_error(
    status: u16,
    body: &[u8],
    usage: Usage,
    what: &str,
    effect: Effect,
) -> ChannelError {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return if status >= 500 {
            ChannelError::Transient(format!(
                "Facebook is having trouble (HTTP {status} on {what}); Parley will try again."
            ))
        } else if status == 401 || status == 403 {
            ChannelError::Unauthorized(format!(
                "Facebook refused the Page access token (HTTP {status} on {what}). Generate a new Page access token and enter it again in Accounts."
            ))
        } else {
            ChannelError::Rejected {
                code: i64::from(status),
                message: format!("Facebook answered HTTP {status} to {what}."),
            }
        };
    };
    let e = envelope.error;
    let said = e
        .error_user_msg
        .clone()
        .unwrap_or_else(|| e.message.clone());
    let rejected = |code: i64, message: String| ChannelError::Rejected { code, message };
    match (e.code, e.error_subcode) {
        (4 | 17 | 32 | 613 | 80001 | 80006, _) => {
            let retry_after = usage.regain.unwrap_or(DEFAULT_RATE_WAIT);
            ChannelError::RateLimited {
                retry_after,
                message: format!(
                    "Facebook asks Parley to slow down ({said}); retrying in {} s.",
                    retry_after.as_secs()
                ),
            }
        }
        (190 | 102, _) => ChannelError::Unauthorized(format!(
            "Facebook no longer accepts this Page access token ({said}). Generate a new Page access token for the Page (Meta Business Suite or the Graph API Explorer) and enter it again in Accounts."
        )),
        (551, sub) => rejected(
            sub.unwrap_or(551),
            "This person isn't available right now (they may have blocked the Page or deactivated their account), so Facebook will not deliver messages to them. Parley will not retry.".into(),
        ),
        (10, Some(sub @ (2_018_278 | 2_534_022))) => rejected(
            sub,
            "The 24-hour window closed: Facebook only lets a Page reply within 24 hours of the customer's last message (7 days for a person with the HUMAN_AGENT tag, where the Page is approved). Wait for the customer to write again.".into(),
        ),
        (10, Some(sub @ 2_018_300)) => rejected(
            sub,
            "Another app (e.g. a bot) controls this conversation; take control first, then send again.".into(),
        ),
        (200..=299, Some(sub @ 2_018_065)) => rejected(
            sub,
            "This Page is not approved by Meta for the HUMAN_AGENT tag, so replies after 24 hours are not possible.".into(),
        ),
        (10 | 200..=299, sub) => rejected(
            sub.unwrap_or(e.code),
            format!("The Page token is missing a permission for {what} ({said}). Generate a Page token with pages_messaging and the other permissions Parley asks for."),
        ),
        (100, sub) => rejected(sub.unwrap_or(100), format!("Facebook refused {what}: {said}")),
        (1 | 2 | 1200, _) => ChannelError::Transient(format!(
            "Facebook had a temporary failure ({said}); Parley will try again."
        )),
        _ if status >= 500 => ChannelError::Transient(format!(
            "Facebook is having trouble ({said} on {what}); Parley will try again."
        )),
        (code, sub) => {
            let _ = effect;
            rejected(sub.unwrap_or(code), format!("Facebook refused {what}: {said}"))
        }
    }
}

// ---- mapping ----

/// `"{message id}#{attachment id}"`: the message is re-read on download because Meta's file URLs
/// expire.
pub(super) fn attachment_ref(message_id: &str, attachment_id: &str) -> String {
    format!("{message_id}#{attachment_id}")
}

fn attachment(message_id: &str, index: usize, a: &GraphAttachment) -> Attachment {
    let mime = a.mime_type.clone();
    let kind = match (&a.image_data, mime.as_deref()) {
        (Some(_), _) => AttachmentKind::Photo,
        (_, Some(m)) if m.starts_with("image/") => AttachmentKind::Photo,
        (_, Some(m)) if m.starts_with("video/") => AttachmentKind::Video,
        (_, Some(m)) if m.starts_with("audio/") => AttachmentKind::Audio,
        _ if a.video_data.is_some() => AttachmentKind::Video,
        _ => AttachmentKind::Document,
    };
    let id = a.id.clone().unwrap_or_else(|| format!("#{index}"));
    Attachment {
        kind,
        remote_ref: Some(attachment_ref(message_id, &id)),
        file_name: a.name.clone(),
        mime_type: mime,
        size: a.size,
        description: a
            .image_data
            .as_ref()
            .and_then(|i| Some(format!("{}×{}", i.width?, i.height?))),
    }
}

pub(super) struct Context<'a> {
    pub conversation_id: &'a str,
    pub customer: &'a RemotePerson,
    pub self_ids: &'a [String],
    pub page: &'a RemotePerson,
}

pub(super) fn incoming(m: &Message, ctx: &Context<'_>) -> Option<IncomingMessage> {
    let sent_at = parse_time(&m.created_time)?;
    let from_page = m
        .from
        .as_ref()
        .is_some_and(|f| ctx.self_ids.contains(&f.id));
    let (direction, sender) = if from_page {
        let sender = m.from.as_ref().map_or_else(
            || ctx.page.clone(),
            |f| RemotePerson {
                remote_id: f.id.clone(),
                display_name: f
                    .name
                    .clone()
                    .or_else(|| f.username.clone())
                    .unwrap_or_else(|| ctx.page.display_name.clone()),
                handle: f.username.clone(),
            },
        );
        (Direction::Outbound, sender)
    } else {
        (
            Direction::Inbound,
            m.from
                .as_ref()
                .map_or_else(|| ctx.customer.clone(), Participant::person),
        )
    };
    let attachments = m
        .attachments
        .as_ref()
        .map(|p| {
            p.data
                .iter()
                .enumerate()
                .map(|(i, a)| attachment(&m.id, i, a))
                .collect()
        })
        .unwrap_or_default();
    Some(IncomingMessage {
        remote_thread_id: ctx.conversation_id.to_owned(),
        remote_id: m.id.clone(),
        direction,
        sender,
        customer: ctx.customer.clone(),
        text: m.message.clone().unwrap_or_default(),
        attachments,
        sent_at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_graph_times() {
        assert_eq!(
            parse_time(&json!("2023-11-14T22:13:20+0000")),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_time(&json!("2023-11-14T23:13:20+01:00")),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_time(&json!("2023-11-14T22:13:20.5Z")),
            Some(1_700_000_000_500)
        );
        assert_eq!(parse_time(&json!(1_700_000_000)), Some(1_700_000_000_000));
        assert_eq!(parse_time(&json!("1700000000")), Some(1_700_000_000_000));
        assert_eq!(parse_time(&json!("yesterday")), None);
    }

    #[test]
    fn hostile_times_neither_overflow_nor_wrap() {
        let max = crate::time::MAX_SECS * 1000;
        assert_eq!(parse_time(&json!(i64::MAX)), Some(max));
        assert_eq!(parse_time(&json!("9223372036854775807")), Some(max));
        assert_eq!(parse_time(&json!(i64::MIN)), Some(0));
        assert_eq!(parse_time(&json!("1969-12-31T23:59:59Z")), None);
        assert_eq!(parse_time(&json!("2023-11-14T22:13:20+9999")), None);
    }

    #[test]
    fn maps_errors_by_code_and_subcode() {
        let body = |code: i64, sub: Option<i64>| {
            json!({"error": {"message": "m", "type": "OAuthException", "code": code, "error_subcode": sub, "fbtrace_id": "x"}})
                .to_string()
                .into_bytes()
        };
        let none = Usage::default();
        let e = map_error(400, &body(10, Some(2_018_278)), none, "send", Effect::Write);
        assert!(e.to_string().contains("24-hour window closed"), "{e}");
        assert!(matches!(
            e,
            ChannelError::Rejected {
                code: 2_018_278,
                ..
            }
        ));
        let e = map_error(
            400,
            &body(613, None),
            Usage {
                percent: Some(100),
                regain: Some(Duration::from_secs(300)),
            },
            "x",
            Effect::Read,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
        assert!(matches!(
            map_error(400, &body(190, Some(463)), none, "x", Effect::Read),
            ChannelError::Unauthorized(_)
        ));
        assert!(
            !map_error(400, &body(551, Some(1_545_041)), none, "x", Effect::Write).is_retryable()
        );
        assert!(matches!(
            map_error(500, &body(1200, None), none, "x", Effect::Write),
            ChannelError::Transient(_)
        ));
        assert!(matches!(
            map_error(502, b"<html>", none, "x", Effect::Read),
            ChannelError::Transient(_)
        ));
        let usage = parse_usage(
            Some(r#"{"call_count":12,"total_cputime":3,"total_time":4}"#),
            Some(
                r#"{"123":[{"type":"pages","call_count":85,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":2}]}"#,
            ),
        );
        assert_eq!(usage.percent, Some(85));
        assert_eq!(usage.regain, Some(Duration::from_secs(120)));
    }
}

/// The User Profile API's answer for a customer (PSID or IGSID) asked for `profile_pic`.
#[derive(Debug, Deserialize)]
pub(super) struct Profile {
    pub profile_pic: Option<String>,
}
