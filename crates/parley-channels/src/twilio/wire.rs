//! Twilio's JSON, its error body, dates, and the mapping to Parley's types. Private to the adapter.

use crate::ChannelError;
use crate::http::Effect;
use parley_domain::{AttachmentKind, Millis};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Deserialize)]
pub(super) struct Account {
    pub sid: String,
    pub friendly_name: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct NumberList {
    #[serde(default)]
    pub incoming_phone_numbers: Vec<IncomingNumber>,
    pub next_page_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct IncomingNumber {
    pub phone_number: String,
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Capabilities {
    #[serde(default)]
    pub sms: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct SenderList {
    #[serde(default)]
    pub senders: Vec<Sender>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Sender {
    pub sender_id: String,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct MessageList {
    #[serde(default)]
    pub messages: Vec<Message>,
    pub next_page_uri: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Message {
    pub sid: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub body: Option<String>,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub status: String,
    pub date_created: Option<String>,
    pub date_sent: Option<String>,
    pub date_updated: Option<String>,
    /// A string on the wire ("0", "1"...); numbers are accepted too.
    #[serde(default)]
    pub num_media: Value,
    pub error_code: Option<Value>,
    pub subresource_uris: Option<SubresourceUris>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct SubresourceUris {
    pub media: Option<String>,
}

impl Message {
    pub fn num_media(&self) -> u32 {
        match &self.num_media {
            Value::String(s) => s.trim().parse().unwrap_or(0),
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            _ => 0,
        }
    }

    /// `date_sent`, or creation while the message has not been sent yet.
    pub fn time(&self) -> Option<Millis> {
        self.date_sent
            .as_deref()
            .and_then(parse_rfc2822)
            .or_else(|| self.date_created.as_deref().and_then(parse_rfc2822))
    }

    pub fn error_code(&self) -> Option<i64> {
        match self.error_code.as_ref()? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn is_inbound(&self) -> bool {
        self.direction == "inbound"
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MediaList {
    #[serde(default)]
    pub media_list: Vec<MediaItem>,
}

#[derive(Debug, Deserialize)]
pub(super) struct MediaItem {
    pub sid: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ContentList {
    #[serde(default)]
    pub contents: Vec<Content>,
    pub meta: Option<Meta>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Meta {
    pub next_page_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Content {
    pub sid: String,
    pub friendly_name: Option<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub variables: serde_json::Map<String, Value>,
    #[serde(default)]
    pub types: serde_json::Map<String, Value>,
    pub approval_requests: Option<Approval>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Approval {
    pub status: Option<String>,
}

impl Content {
    /// The text body of the first type that has one (`twilio/text`, `twilio/media`...).
    pub fn body(&self) -> Option<String> {
        self.types
            .get("twilio/text")
            .into_iter()
            .chain(self.types.values())
            .find_map(|t| t.get("body").and_then(Value::as_str).map(str::to_owned))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

/// `Tue, 14 Nov 2023 22:13:20 +0000` (weekday optional, `GMT`/`UT`/`Z` or `±hhmm` zone).
pub(super) fn parse_rfc2822(text: &str) -> Option<Millis> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let text = text.trim();
    let text = match text.split_once(',') {
        Some((_, rest)) => rest.trim(),
        None => text,
    };
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [d, mon, y, hms, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let d: i64 = d.parse().ok()?;
    let mon = mon.to_ascii_lowercase();
    let m = i64::try_from(MONTHS.iter().position(|x| mon.starts_with(x))? + 1).ok()?;
    let y: i64 = y.parse().ok()?;
    let mut t = hms.split(':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next()?.parse().ok()?;
    let ss: i64 = t.next().map_or(Some(0), |s| s.parse().ok())?;
    let offset_min = match rest.first().copied() {
        None | Some("GMT" | "UT" | "UTC" | "Z") => 0,
        Some(z) => {
            let sign = match z.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = &z[1..];
            if digits.len() != 4 {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let mi: i64 = digits[2..].parse().ok()?;
            sign * (h * 60 + mi)
        }
    };
    if !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    crate::time::millis_from_civil((y, m, d), hh * 3600 + mm * 60 + ss, offset_min * 60)
}

/// The GMT day of a time, as `YYYY-MM-DD` (DateSent's format).
pub(super) fn day_string(ms: Millis) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(super) fn attachment_kind(content_type: Option<&str>) -> AttachmentKind {
    match content_type {
        Some(m) if m.starts_with("image/") => AttachmentKind::Photo,
        Some(m) if m.starts_with("video/") => AttachmentKind::Video,
        Some(m) if m.starts_with("audio/") => AttachmentKind::Audio,
        Some(_) => AttachmentKind::Document,
        None => AttachmentKind::Other,
    }
}

pub(super) fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

/// The default wait when Twilio says 429 without a Retry-After (it documents none).
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(2);

/// Twilio's code for "the recipient opted out (STOP)".
pub(super) const OPTED_OUT_CODE: i64 = 21610;
pub(super) const OPTED_OUT: &str = "The customer opted out (STOP) of messages from this number, so Twilio will not deliver to them until they text START. Parley will not send again.";
pub(super) const WINDOW_CLOSED: &str = "The WhatsApp 24-hour window is closed: the customer last wrote more than 24 hours ago. Use an approved template, or wait for the customer to write again.";

/// Maps an error answer by Twilio's code, else by HTTP status. Twilio's messages never carry
/// the Auth Token, and neither do the texts here.
pub(super) fn map_error(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    what: &str,
    effect: Effect,
) -> ChannelError {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let code = parsed.as_ref().and_then(|e| e.code);
    let said = parsed
        .as_ref()
        .and_then(|e| e.message.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let rejected = |code: i64, message: String| ChannelError::Rejected { code, message };
    match (code, status) {
        (Some(20003), _) | (None, 401 | 403) => ChannelError::Unauthorized(
            "Twilio refused the Account SID or Auth Token (error 20003). Copy both again from the Twilio Console and enter them in Accounts.".into(),
        ),
        (Some(20429), _) | (_, 429) => {
            let retry_after = retry_after.unwrap_or(DEFAULT_RATE_WAIT);
            ChannelError::RateLimited {
                retry_after,
                message: format!(
                    "Twilio asks Parley to slow down (too many requests); retrying in {} s.",
                    retry_after.as_secs().max(1)
                ),
            }
        }
        (Some(OPTED_OUT_CODE), _) => rejected(OPTED_OUT_CODE, OPTED_OUT.into()),
        (Some(63016), _) => rejected(63016, WINDOW_CLOSED.into()),
        (Some(21211), _) => rejected(
            21211,
            "Twilio says the customer's number is not a valid phone number, so the message cannot be sent.".into(),
        ),
        (Some(21617), _) => rejected(
            21617,
            "The message is longer than Twilio's 1600-character limit. Shorten it or split it.".into(),
        ),
        (Some(c @ (21606 | 63007)), _) => rejected(
            c,
            format!("Twilio will not send from this number: it is not an SMS-capable number or WhatsApp sender of the account ({said})."),
        ),
        (Some(21910), _) => rejected(
            21910,
            "The sending number and the customer are on different channels (SMS vs WhatsApp).".into(),
        ),
        (_, 500..=599) => {
            if effect == Effect::Write && status == 504 {
                // A gateway gave up waiting for Twilio, which may have acted meanwhile.
                ChannelError::Uncertain(format!(
                    "Twilio's gateway timed out on {what} (HTTP 504). The message may have been sent; Parley will not send it again by itself."
                ))
            } else {
                ChannelError::Transient(format!(
                    "Twilio is having trouble (HTTP {status} on {what}); Parley will try again."
                ))
            }
        }
        (Some(c), _) => rejected(c, format!("Twilio refused {what}: {said} (error {c}).")),
        (None, _) => rejected(
            i64::from(status),
            format!("Twilio answered HTTP {status} to {what}."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_twilio_dates() {
        assert_eq!(
            parse_rfc2822("Tue, 14 Nov 2023 22:13:20 +0000"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_rfc2822("14 Nov 2023 23:13:20 +0100"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_rfc2822("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_rfc2822("yesterday"), None);
        // Hostile dates neither overflow nor wrap.
        assert_eq!(
            parse_rfc2822("Tue, 14 Nov 922337203685477580 22:13:20 +0000"),
            None
        );
        assert_eq!(parse_rfc2822("Tue, 14 Nov 2023 22:13:20 -9959"), None);
        assert_eq!(day_string(1_700_000_000_000), "2023-11-14");
    }

    #[test]
    fn maps_errors_by_code() {
        let body = |code: i64| {
            serde_json::json!({"code": code, "message": "m", "more_info": "x", "status": 400})
                .to_string()
                .into_bytes()
        };
        let e = map_error(400, &body(21610), None, "the message", Effect::Write);
        assert!(matches!(e, ChannelError::Rejected { code: 21610, .. }));
        assert!(e.to_string().contains("opted out (STOP)"));
        assert!(matches!(
            map_error(401, &body(20003), None, "x", Effect::Read),
            ChannelError::Unauthorized(_)
        ));
        let e = map_error(
            429,
            &body(20429),
            Some(Duration::from_secs(7)),
            "x",
            Effect::Read,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert!(matches!(
            map_error(502, b"<html>", None, "x", Effect::Read),
            ChannelError::Transient(_)
        ));
        assert!(matches!(
            map_error(504, b"<html>", None, "x", Effect::Write),
            ChannelError::Uncertain(_)
        ));
    }
}
