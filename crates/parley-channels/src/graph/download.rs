//! Attachments, fetched on demand: the message is read again for a fresh link (Meta's links
//! expire), and the file comes from Meta's CDN without the token.

use super::{API, GraphChannel, wire};
use crate::http::Effect;
use crate::{ChannelError, Downloaded};

impl GraphChannel {
    /// [`Channel::download`](crate::Channel::download).
    pub(super) async fn download_attachment(
        &self,
        remote_ref: &str,
    ) -> Result<Downloaded, ChannelError> {
        let (message_id, attachment_id) =
            remote_ref
                .split_once('#')
                .ok_or_else(|| ChannelError::Rejected {
                    code: 0,
                    message: "This attachment reference is not one Parley made for Facebook."
                        .into(),
                })?;
        let v = self
            .get(
                message_id,
                &[("fields", "id,attachments".into())],
                "the attachment lookup",
            )
            .await?;
        let m: wire::Message = API.decode(v, "the attachment lookup", Effect::Read)?;
        let attachments = m.attachments.map(|p| p.data).unwrap_or_default();
        let found = attachments.iter().enumerate().find(|(i, a)| {
            a.id.as_deref() == Some(attachment_id) || format!("#{i}") == attachment_id
        });
        let Some((_, a)) = found else {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "Facebook no longer has this attachment.".into(),
            });
        };
        let Some(url) = a
            .url()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        else {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "Facebook gave no link to download this attachment.".into(),
            });
        };
        // Meta's CDN links are signed; the Page token is not sent there.
        Ok(Downloaded {
            bytes: API.download(&self.http, url).await?,
            file_name: a.name.clone(),
        })
    }
}
