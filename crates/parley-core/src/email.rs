//! Email accounts: IMAP for reading (first sync newest first, then IDLE), SMTP for replies.
//!
//! **Secrets.** The password is kept in the keychain under `email:{address}` (the one
//! `"{channel}:{external id}"` rule). [`EmailSecret`] is an enum so that OAuth2 (XOAUTH2 for Gmail
//! and Microsoft) can be added later: the keychain entry would then hold the refresh token and the
//! settings say which kind it is.
//!
//! **Per-account settings** (settings table, key `email:{address}`, JSON
//! [`EmailAccountSettings`]): display name, login, both servers. Nothing secret. Written before
//! the account row, so a row never exists without them.
//!
//! **Reliable sends.** The adapter makes the Message-ID (`Channel::new_client_message_id`); the
//! dispatcher commits it in the outbox row before calling SMTP, and `Channel::reconcile` looks
//! for it in Sent when the answer was lost.

use crate::errors;
use crate::facade::{Parley, secret_key};
use parley_channels::Channel;
use parley_channels::email::{EmailChannel, EmailConfig, EmailSecret, Security, ServerConfig};
use parley_domain::*;
use parley_store::{AccountRow, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What an email account keeps in the settings table (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailAccountSettings {
    pub address: String,
    pub display_name: Option<String>,
    pub username: String,
    pub imap: ServerConfig,
    pub smtp: ServerConfig,
    /// How the secret authenticates: "password" today; room for "oauth2".
    #[serde(default = "password_kind")]
    pub auth: String,
}

fn password_kind() -> String {
    "password".into()
}

pub(crate) fn settings_key(address: &str) -> String {
    format!("email:{address}")
}

pub(crate) fn read_settings(
    s: &Store,
    address: &str,
) -> parley_store::Result<Option<EmailAccountSettings>> {
    Ok(s.setting(&settings_key(address))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn security(s: EmailSecurity) -> Security {
    match s {
        EmailSecurity::Tls => Security::Tls,
        EmailSecurity::StartTls => Security::StartTls,
        EmailSecurity::None => Security::None,
    }
}

fn server(which: &str, s: &EmailServer) -> Result<ServerConfig, IpcError> {
    let host = s.host.trim().to_owned();
    if host.is_empty() || host.chars().any(char::is_whitespace) || host.contains('/') {
        return Err(invalid(format!(
            "Enter the {which} server's host name, such as {}.example.com.",
            if which == "IMAP" { "imap" } else { "smtp" }
        )));
    }
    if s.port == 0 {
        return Err(invalid(format!(
            "The {which} port must be a number from 1 to 65535."
        )));
    }
    Ok(ServerConfig {
        host,
        port: s.port,
        security: security(s.security),
    })
}

/// Extra CA certificates to trust (a company CA; the tests' own CA), from
/// `PARLEY_EMAIL_EXTRA_CA` (a PEM file). Verification itself is never disabled.
fn extra_roots() -> Option<String> {
    let path = std::env::var_os("PARLEY_EMAIL_EXTRA_CA")?;
    std::fs::read_to_string(path).ok()
}

pub(crate) fn config_of(settings: &EmailAccountSettings, password: &str) -> EmailConfig {
    let mut cfg = EmailConfig::new(
        &settings.address,
        &settings.username,
        EmailSecret::Password(password.to_owned()),
        settings.imap.clone(),
        settings.smtp.clone(),
    );
    cfg.display_name = settings.display_name.clone();
    cfg.extra_roots_pem = extra_roots();
    cfg
}

/// The email channel of a stored account, from its settings and keychain password.
pub(crate) fn channel_for(
    s: &Store,
    row: &AccountRow,
    password: &str,
) -> parley_store::Result<Option<EmailChannel>> {
    Ok(read_settings(s, &row.external_id)?.map(|st| EmailChannel::new(config_of(&st, password))))
}

impl Parley {
    /// Logs in to the IMAP and the SMTP server (each failure says which server and what is
    /// wrong: password, certificate, unreachable host, TLS setting), keeps the password in the
    /// keychain and the rest in the settings, adds the account and starts syncing it.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_email_account(
        &self,
        address: String,
        display_name: Option<String>,
        username: String,
        password: String,
        imap: EmailServer,
        smtp: EmailServer,
    ) -> Result<AccountSummary, IpcError> {
        let address = address.trim().to_lowercase();
        let Some((local, domain)) = address.split_once('@') else {
            return Err(invalid(
                "Enter the full email address, such as support@example.com.",
            ));
        };
        if local.is_empty() || domain.is_empty() || address.chars().any(char::is_whitespace) {
            return Err(invalid(
                "Enter the full email address, such as support@example.com.",
            ));
        }
        let username = match username.trim() {
            "" => address.clone(),
            u => u.to_owned(),
        };
        if password.is_empty() {
            return Err(invalid("Enter the password of this mailbox."));
        }
        let settings = EmailAccountSettings {
            address: address.clone(),
            display_name: display_name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            username,
            imap: server("IMAP", &imap)?,
            smtp: server("SMTP", &smtp)?,
            auth: password_kind(),
        };
        let channel = Arc::new(EmailChannel::new(config_of(&settings, &password)));
        let identity = channel.validate().await.map_err(errors::channel)?;
        if self.already_added([&identity]).await?.is_some() {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!("The mailbox {address} is already in Parley."),
            ));
        }
        let key = secret_key(ChannelKind::Email, &identity.external_id);
        self.save_secret(&key, &password).await?;
        let json = serde_json::to_string(&settings)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let skey = settings_key(&identity.external_id);
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(&skey, &json, now))
            .await
            .map_err(errors::store)?;
        self.stop_demo().await?;
        let id = match self
            .insert_real_account(ChannelKind::Email, &identity)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                self.delete_secret(&key).await;
                return Err(errors::store(e));
            }
        };
        self.run_channel(id, channel);
        self.announce_added(&[id])
            .await?
            .pop()
            .ok_or_else(|| errors::not_found("account"))
    }
}
