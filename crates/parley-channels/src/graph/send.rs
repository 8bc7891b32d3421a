//! Sending: text through the Send API, one file through its upload, with the HUMAN_AGENT tag past
//! the standard window where the Page is approved.

use super::api::Payload;
use super::window::{MessageTag, WindowState, window_state};
use super::{API, GraphChannel, MAX_ATTACHMENT_BYTES, MAX_TEXT_CHARS, wire};
use crate::http::Effect;
use crate::{ChannelError, OutgoingFile, OutgoingMessage, SendReceipt};
use serde_json::json;

impl GraphChannel {
    /// [`Channel::send`](crate::Channel::send): picks the tag by the reply window.
    pub(super) async fn send_reply(
        &self,
        message: &OutgoingMessage,
    ) -> Result<SendReceipt, ChannelError> {
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
        self.post_message(Payload::Json(&body), "the message").await
    }

    /// One file through the Send API's upload: a `multipart/form-data` POST with `recipient`,
    /// `messaging_type` (+ `tag`), `message` (the attachment's type, not reusable) and the bytes
    /// in `filedata`. The same window rules as text apply.
    async fn send_file(
        &self,
        message: &OutgoingMessage,
        file: &OutgoingFile,
        tag: Option<MessageTag>,
    ) -> Result<SendReceipt, ChannelError> {
        if file.size > MAX_ATTACHMENT_BYTES {
            return Err(too_large(file));
        }
        let bytes = file.read().await?;
        if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
            return Err(too_large(file));
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
        self.post_message(Payload::Form(content_type, body), "the attachment")
            .await
    }

    /// One POST to the Send API; the receipt carries the message id it answers with.
    async fn post_message(
        &self,
        body: Payload<'_>,
        what: &str,
    ) -> Result<SendReceipt, ChannelError> {
        let v = self
            .call_with(
                reqwest::Method::POST,
                &format!("{}/messages", self.cfg.page_id),
                &[],
                body,
                what,
                Effect::Write,
            )
            .await?;
        let sent: wire::SendResult = API.decode(v, what, Effect::Write)?;
        Ok(SendReceipt {
            remote_id: sent.message_id,
            // The Send API gives no time; the fetch later brings Meta's created_time.
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
}

/// A file over the Send API's limit, refused before (by its stated size) or after reading it.
fn too_large(file: &OutgoingFile) -> ChannelError {
    ChannelError::Rejected {
        code: 100,
        message: format!(
            "\"{}\" is larger than the 25 MB Messenger and Instagram accept. Send a smaller file or a link to it.",
            file.file_name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Channel;
    use crate::graph::{GraphConfig, GraphPlatform};
    use parley_domain::{Clock, Millis, SystemClock};
    use std::sync::Arc;

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
}
