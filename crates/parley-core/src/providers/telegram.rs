//! Telegram bots through the Bot API: a bot token from @BotFather is the whole account (kept in
//! the keychain under `telegram:{bot id}`); the adapter long-polls `getUpdates`.

use crate::adapter::{Adapter, AdapterHooks};
use crate::errors;
use crate::facade::{Parley, secret_key};
use crate::provider::Provider;
use async_trait::async_trait;
use parley_channels::Channel;
use parley_channels::telegram::{self, TelegramChannel};
use parley_domain::*;
use parley_store::AccountRow;
use std::sync::Arc;

pub(crate) struct Telegram;

const NAME: &str = "telegram";

#[async_trait]
impl Provider for Telegram {
    fn name(&self) -> &'static str {
        NAME
    }

    fn channels(&self) -> &'static [ChannelKind] {
        &[ChannelKind::Telegram]
    }

    fn attachment_rule(&self) -> parley_channels::AttachmentRule {
        parley_channels::telegram::ATTACHMENT_RULE
    }

    async fn build(
        &self,
        app: &Parley,
        _account: &AccountRow,
        token: &str,
    ) -> Result<Adapter, IpcError> {
        let channel = TelegramChannel::new(app.api_root(NAME, telegram::DEFAULT_API_BASE), token)
            .map_err(errors::channel)?;
        Ok(Adapter::new(Arc::new(channel)))
    }

    /// A bot may only write to users who started it.
    fn may_write_first(&self) -> bool {
        false
    }

    fn check_reply(&self, text: &str) -> Result<(), IpcError> {
        let chars = text.chars().count();
        if chars > telegram::MAX_TEXT_CHARS {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!(
                    "Telegram messages are limited to {} characters; this reply has {chars}. Shorten it or send it in parts.",
                    telegram::MAX_TEXT_CHARS
                ),
            ));
        }
        Ok(())
    }
}

impl AdapterHooks for TelegramChannel {}

impl Parley {
    /// Validates a bot token with Telegram, keeps it in the keychain, and starts syncing.
    pub async fn add_telegram_account(&self, token: String) -> Result<AccountSummary, IpcError> {
        let token = token.trim().to_string();
        if !telegram::token_looks_valid(&token) {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "That does not look like a bot token. A token looks like 123456789:AAH4… and comes from @BotFather in Telegram.",
            ));
        }
        let channel = TelegramChannel::new(self.api_root(NAME, telegram::DEFAULT_API_BASE), &token)
            .map_err(errors::channel)?;
        let identity = channel.validate().await.map_err(errors::channel)?;
        if self.already_added([&identity]).await?.is_some() {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!("The bot {} is already in Parley.", identity.name),
            ));
        }
        let key = secret_key(identity.channel, &identity.external_id);
        self.save_secret(&key, &token).await?;
        self.stop_demo().await?;
        let id = match self.insert_real_account(identity.channel, &identity).await {
            Ok(id) => id,
            Err(e) => {
                self.delete_secret(&key).await;
                return Err(errors::store(e));
            }
        };
        self.accounts_starting(&[id]);
        self.run(id, Adapter::new(Arc::new(channel)));
        self.announce_added(&[id])
            .await?
            .pop()
            .ok_or_else(|| errors::not_found("account"))
    }
}
