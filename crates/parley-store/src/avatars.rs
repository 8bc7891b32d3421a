//! Customers' profile pictures, one per channel identity, as the provider last gave them (the
//! core fetches them through `Channel::profile_photo` and sniffs them before they are stored).

use crate::Store;
use crate::error::Result;
use parley_domain::*;
use rusqlite::{OptionalExtension, params};

/// An identity whose picture is due: never asked, or asked before `stale_before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarDue {
    pub identity: IdentityId,
    pub account: AccountId,
    pub channel: ChannelKind,
    pub remote_id: String,
}

impl Store {
    /// The identities of `contact` whose picture is due on a channel that has pictures.
    pub fn avatars_due(&self, contact: ContactId, stale_before: Millis) -> Result<Vec<AvatarDue>> {
        let with_pictures: Vec<String> = ChannelKind::ALL
            .iter()
            .filter(|c| c.has_profile_pictures())
            .map(|c| format!("'{}'", c.as_str()))
            .collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.id, i.account_id, a.channel, i.remote_id
             FROM identities i JOIN accounts a ON a.id = i.account_id
             LEFT JOIN identity_avatars v ON v.identity_id = i.id
             WHERE i.contact_id = ?1 AND a.channel IN ({})
               AND (v.identity_id IS NULL OR v.checked_at < ?2)
             ORDER BY i.id",
            with_pictures.join(", ")
        ))?;
        crate::rows::collect(&mut stmt, params![contact.0, stale_before], |r| {
            Ok(AvatarDue {
                identity: IdentityId(r.get(0)?),
                account: AccountId(r.get(1)?),
                channel: crate::rows::channel(&r.get::<_, String>(2)?)?,
                remote_id: r.get(3)?,
            })
        })
    }

    /// Records what the provider said: a picture (its sniffed type and bytes) or none.
    pub fn set_avatar(
        &mut self,
        identity: IdentityId,
        image: Option<(&str, &[u8])>,
        now: Millis,
    ) -> Result<()> {
        let (content_type, bytes) = image.map_or((None, None), |(t, b)| (Some(t), Some(b)));
        self.conn
            .prepare_cached(
                "INSERT INTO identity_avatars (identity_id, content_type, image, checked_at)
                 SELECT id, ?2, ?3, ?4 FROM identities WHERE id = ?1
                 ON CONFLICT (identity_id) DO UPDATE SET content_type = excluded.content_type,
                    image = excluded.image, checked_at = excluded.checked_at",
            )?
            .execute(params![identity.0, content_type, bytes, now])?;
        Ok(())
    }

    /// An identity's stored picture: its type and bytes.
    pub fn avatar(&self, identity: IdentityId) -> Result<Option<(String, Vec<u8>)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT content_type, image FROM identity_avatars
                 WHERE identity_id = ?1 AND image IS NOT NULL",
            )?
            .query_row([identity.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}
