//! Approved content templates (Content API), the only way to write on WhatsApp after the 24-hour
//! window.

use super::{API, MAX_PAGES, TwilioChannel, wire};
use crate::ChannelError;
use crate::http::Effect;

/// An approved content template the composer can offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    /// `HX…`
    pub content_sid: String,
    pub name: String,
    pub language: Option<String>,
    pub body: Option<String>,
    /// Placeholder number → sample value / name, in placeholder order.
    pub variables: Vec<(String, String)>,
}

impl TwilioChannel {
    /// The account's approved content templates (Content API), for the composer.
    pub async fn approved_templates(&self) -> Result<Vec<TemplateInfo>, ChannelError> {
        let mut out = Vec::new();
        let mut url = format!("{}/v1/ContentAndApprovals", self.cfg.content_base);
        let mut query = vec![("PageSize", "100".to_owned())];
        for _ in 0..MAX_PAGES {
            let v = self.get(&url, &query, "the template list").await?;
            let list: wire::ContentList = API.decode(v, "the template list", Effect::Read)?;
            for c in list.contents {
                let approved = c
                    .approval_requests
                    .as_ref()
                    .and_then(|a| a.status.as_deref())
                    .is_some_and(|s| s.eq_ignore_ascii_case("approved"));
                if !approved {
                    continue;
                }
                let mut variables: Vec<(String, String)> = c
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect();
                // Placeholders are numbers: "10" sorts after "9".
                variables.sort_by_key(|(k, _)| (k.len(), k.clone()));
                out.push(TemplateInfo {
                    body: c.body(),
                    content_sid: c.sid,
                    name: c.friendly_name.unwrap_or_default(),
                    language: c.language,
                    variables,
                });
            }
            match list.meta.and_then(|m| m.next_page_url) {
                Some(next) => {
                    url = next;
                    query.clear();
                }
                None => break,
            }
        }
        Ok(out)
    }
}
