//! One Twilio call: Basic auth only to the configured hosts, paging links made absolute, errors
//! mapped by `wire::map_error`.

use super::{API, TwilioChannel, wire};
use crate::ChannelError;
use crate::http::Effect;
use serde_json::Value;
use std::time::Duration;

pub(super) const API_VERSION: &str = "2010-04-01";

impl TwilioChannel {
    pub(super) fn account_url(&self, rest: &str) -> String {
        format!(
            "{}/{API_VERSION}/Accounts/{}/{rest}",
            self.cfg.api_base, self.cfg.account_sid
        )
    }

    /// Only the configured hosts ever get the credentials.
    fn ours(&self, url: &str) -> bool {
        [
            &self.cfg.api_base,
            &self.cfg.messaging_base,
            &self.cfg.content_base,
        ]
        .iter()
        .any(|b| url.starts_with(&format!("{b}/")))
    }

    /// Twilio's paging links are relative to the API host.
    pub(super) fn absolute(&self, uri: &str) -> String {
        if uri.starts_with("http://") || uri.starts_with("https://") {
            uri.to_owned()
        } else {
            format!("{}{uri}", self.cfg.api_base)
        }
    }

    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let bytes = self
            .call_bytes(method, url, query, form, what, effect)
            .await?
            .0;
        API.json(&bytes, what, effect)
    }

    pub(super) async fn call_bytes(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
        what: &str,
        effect: Effect,
    ) -> Result<(Vec<u8>, Option<String>), ChannelError> {
        if !self.ours(url) {
            return Err(ChannelError::Malformed(format!(
                "Twilio's link for {what} points to another host; Parley will not send the credentials there."
            )));
        }
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.cfg.account_sid, Some(&self.cfg.auth_token))
            .timeout(self.cfg.call_timeout)
            .query(query);
        if let Some(form) = form {
            request = request.form(form);
        }
        let response = API.send(request, what, effect).await?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let bytes = API.body(response, what, effect).await?;
        if (200..300).contains(&status) {
            return Ok((bytes, content_type));
        }
        Err(wire::map_error(status, &bytes, retry_after, what, effect))
    }

    pub(super) async fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Value, ChannelError> {
        self.call(reqwest::Method::GET, url, query, None, what, Effect::Read)
            .await
    }
}
