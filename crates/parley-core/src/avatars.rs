//! Customers' profile pictures in the context pane: fetched by Rust from the channel that has
//! them (Telegram's getUserProfilePhotos, Meta's User Profile API: `Channel::profile_photo`),
//! only when the pane shows the customer and at most once a week per identity, kept in the store
//! only when their bytes are a PNG, JPEG, GIF or WebP of at most [`MAX_AVATAR_BYTES`], and
//! served to the window through the `parley-media` scheme (`avatar/{identity}`) like attachment
//! images. A picture that cannot be fetched now (network, rate limit) is asked again next time.

use crate::errors;
use crate::facade::Parley;
use crate::media::{MediaImage, sniff_image};
use parley_domain::{ContactId, ErrorCode, IdentityId, IpcError, Millis};

/// How long a picture (or the provider's "none") stands before it is asked again.
pub const AVATAR_RECHECK: Millis = 7 * 24 * 3600 * 1000;
/// A profile picture larger than this is not kept (the pane shows it at 52 px).
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;

/// `identity` from a `parley-media` request path `/avatar/12` (or `/avatar%2F12`).
pub fn parse_avatar_path(path: &str) -> Option<IdentityId> {
    let decoded = path.replace("%2F", "/").replace("%2f", "/");
    let id = decoded.strip_prefix("/avatar/")?;
    id.parse::<i64>().ok().filter(|n| *n > 0).map(IdentityId)
}

impl Parley {
    /// Asks the channels for the pictures of `contact`'s identities that are due; answers
    /// whether one was stored (the pane then shows it).
    pub async fn refresh_avatars(&self, contact: ContactId) -> Result<bool, IpcError> {
        let now = self.clock.now();
        let due = self
            .db
            .call(move |s| s.avatars_due(contact, now - AVATAR_RECHECK))
            .await
            .map_err(errors::store)?;
        let mut changed = false;
        for d in due {
            let channel = match self.channel_of(d.account).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::info!(account = d.account.0, "no avatar: {}", e.message);
                    continue;
                }
            };
            let image = match channel.profile_photo(&d.remote_id).await {
                Ok(Some(photo)) => {
                    let kind =
                        sniff_image(&photo.bytes).filter(|_| photo.bytes.len() <= MAX_AVATAR_BYTES);
                    if kind.is_none() {
                        tracing::info!(
                            identity = d.identity.0,
                            bytes = photo.bytes.len(),
                            "profile picture refused: not a small raster image"
                        );
                    }
                    kind.map(|k| (k.content_type(), photo.bytes))
                }
                Ok(None) => None,
                Err(e) => {
                    // Asked again next time the pane shows them.
                    tracing::info!(identity = d.identity.0, "profile picture not fetched: {e}");
                    continue;
                }
            };
            changed |= image.is_some();
            let identity = d.identity;
            self.db
                .call(move |s| {
                    s.set_avatar(
                        identity,
                        image.as_ref().map(|(t, b)| (*t, b.as_slice())),
                        now,
                    )
                })
                .await
                .map_err(errors::store)?;
        }
        Ok(changed)
    }

    /// An identity's stored picture, re-sniffed (only raster images are ever served).
    pub async fn avatar_image(&self, identity: IdentityId) -> Result<MediaImage, IpcError> {
        let stored = self
            .db
            .call(move |s| s.avatar(identity))
            .await
            .map_err(errors::store)?;
        let not_found = || IpcError::new(ErrorCode::NotFound, "This customer has no picture.");
        let (_, bytes) = stored.ok_or_else(not_found)?;
        let kind = sniff_image(&bytes).ok_or_else(not_found)?;
        Ok(MediaImage {
            bytes,
            content_type: kind.content_type(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatar_paths_name_one_identity() {
        assert_eq!(parse_avatar_path("/avatar/12"), Some(IdentityId(12)));
        assert_eq!(parse_avatar_path("/avatar%2F12"), Some(IdentityId(12)));
        for bad in [
            "/avatar/",
            "/avatar/-1",
            "/avatar/0",
            "/avatar/1/2",
            "/12/0",
            "/avatar/x",
        ] {
            assert_eq!(parse_avatar_path(bad), None, "{bad}");
        }
    }
}
