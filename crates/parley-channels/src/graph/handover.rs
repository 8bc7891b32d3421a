//! The handover protocol: which app (a bot, Meta's inbox, Parley) controls a conversation.

use super::GraphChannel;
use crate::ChannelError;
use crate::http::Effect;
use serde_json::{Value, json};
use std::sync::PoisonError;

/// Meta's Page Inbox app (the human-agent inbox) in the handover protocol.
pub const PAGE_INBOX_APP_ID: &str = "263902037430900";
/// Meta's Instagram Inbox app.
pub const INSTAGRAM_INBOX_APP_ID: &str = "1217981644879628";

impl GraphChannel {
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
