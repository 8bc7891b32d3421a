//! Who the Page is (its ids, name and linked Instagram account) and whether its token has the
//! permissions this inbox needs.

use super::{API, GraphChannel, GraphPlatform, wire};
use crate::ChannelError;
use crate::http::Effect;
use parley_domain::{AccountIdentity, ChannelKind, RemotePerson};
use std::sync::PoisonError;

/// The Page's own ids (Page id, linked Instagram account id) and how it appears in a thread.
#[derive(Clone, Debug)]
pub(super) struct Me {
    pub(super) ids: Vec<String>,
    pub(super) person: RemotePerson,
    pub(super) instagram: Option<(String, String)>,
}

impl GraphChannel {
    /// [`Channel::validate`](crate::Channel::validate): forgets what it knew of the Page and
    /// reads it again.
    pub(super) async fn validate_page(&self) -> Result<AccountIdentity, ChannelError> {
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let me = self.me().await?;
        if let Some(missing) = self.missing_permissions().await?
            && !missing.is_empty()
        {
            return Err(ChannelError::Unauthorized(format!(
                "The Page access token lacks the permission{} {}. Generate a new Page token that grants {} and enter it again.",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                if missing.len() > 1 { "them" } else { "it" },
            )));
        }
        match self.cfg.platform {
            GraphPlatform::Messenger => Ok(AccountIdentity {
                channel: ChannelKind::Messenger,
                external_id: self.cfg.page_id.clone(),
                name: me.person.display_name,
                handle: None,
            }),
            GraphPlatform::Instagram => {
                let Some((id, username)) = me.instagram else {
                    return Err(ChannelError::Rejected {
                        code: 0,
                        message: "No Instagram professional account is linked to this Page. Link one in the Page's settings first.".into(),
                    });
                };
                Ok(AccountIdentity {
                    channel: ChannelKind::Instagram,
                    external_id: id,
                    name: username.clone(),
                    handle: Some(username),
                })
            }
        }
    }

    async fn page_info(&self) -> Result<wire::PageInfo, ChannelError> {
        let v = self
            .get(
                &self.cfg.page_id,
                &[(
                    "fields",
                    "id,name,instagram_business_account{id,username}".into(),
                )],
                "the Page lookup",
            )
            .await?;
        API.decode(v, "the Page lookup", Effect::Read)
    }

    pub(super) async fn me(&self) -> Result<Me, ChannelError> {
        if let Some(me) = self
            .me
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(me);
        }
        let info = self.page_info().await?;
        let instagram = info
            .instagram_business_account
            .as_ref()
            .map(|ig| (ig.id.clone(), ig.username.clone().unwrap_or_default()));
        let mut ids = vec![info.id.clone(), self.cfg.page_id.clone()];
        if let Some((id, _)) = &instagram {
            ids.push(id.clone());
        }
        let name = info.name.clone().unwrap_or_else(|| "Page".to_owned());
        let person = match (&instagram, self.cfg.platform) {
            (Some((id, username)), GraphPlatform::Instagram) => RemotePerson {
                remote_id: id.clone(),
                display_name: username.clone(),
                handle: Some(username.clone()),
            },
            _ => RemotePerson {
                remote_id: info.id.clone(),
                display_name: name,
                handle: None,
            },
        };
        let me = Me {
            ids,
            person,
            instagram,
        };
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(me.clone());
        Ok(me)
    }

    /// The Instagram professional account linked to the Page, `(id, username)`, to offer it.
    pub async fn linked_instagram(&self) -> Result<Option<(String, String)>, ChannelError> {
        Ok(self.me().await?.instagram)
    }

    /// Permissions the token lacks for this inbox, from `debug_token`; `None` when Meta would not
    /// say (the check is then left to the first call that needs the permission).
    async fn missing_permissions(&self) -> Result<Option<Vec<&'static str>>, ChannelError> {
        let answer = self
            .get(
                "debug_token",
                &[("input_token", self.cfg.page_token.clone())],
                "the token check",
            )
            .await;
        let v = match answer {
            Ok(v) => v,
            Err(ChannelError::Rejected { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let token: wire::DebugToken = API.decode(v, "the token check", Effect::Read)?;
        if !token.data.is_valid {
            return Err(ChannelError::Unauthorized(
                "Facebook says this Page access token is no longer valid. Generate a new Page access token and enter it again.".into(),
            ));
        }
        Ok(Some(
            self.cfg
                .platform
                .required_permissions()
                .iter()
                .copied()
                .filter(|p| !token.data.scopes.iter().any(|s| s == p))
                .collect(),
        ))
    }
}
