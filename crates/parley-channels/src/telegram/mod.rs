//! Telegram Bot API: `getMe` to validate, `getUpdates` long polling, `sendMessage`, `getFile`.
//!
//! The cursor is the next `offset` (last `update_id` + 1). Telegram forgets an update once a
//! `getUpdates` asks with a higher offset, so the sync engine stores a batch together with its
//! cursor before it asks again: nothing is confirmed that is not stored.
//!
//! The bot token is part of every URL, so no reqwest error is ever shown with its URL.

/// Public only for the fuzzing suite (`fuzz/`, outside the workspace), which cannot reach the
/// private `wire` decoding otherwise.
#[doc(hidden)]
pub mod fuzzing;
mod wire;

use crate::http::{self, Effect, Provider};
use crate::{
    AttachmentRule, Channel, ChannelError, Downloaded, Fetched, OutgoingMessage, SendReceipt,
};
use async_trait::async_trait;
use parley_domain::{AccountIdentity, ChannelKind};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::Duration;

const API: Provider = Provider("Telegram");

/// Where the real Bot API lives; tests and the demo point the adapter elsewhere.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// Telegram's limit on the text of one message, in UTF-16 code units after entity parsing; Parley
/// counts characters, which is never more.
pub const MAX_TEXT_CHARS: usize = 4096;

/// How long a request other than a long poll may take before we give up on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Allowance on top of the long-poll wait for the network and Telegram's own scheduling.
const POLL_GRACE: Duration = Duration::from_secs(15);
const UPDATES_PAGE: u32 = 100;
/// What a bot may upload with sendDocument.
pub const MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
/// Bots may upload up to 50 MB (sendDocument; sendPhoto 10 MB, larger images go as documents),
/// one send per file.
pub const ATTACHMENT_RULE: AttachmentRule = AttachmentRule::OnePerFile {
    max_file: MAX_UPLOAD_BYTES,
};
/// What sendPhoto accepts; larger images go as documents.
const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

fn is_photo(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/webp")
}

pub struct TelegramChannel {
    http: reqwest::Client,
    api_base: String,
    token: String,
    call_timeout: Duration,
    poll_grace: Duration,
}

impl std::fmt::Debug for TelegramChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: never print it.
        f.debug_struct("TelegramChannel")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// Whether `token` has the shape BotFather gives (`123456789:AA…`), before asking Telegram.
