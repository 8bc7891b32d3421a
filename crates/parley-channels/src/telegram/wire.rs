//! Telegram's JSON, and its mapping to Parley's provider-neutral types. Private to the adapter.

use super::API;
use crate::ChannelError;
use crate::http::Effect;
use parley_domain::{
    Attachment, AttachmentKind, Direction, IncomingMessage, IngestBatch, MessageEdit, RemotePerson,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…,"parameters":…}`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

#[derive(Debug, Deserialize)]
struct ResponseParameters {
    retry_after: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

impl User {
    pub fn display_name(&self) -> String {
        join_name(&self.first_name, self.last_name.as_deref())
    }
}

fn join_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(last) if !last.is_empty() => format!("{first} {last}"),
        _ => first.to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Chat {
    pub id: i64,
    #[serde(rename = "type", default)]
    pub kind: String,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Update {
    pub update_id: i64,
    message: Option<Message>,
    edited_message: Option<Message>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Message {
    pub message_id: i64,
    from: Option<User>,
    pub chat: Chat,
    pub date: i64,
    edit_date: Option<i64>,
    text: Option<String>,
    caption: Option<String>,
    reply_to_message: Option<Box<ReplyTo>>,
    #[serde(default)]
    photo: Vec<PhotoSize>,
    document: Option<FileMeta>,
    voice: Option<FileMeta>,
    audio: Option<FileMeta>,
    video: Option<FileMeta>,
    animation: Option<FileMeta>,
    video_note: Option<FileMeta>,
    sticker: Option<Sticker>,
    location: Option<Location>,
    contact: Option<SharedContact>,
    venue: Option<Venue>,
    poll: Option<serde_json::Value>,
    dice: Option<serde_json::Value>,
}

/// Only the id of the message replied to matters to Parley.
#[derive(Debug, Deserialize)]
struct ReplyTo {
    message_id: i64,
}

#[derive(Debug, Deserialize)]
struct PhotoSize {
    file_id: String,
    width: Option<i64>,
    height: Option<i64>,
    file_size: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct FileMeta {
    file_id: String,
    file_name: Option<String>,
    mime_type: Option<String>,
    file_size: Option<i64>,
    duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Sticker {
    file_id: String,
    emoji: Option<String>,
    file_size: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Debug, Deserialize)]
struct Venue {
    location: Location,
    title: String,
    address: String,
}

#[derive(Debug, Deserialize)]
struct SharedContact {
    phone_number: String,
    first_name: String,
    last_name: Option<String>,
}

/// getUserProfilePhotos: each photo in several sizes.
#[derive(Debug, Deserialize)]
pub(super) struct UserProfilePhotos {
    #[serde(default)]
    photos: Vec<Vec<PhotoSize>>,
}

/// The pane shows avatars at about this size (pixels).
const AVATAR_PIXELS: i64 = 160;

impl UserProfilePhotos {
    /// The file of the newest photo's size nearest to what the pane shows (the smallest at
    /// least that wide, else the largest).
    pub(super) fn avatar_file_id(&self) -> Option<&str> {
        let sizes = self.photos.first()?;
        let width = |p: &&PhotoSize| p.width.unwrap_or(0);
        sizes
            .iter()
            .filter(|p| width(p) >= AVATAR_PIXELS)
            .min_by_key(width)
            .or_else(|| sizes.iter().max_by_key(width))
            .map(|p| p.file_id.as_str())
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct File {
    pub file_path: Option<String>,
}

/// Message ids are unique per chat only, so the account-wide id is `"{chat}:{message}"`.
pub(super) fn remote_id(chat_id: i64, message_id: i64) -> String {
    format!("{chat_id}:{message_id}")
}

/// The Telegram message id inside a remote id made by [`remote_id`].
pub(super) fn message_id_of(remote_id: &str) -> Option<i64> {
    remote_id.rsplit_once(':').and_then(|(_, m)| m.parse().ok())
}

/// Reads an answer, mapping Telegram's documented failures to [`ChannelError`]. An unreadable
/// answer of 200 (Telegram acted) is uncertain for a write.
pub(super) fn decode<T: DeserializeOwned>(
    method: &str,
    status: u16,
    body: &[u8],
    effect: Effect,
) -> Result<T, ChannelError> {
    let envelope: Envelope<T> = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(err) => {
            return Err(if status >= 500 {
                ChannelError::Transient(format!(
                    "Telegram is having trouble (HTTP {status} on {method}); Parley will try again."
                ))
            } else if status == 200 {
                API.unreadable(method, effect, format_args!("could not be read ({err})"))
            } else {
                status_error(method, status, None, None)
            });
        }
    };
    if envelope.ok {
        return envelope
            .result
            .ok_or_else(|| API.unreadable(method, effect, "had no result"));
    }
    let code = envelope.error_code.unwrap_or(i64::from(status));
    let retry = envelope.parameters.and_then(|p| p.retry_after);
    Err(status_error(
        method,
        u16::try_from(code).unwrap_or(status),
        envelope.description,
        retry,
    ))
}

fn status_error(
    method: &str,
    code: u16,
    description: Option<String>,
    retry_after: Option<u64>,
) -> ChannelError {
    let said = description.unwrap_or_else(|| format!("HTTP {code}"));
    match code {
        401 | 404 => ChannelError::Unauthorized(format!(
            "Telegram refused the bot token ({said}). Get the current token from @BotFather \
             (it changes when revoked) and enter it again in Accounts."
        )),
        409 => ChannelError::Conflict(format!(
            "Telegram says another program reads this bot's messages ({said}). Stop the other \
             program or remove the bot's webhook; Parley keeps retrying."
        )),
        429 => {
            let secs = retry_after.unwrap_or(5);
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(secs),
                message: format!("Telegram asks Parley to slow down: retrying in {secs} s."),
            }
        }
        403 => ChannelError::Rejected {
            code: 403,
            message: if said.contains("blocked") {
                "The customer has blocked the bot, so Telegram will not deliver messages to them."
                    .into()
            } else {
                format!(
                    "Telegram will not let the bot write here ({said}). A bot can only answer people who wrote to it first."
                )
            },
        },
        400 if said.contains("chat not found") => ChannelError::Rejected {
            code: 400,
            message: "Telegram does not know this chat any more (it may have been deleted).".into(),
        },
        400..=499 => ChannelError::Rejected {
            code: i64::from(code),
            message: format!("Telegram refused {method}: {said}"),
        },
        _ => ChannelError::Transient(format!(
            "Telegram is having trouble ({said} on {method}); Parley will try again."
        )),
    }
}

/// Maps a page of updates to what the store takes. Updates Parley does not show still count for
/// the cursor, so they are confirmed and never asked for again.
pub(super) fn to_batch(updates: Vec<Update>) -> IngestBatch {
    let mut batch = IngestBatch::default();
    for update in updates {
        if let Some(m) = update.message {
            if let Some(incoming) = incoming(m) {
                batch.messages.push(incoming);
            }
        } else if let Some(m) = update.edited_message {
            let edited_at = crate::time::millis_from_secs(m.edit_date.unwrap_or(m.date));
            batch.edits.push(MessageEdit {
                remote_id: remote_id(m.chat.id, m.message_id),
                text: m.text.or(m.caption).unwrap_or_default(),
                edited_at,
            });
        }
    }
    batch
}

fn customer_of(m: &Message) -> RemotePerson {
    if m.chat.kind == "private" || m.chat.kind.is_empty() {
        if let Some(from) = &m.from {
            return RemotePerson {
                remote_id: from.id.to_string(),
                display_name: from.display_name(),
                handle: from.username.clone(),
            };
        }
        return RemotePerson {
            remote_id: m.chat.id.to_string(),
            display_name: join_name(
                m.chat.first_name.as_deref().unwrap_or("Telegram user"),
                m.chat.last_name.as_deref(),
            ),
            handle: m.chat.username.clone(),
        };
    }
    // In a group the conversation partner is the group itself.
    RemotePerson {
        remote_id: format!("chat:{}", m.chat.id),
        display_name: m
            .chat
            .title
            .clone()
            .unwrap_or_else(|| format!("Telegram chat {}", m.chat.id)),
        handle: m.chat.username.clone(),
    }
}

fn incoming(m: Message) -> Option<IncomingMessage> {
    // A bot never receives its own messages through getUpdates; other bots' messages in groups
    // are noise for a customer inbox.
    if m.from.as_ref().is_some_and(|f| f.is_bot) {
        return None;
    }
    let customer = customer_of(&m);
    let sender = match &m.from {
        Some(from) => RemotePerson {
            remote_id: from.id.to_string(),
            display_name: from.display_name(),
            handle: from.username.clone(),
        },
        None => customer.clone(),
    };
    let attachments = attachments_of(&m);
    let text = m
        .text
        .clone()
        .or_else(|| m.caption.clone())
        .unwrap_or_default();
    Some(IncomingMessage {
        remote_thread_id: m.chat.id.to_string(),
        remote_id: remote_id(m.chat.id, m.message_id),
        direction: Direction::Inbound,
        sender,
        customer,
        text,
        attachments,
        sent_at: crate::time::millis_from_secs(m.date),
        reply_to_remote_id: m
            .reply_to_message
            .as_ref()
            .map(|r| remote_id(m.chat.id, r.message_id)),
        subject: None,
        quoted_text: None,
    })
}

fn file(
    kind: AttachmentKind,
    f: &FileMeta,
    default_mime: Option<&str>,
    description: Option<String>,
) -> Attachment {
    Attachment {
        kind,
        remote_ref: Some(f.file_id.clone()),
        file_name: f.file_name.clone(),
        mime_type: f.mime_type.clone().or(default_mime.map(str::to_string)),
        size: f.file_size,
        description,
    }
}

fn duration_words(label: &str, secs: Option<i64>) -> Option<String> {
    secs.map(|s| format!("{label}, {}:{:02}", s / 60, s % 60))
}

fn attachments_of(m: &Message) -> Vec<Attachment> {
    let mut out = Vec::new();
    // Telegram sends every size of a photo; the last is the largest.
    if let Some(p) = m.photo.last() {
        out.push(Attachment {
            kind: AttachmentKind::Photo,
            remote_ref: Some(p.file_id.clone()),
            file_name: None,
            mime_type: Some("image/jpeg".into()),
            size: p.file_size,
            description: match (p.width, p.height) {
                (Some(w), Some(h)) => Some(format!("{w}×{h}")),
                _ => None,
            },
        });
    }
    if let Some(d) = &m.document {
        out.push(file(AttachmentKind::Document, d, None, None));
    }
    if let Some(v) = &m.voice {
        out.push(file(
            AttachmentKind::Voice,
            v,
            Some("audio/ogg"),
            duration_words("Voice message", v.duration),
        ));
    }
    if let Some(a) = &m.audio {
        out.push(file(
            AttachmentKind::Audio,
            a,
            None,
            duration_words("Audio", a.duration),
        ));
    }
    for v in [&m.video, &m.animation, &m.video_note]
        .into_iter()
        .flatten()
    {
        out.push(file(
            AttachmentKind::Video,
            v,
            Some("video/mp4"),
            duration_words("Video", v.duration),
        ));
    }
    if let Some(s) = &m.sticker {
        out.push(Attachment {
            kind: AttachmentKind::Sticker,
            remote_ref: Some(s.file_id.clone()),
            file_name: None,
            mime_type: None,
            size: s.file_size,
            description: Some(s.emoji.clone().unwrap_or_else(|| "Sticker".into())),
        });
    }
    if let Some(v) = &m.venue {
        out.push(Attachment {
            kind: AttachmentKind::Location,
            remote_ref: None,
            file_name: None,
            mime_type: None,
            size: None,
            description: Some(format!(
                "{}, {} ({:.5}, {:.5})",
                v.title, v.address, v.location.latitude, v.location.longitude
            )),
        });
    } else if let Some(l) = &m.location {
        out.push(Attachment {
            kind: AttachmentKind::Location,
            remote_ref: None,
            file_name: None,
            mime_type: None,
            size: None,
            description: Some(format!("{:.5}, {:.5}", l.latitude, l.longitude)),
        });
    }
    if let Some(c) = &m.contact {
        out.push(Attachment {
            kind: AttachmentKind::Contact,
            remote_ref: None,
            file_name: None,
            mime_type: None,
            size: None,
            description: Some(format!(
                "{} {}",
                join_name(&c.first_name, c.last_name.as_deref()),
                c.phone_number
            )),
        });
    }
    if out.is_empty() && m.text.is_none() && m.caption.is_none() {
        let what = if m.poll.is_some() {
            "A poll (Parley does not show polls yet)"
        } else if m.dice.is_some() {
            "A dice roll"
        } else {
            "A kind of Telegram message Parley cannot show yet"
        };
        out.push(Attachment {
            kind: AttachmentKind::Other,
            remote_ref: None,
            file_name: None,
            mime_type: None,
            size: None,
            description: Some(what.into()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updates(json: &str) -> Vec<Update> {
        serde_json::from_str(json).expect("valid updates")
    }

    #[test]
    fn hostile_dates_neither_overflow_nor_wrap() {
        let batch = to_batch(updates(
            r#"[
            {"update_id": 1, "message": {"message_id": 1, "from": {"id": 42, "is_bot": false, "first_name": "A"},
              "chat": {"id": 42, "type": "private"}, "date": 9223372036854775807, "text": "far"}},
            {"update_id": 2, "message": {"message_id": 2, "from": {"id": 42, "is_bot": false, "first_name": "A"},
              "chat": {"id": 42, "type": "private"}, "date": -9223372036854775808, "text": "before"}},
            {"update_id": 3, "edited_message": {"message_id": 1, "chat": {"id": 42, "type": "private"},
              "date": 1, "edit_date": 9223372036854775807, "text": "far!"}}
        ]"#,
        ));
        let max = crate::time::MAX_SECS * 1000;
        assert_eq!(batch.messages[0].sent_at, max);
        assert_eq!(batch.messages[1].sent_at, 0);
        assert_eq!(batch.edits[0].edited_at, max);
    }

    #[test]
    fn maps_documented_samples() {
        let batch = to_batch(updates(
            r#"[
            {"update_id": 10, "message": {"message_id": 5, "from": {"id": 42, "is_bot": false, "first_name": "Anna", "last_name": "Müller", "username": "anna_m"},
              "chat": {"id": 42, "type": "private", "first_name": "Anna"}, "date": 1700000000, "text": "Hallo <b>"}},
            {"update_id": 11, "message": {"message_id": 6, "from": {"id": 42, "is_bot": false, "first_name": "Anna"},
              "chat": {"id": 42, "type": "private"}, "date": 1700000001, "caption": "broken",
              "photo": [{"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90},
                        {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960, "file_size": 123456}],
              "reply_to_message": {"message_id": 5, "chat": {"id": 42, "type": "private"}, "date": 1}}},
            {"update_id": 12, "edited_message": {"message_id": 5, "chat": {"id": 42, "type": "private"}, "date": 1700000000, "edit_date": 1700000100, "text": "Hallo!"}},
            {"update_id": 13, "message": {"message_id": 7, "from": {"id": 42, "is_bot": false, "first_name": "Anna"},
              "chat": {"id": 42, "type": "private"}, "date": 1700000002, "location": {"latitude": 52.52, "longitude": 13.405}}},
            {"update_id": 14, "my_chat_member": {"chat": {"id": 1}}}
        ]"#,
        ));
        assert_eq!(batch.messages.len(), 3);
        let first = &batch.messages[0];
        assert_eq!(first.remote_id, "42:5");
        assert_eq!(first.remote_thread_id, "42");
        assert_eq!(first.text, "Hallo <b>");
        assert_eq!(first.customer.display_name, "Anna Müller");
        assert_eq!(first.customer.handle.as_deref(), Some("anna_m"));
        assert_eq!(first.sent_at, 1_700_000_000_000);
        let photo = &batch.messages[1];
        assert_eq!(photo.text, "broken");
        assert_eq!(photo.attachments[0].remote_ref.as_deref(), Some("big"));
        assert_eq!(photo.attachments[0].size, Some(123456));
        assert_eq!(photo.reply_to_remote_id.as_deref(), Some("42:5"));
        assert_eq!(
            batch.messages[2].attachments[0].kind,
            AttachmentKind::Location
        );
        assert_eq!(batch.edits.len(), 1);
        assert_eq!(batch.edits[0].edited_at, 1_700_000_100_000);
    }

    #[test]
    fn error_envelope_maps_to_clear_errors() {
        let e = decode::<User>(
            "getMe",
            401,
            br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
            Effect::Read,
        )
        .expect_err("401");
        assert!(matches!(e, ChannelError::Unauthorized(_)));
        let e = decode::<User>(
            "getUpdates",
            429,
            br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#, Effect::Read
        )
        .expect_err("429");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = decode::<User>("getUpdates", 502, b"<html>Bad Gateway</html>", Effect::Read)
            .expect_err("502");
        assert!(matches!(e, ChannelError::Transient(_)));
        let e = decode::<User>(
            "getMe",
            200,
            br#"{"ok":true,"result":{"id":1,"#,
            Effect::Read,
        )
        .expect_err("truncated");
        assert!(matches!(e, ChannelError::Malformed(_)));
        let e = decode::<User>(
            "sendMessage",
            403,
            br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#, Effect::Write
        )
        .expect_err("403");
        assert!(e.to_string().contains("blocked"));
        assert!(!e.is_retryable());
    }
}
