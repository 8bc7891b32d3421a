//! What an email account keeps in the settings table (key `email:{address}`; never the
//! password), and the adapter built from it and the keychain password.

use parley_channels::email::{EmailChannel, EmailConfig, EmailSecret, ServerConfig};
use parley_store::{AccountRow, Store};
use serde::{Deserialize, Serialize};

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

pub(super) fn password_kind() -> String {
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
