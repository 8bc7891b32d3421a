//! Accounts: what the Accounts screen lists, adding a Telegram bot, and removing an account
//! (the other channels add theirs in their own modules through `insert_real_account`).

use crate::errors;
use crate::facade::{Parley, Runner, secret_key};
use parley_channels::Channel;
use parley_channels::telegram::{self, TelegramChannel};
use parley_domain::*;
use parley_store::{AccountRow, NewAccount};
use std::sync::Arc;

impl Parley {
    /// The account's sync state and its revision (0 for accounts that are not running).
    fn state_of(&self, account: AccountId) -> (u64, SyncState) {
        match self.lock_runners().get(&account) {
            Some(Runner::Running(h)) => h.snapshot(),
            Some(Runner::Idle(state)) => (0, state.clone()),
            None => (0, SyncState::Stopped),
        }
    }

    fn summary(&self, row: AccountRow) -> AccountSummary {
        let (sync_revision, sync) = self.state_of(row.id);
        AccountSummary {
            sync,
            sync_revision,
            id: row.id,
            channel: row.channel,
            name: row.name,
            handle: row.handle,
            is_demo: row.is_demo,
            last_error: row.last_error,
            last_sync_at: row.last_sync_at,
            // The running adapter holds the Page setting (the facade keeps it in step).
            human_agent_approved: self
                .lock_graph()
                .get(&row.id)
                .map(|c| c.human_agent_approved()),
        }
    }

    pub(crate) async fn account_summary(
        &self,
        id: AccountId,
    ) -> Result<Option<AccountSummary>, IpcError> {
        let row = self
            .db
            .call(move |s| s.account(id))
            .await
            .map_err(errors::store)?;
        Ok(row.map(|r| self.summary(r)))
    }

    pub async fn list_accounts(&self) -> Result<Vec<AccountSummary>, IpcError> {
        let rows = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        Ok(rows.into_iter().map(|r| self.summary(r)).collect())
    }

    /// Validates a bot token with Telegram, keeps it in the keychain, and starts syncing.
    pub async fn add_telegram_account(&self, token: String) -> Result<AccountSummary, IpcError> {
        let token = token.trim().to_string();
        if !telegram::token_looks_valid(&token) {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "That does not look like a bot token. A token looks like 123456789:AAH4… and comes from @BotFather in Telegram.",
            ));
        }
        let channel = TelegramChannel::new(&self.telegram_api, &token).map_err(errors::channel)?;
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
        self.run_channel(id, Arc::new(channel));
        self.announce_added(&[id])
            .await?
            .pop()
            .ok_or_else(|| errors::not_found("account"))
    }

    /// Stores a real account the provider has just confirmed (the caller starts its sync).
    pub(crate) async fn insert_real_account(
        &self,
        channel: ChannelKind,
        identity: &AccountIdentity,
    ) -> Result<AccountId, parley_store::StoreError> {
        let now = self.clock.now();
        let new = NewAccount {
            channel,
            name: identity.name.clone(),
            handle: identity.handle.clone(),
            external_id: identity.external_id.clone(),
            is_demo: false,
        };
        self.db.call(move |s| s.insert_account(&new, now)).await
    }

    /// Tells the window that accounts were added and returns their summaries.
    pub(crate) async fn announce_added(
        &self,
        ids: &[AccountId],
    ) -> Result<Vec<AccountSummary>, IpcError> {
        let _ = self.events.send(CoreEvent::AccountsChanged);
        let _ = self
            .events
            .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        let mut out = Vec::new();
        for id in ids {
            if let Some(summary) = self.account_summary(*id).await? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    /// Stops an account, deletes its conversations from this computer and its secret from the
    /// keychain.
    pub async fn remove_account(&self, id: AccountId) -> Result<(), IpcError> {
        let row = self
            .db
            .call(move |s| s.account(id))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("account"))?;
        if row.is_demo {
            self.stop_demo().await?;
        } else {
            self.stop_runner(id);
            self.db
                .call(move |s| s.remove_account(id))
                .await
                .map_err(errors::store)?;
            self.delete_secret(&secret_key(row.channel, &row.external_id))
                .await;
            self.forget_removed_threads().await;
        }
        let _ = self.events.send(CoreEvent::AccountsChanged);
        let _ = self
            .events
            .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        Ok(())
    }
}
