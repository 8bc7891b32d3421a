//! One Graph call: inside the per-Page budget, the token only to the configured API base, Meta's
//! usage headers noted, errors mapped by `wire::map_error`.

use super::{API, GraphChannel, wire};
use crate::ChannelError;
use crate::http::{self, Effect};
use serde_json::Value;

/// The body of a Graph call.
pub(super) enum Payload<'a> {
    None,
    Json(&'a Value),
    /// `multipart/form-data`: the Content-Type (with its boundary) and the bytes.
    Form(String, Vec<u8>),
}

impl GraphChannel {
    fn api_url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.cfg.api_base,
            self.cfg.api_version,
            path.trim_start_matches('/')
        )
    }

    /// One Graph call inside the budget. `target` is a path or an absolute `next` link.
    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        target: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let payload = body.map_or(Payload::None, Payload::Json);
        self.call_with(method, target, query, payload, what, effect)
            .await
    }

    /// [`Self::call`] with any body: JSON, or a `multipart/form-data` upload.
    pub(super) async fn call_with(
        &self,
        method: reqwest::Method,
        target: &str,
        query: &[(&str, String)],
        body: Payload<'_>,
        what: &str,
        effect: Effect,
    ) -> Result<Value, ChannelError> {
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            // The token must never leave for another host, whatever a `next` link says.
            if !target.starts_with(&format!("{}/", self.cfg.api_base)) {
                return Err(ChannelError::Malformed(format!(
                    "Facebook's paging link for {what} points to another host; Parley will not follow it."
                )));
            }
            target.to_owned()
        } else {
            self.api_url(target)
        };
        self.budget.acquire().await;
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.cfg.page_token)
            .timeout(self.cfg.call_timeout)
            .query(query);
        match body {
            Payload::None => {}
            Payload::Json(body) => request = request.json(body),
            Payload::Form(content_type, bytes) => {
                request = request
                    .timeout(http::upload_timeout(self.cfg.call_timeout, bytes.len()))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes);
            }
        }
        let response = API.send(request, what, effect).await?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let usage = wire::parse_usage(
            header("x-app-usage").as_deref(),
            header("x-business-use-case-usage").as_deref(),
        );
        if let Some(p) = usage.percent {
            self.budget.note_usage(p);
        }
        let bytes = API.body(response, what, effect).await?;
        if status == 200 {
            return API.json(&bytes, what, effect);
        }
        Err(wire::map_error(status, &bytes, usage, what, effect))
    }

    pub(super) async fn get(
        &self,
        target: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Value, ChannelError> {
        self.call(
            reqwest::Method::GET,
            target,
            query,
            None,
            what,
            Effect::Read,
        )
        .await
    }
}
