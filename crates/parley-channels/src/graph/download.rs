//! Attachments, fetched on demand: the message is read again for a fresh link (Meta's links
//! expire), and the file comes from Meta's CDN without the token. Customers' profile pictures
//! the same way, from the User Profile API's `profile_pic` link. The link is the provider's
//! word, not Parley's: unless it is on the API's own origin (a simulator), it must be a public
//! https address, checked again on every resolution and redirect (`net`), so a link to
//! 127.0.0.1 or the cloud metadata address is never fetched.

use super::{API, GraphChannel, wire};
use crate::http::Effect;
use crate::net;
use crate::{ChannelError, Downloaded};

/// Where an attachment link may be fetched from.
#[derive(Debug, PartialEq, Eq)]
enum Link {
    /// The API's own origin (the simulator serves files there).
    Api,
    /// A public https address, fetched with the address rule.
    Public,
}

fn link_kind(api_base: &str, link: &str) -> Result<Link, ChannelError> {
    let refused = || ChannelError::Rejected {
        code: 100,
        message: "Facebook's link to this file is not a public https address, so Parley does \
                  not download it."
            .into(),
    };
    let url = url::Url::parse(link).map_err(|_| refused())?;
    if url::Url::parse(api_base).is_ok_and(|own| own.origin() == url.origin()) {
        return Ok(Link::Api);
    }
    if url.scheme() != "https" || net::check_url(&url, net::is_public).is_err() {
        return Err(refused());
    }
    Ok(Link::Public)
}

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
        let Some(url) = a.url() else {
            return Err(ChannelError::Rejected {
                code: 100,
                message: "Facebook gave no link to download this attachment.".into(),
            });
        };
        let bytes = self.fetch_link(url).await?;
        Ok(Downloaded {
            bytes,
            file_name: a.name.clone(),
        })
    }

    /// [`Channel::profile_photo`](crate::Channel::profile_photo): Messenger's and Instagram's
    /// User Profile API give a `profile_pic` link for a customer who wrote to the Page.
    pub(super) async fn profile_picture(
        &self,
        remote_id: &str,
    ) -> Result<Option<Downloaded>, ChannelError> {
        let v = self
            .get(
                remote_id,
                &[("fields", "profile_pic".into())],
                "the customer's profile",
            )
            .await?;
        let profile: wire::Profile = API.decode(v, "the customer's profile", Effect::Read)?;
        let Some(url) = profile.profile_pic.filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        Ok(Some(Downloaded {
            bytes: self.fetch_link(&url).await?,
            file_name: None,
        }))
    }

    /// Downloads a link Graph gave: Meta's CDN links are signed, so the Page token is not sent
    /// there.
    async fn fetch_link(&self, url: &str) -> Result<Vec<u8>, ChannelError> {
        Ok(match link_kind(&self.cfg.api_base, url)? {
            Link::Api => API.download(&self.http, url).await?,
            Link::Public => {
                let checked = net::checked_client(net::is_public, crate::http::DOWNLOAD_TIMEOUT)
                    .map_err(|e| {
                        ChannelError::Transient(format!(
                            "could not set up HTTP: {}",
                            e.without_url()
                        ))
                    })?;
                API.download(&checked, url).await?
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_links_must_be_public_https_unless_on_the_apis_origin() {
        let api = "https://graph.facebook.com/v21.0";
        assert_eq!(
            link_kind(api, "https://scontent.xx.fbcdn.net/v/t1/123.jpg?oh=x&oe=y").ok(),
            Some(Link::Public)
        );
        let fake = "http://127.0.0.1:4000/v21.0";
        assert_eq!(
            link_kind(fake, "http://127.0.0.1:4000/cdn/1/a.png").ok(),
            Some(Link::Api)
        );
        for bad in [
            "http://scontent.xx.fbcdn.net/a.jpg",
            "https://169.254.169.254/latest/meta-data",
            "https://127.0.0.1/a.png",
            "https://[::1]/a.png",
            "https://[::ffff:10.0.0.1]/a.png",
            "https://10.0.0.7/a.png",
            "file:///etc/passwd",
            "http://127.0.0.1:4001/cdn/1/a.png",
            "not a link",
        ] {
            assert!(link_kind(fake, bad).is_err(), "{bad}");
        }
    }
}