pub fn token_looks_valid(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 8
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl TelegramChannel {
    pub fn new(api_base: &str, token: &str) -> Result<Self, ChannelError> {
        Ok(Self {
            http: http::client()?,
            api_base: api_base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            call_timeout: CALL_TIMEOUT,
            poll_grace: POLL_GRACE,
        })
    }

    /// Shorter patience, for tests of a provider that stops answering.
    pub fn with_timeouts(mut self, call: Duration, poll_grace: Duration) -> Self {
        self.call_timeout = call;
        self.poll_grace = poll_grace;
        self
    }

    /// A write with a file: `multipart/form-data`, the only way the Bot API takes uploads.
    async fn call_multipart<T: DeserializeOwned>(
        &self,
        method: &str,
        form: crate::multipart::Form,
    ) -> Result<T, ChannelError> {
        let (content_type, body) = form.finish();
        let url = format!("{}/bot{}/{}", self.api_base, self.token, method);
        let request = self
            .http
            .post(url)
            .timeout(http::upload_timeout(self.call_timeout, body.len()))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        let response = API.send(request, method, Effect::Write).await?;
        let status = response.status();
        let body = API.body(response, method, Effect::Write).await?;
        if status.as_u16() == 413 {
            return Err(ChannelError::Rejected {
                code: 413,
                message: "Telegram refused the file as too large (bots may send up to 50 MB)."
                    .into(),
            });
        }
        wire::decode::<T>(method, status.as_u16(), &body, Effect::Write)
    }

    /// One file: sendPhoto for a photo Telegram will show inline (JPEG, PNG or WebP up to
    /// 10 MB), sendDocument for anything else (up to 50 MB).
    async fn send_file(
        &self,
        chat_id: &Value,
        file: &crate::OutgoingFile,
    ) -> Result<wire::Message, ChannelError> {
        if file.size > MAX_UPLOAD_BYTES {
            return Err(ChannelError::Rejected {
                code: 413,
                message: format!(
                    "\"{}\" is larger than the 50 MB a Telegram bot may send. Send a smaller file or a link to it.",
                    file.file_name
                ),
            });
        }
        let bytes = file.read().await?;
        let as_photo = is_photo(&file.mime_type) && (bytes.len() as u64) <= MAX_PHOTO_BYTES;
        let (method, field) = if as_photo {
            ("sendPhoto", "photo")
        } else {
            ("sendDocument", "document")
        };
        let chat = match chat_id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let form = crate::multipart::Form::new().text("chat_id", &chat).file(
            field,
            &file.file_name,
            &file.mime_type,
            &bytes,
        );
        self.call_multipart(method, form).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
        effect: Effect,
    ) -> Result<T, ChannelError> {
        let url = format!("{}/bot{}/{}", self.api_base, self.token, method);
        let request = self.http.post(url).timeout(timeout).json(params);
        let response = API.send(request, method, effect).await?;
        let status = response.status();
        let body = API.body(response, method, effect).await?;
        wire::decode::<T>(method, status.as_u16(), &body, effect)
    }
}

#[async_trait]
impl Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    fn attachment_rule(&self) -> AttachmentRule {
        ATTACHMENT_RULE
    }

    async fn validate(&self) -> Result<AccountIdentity, ChannelError> {
        let me: wire::User = self
            .call("getMe", &json!({}), self.call_timeout, Effect::Read)
            .await?;
        if !me.is_bot {
            return Err(ChannelError::Rejected {
                code: 0,
                message: "This token does not belong to a bot. Create a bot with @BotFather and use its token.".into(),
            });
        }
        Ok(AccountIdentity {
            channel: ChannelKind::Telegram,
            external_id: me.id.to_string(),
            name: me.display_name(),
            handle: me.username,
        })
    }

    async fn fetch(&self, cursor: Option<&str>, wait: Duration) -> Result<Fetched, ChannelError> {
        let offset = cursor.and_then(|c| c.parse::<i64>().ok());
        let mut params = json!({
            "limit": UPDATES_PAGE,
            "timeout": wait.as_secs(),
            "allowed_updates": ["message", "edited_message"],
        });
        if let Some(offset) = offset {
            params["offset"] = json!(offset);
        }
        let updates: Vec<wire::Update> = self
            .call("getUpdates", &params, wait + self.poll_grace, Effect::Read)
            .await?;
        let more = updates.len() as u32 >= UPDATES_PAGE;
        let next = updates.iter().map(|u| u.update_id + 1).max();
        let batch = wire::to_batch(updates);
        Ok(Fetched {
            batch,
            cursor: next.map(|n| n.to_string()),
            more,
            progress: None,
        })
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ChannelError> {
        let chars = message.text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(ChannelError::Rejected {
                code: 400,
                message: format!(
                    "Telegram messages are limited to {MAX_TEXT_CHARS} characters; this one has {chars}. Shorten it or split it."
                ),
            });
        }
        let chat_id: Value = match message.remote_thread_id.parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => json!(message.remote_thread_id),
        };
        if let Some(file) = message.attachments.first() {
            // The outbox gives a Telegram item one file and no text (one send per file).
            let sent = self.send_file(&chat_id, file).await?;
            return Ok(SendReceipt {
                remote_id: wire::remote_id(sent.chat.id, sent.message_id),
                sent_at: crate::time::millis_from_secs(sent.date),
            });
        }
        let mut params = json!({ "chat_id": chat_id, "text": message.text });
        if let Some(reply_to) = message
            .reply_to_remote_id
            .as_deref()
            .and_then(wire::message_id_of)
        {
            params["reply_parameters"] =
                json!({ "message_id": reply_to, "allow_sending_without_reply": true });
        }
        let sent: wire::Message = self
            .call("sendMessage", &params, self.call_timeout, Effect::Write)
            .await?;
        Ok(SendReceipt {
            remote_id: wire::remote_id(sent.chat.id, sent.message_id),
            sent_at: crate::time::millis_from_secs(sent.date),
        })
    }

    async fn profile_photo(&self, remote_id: &str) -> Result<Option<Downloaded>, ChannelError> {
        let Ok(user_id) = remote_id.parse::<i64>() else {
            return Ok(None);
        };
        let photos: wire::UserProfilePhotos = self
            .call(
                "getUserProfilePhotos",
                &json!({ "user_id": user_id, "limit": 1 }),
                self.call_timeout,
                Effect::Read,
            )
            .await?;
        match photos.avatar_file_id() {
            Some(file_id) => self.download(file_id).await.map(Some),
            None => Ok(None),
        }
    }

    async fn download(&self, remote_ref: &str) -> Result<Downloaded, ChannelError> {
        let file: wire::File = self
            .call(
                "getFile",
                &json!({ "file_id": remote_ref }),
                self.call_timeout,
                Effect::Read,
            )
            .await?;
        let Some(path) = file.file_path else {
            return Err(ChannelError::Rejected {
                code: 400,
                message: "Telegram has no copy of this file any more (files over 20 MB cannot be downloaded by bots).".into(),
            });
        };
        let url = format!("{}/file/bot{}/{}", self.api_base, self.token, path);
        let bytes = API.download(&self.http, &url).await?;
        let file_name = path.rsplit('/').next().map(str::to_string);
        Ok(Downloaded { bytes, file_name })
    }
}
