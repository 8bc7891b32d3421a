//! Attachments, fetched on demand by `"{message sid}/{media sid}"`.

use super::{TwilioChannel, wire};
use crate::http::Effect;
use crate::{ChannelError, Downloaded};

impl TwilioChannel {
    /// [`Channel::download`](crate::Channel::download): one media file of a message, with the
    /// credentials (Twilio redirects to its CDN, and reqwest drops them there).
    pub(super) async fn download_media(
        &self,
        remote_ref: &str,
    ) -> Result<Downloaded, ChannelError> {
        let (message, media) = remote_ref
            .split_once('/')
            .filter(|(m, x)| !m.is_empty() && !x.is_empty() && !x.contains('/'))
            .ok_or_else(|| ChannelError::Rejected {
                code: 0,
                message: "This attachment reference is not one Parley made for Twilio.".into(),
            })?;
        let url = self.account_url(&format!("Messages/{message}/Media/{media}"));
        let (bytes, content_type) = self
            .call_bytes(
                reqwest::Method::GET,
                &url,
                &[],
                None,
                "the media download",
                Effect::Read,
            )
            .await?;
        let ext = content_type.as_deref().map_or("bin", |ct| {
            wire::extension(ct.split(';').next().unwrap_or(ct).trim())
        });
        Ok(Downloaded {
            bytes,
            file_name: Some(format!("{media}.{ext}")),
        })
    }
}
