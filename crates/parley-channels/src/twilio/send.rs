//! Sending: text (with media links) or an approved template, from the watched number the customer
//! knows.

use super::threads::{address_for_thread, is_whatsapp};
use super::{API, MAX_BODY_CHARS, TwilioChannel, wire};
use crate::http::Effect;
use crate::{ChannelError, OutgoingMessage, SendReceipt};
use std::collections::BTreeMap;
use std::sync::PoisonError;

impl TwilioChannel {
    /// [`Channel::send`](crate::Channel::send): an approved template when the agent chose one,
    /// else the text with any media links.
    pub(super) async fn send_reply(
        &self,
        message: &OutgoingMessage,
    ) -> Result<SendReceipt, ChannelError> {
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

    /// The watched number a reply to `customer` leaves from.
    pub(super) fn sender_for(&self, customer: &str) -> Result<String, ChannelError> {
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

    pub(super) fn recipient(message: &OutgoingMessage) -> String {
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
}
