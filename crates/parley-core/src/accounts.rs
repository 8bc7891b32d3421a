//! Accounts: what the Accounts screen lists, storing an account a provider has confirmed
//! (each provider adds its own in `providers/`), and removing an account.

use crate::adapter::Runner;
use crate::errors;
use crate::facade::{Parley, secret_key};
use parley_domain::*;
use parley_store::{AccountRow, NewAccount};

impl Parley {
    /// The account's sync state and its revision (0 for accounts that are not running).
    fn state_of(&self, account: AccountId) -> (u64, SyncState) {
        match self.lock_live().get(&account).map(|l| &l.runner) {
            Some(Runner::Running(h)) => h.snapshot(),
            Some(Runner::Idle(state)) => (0, state.clone()),
            None => (0, SyncState::Stopped),
        }
    }

    fn summary(&self, row: AccountRow) -> AccountSummary {
        let (sync_revision, sync) = self.state_of(row.id);
        let mut summary = AccountSummary {
            sync,
            sync_revision,
            id: row.id,
            channel: row.channel,
            name: row.name,
            handle: row.handle,
            is_demo: row.is_demo,
            last_error: row.last_error,
            last_sync_at: row.last_sync_at,
            human_agent_approved: None,
            removed_at: row.removed_at,
        };
        // What only the provider knows (a Page's approval, which its running adapter holds).
        if let Some(adapter) = self.adapter(row.id) {
            adapter.hooks().describe(&mut summary);
        }
        summary
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

    /// Stops an account and deletes its secret from the keychain; its conversations either stay
    /// on this computer, read-only and searchable (`keep_conversations`; adding the account
    /// again brings it back), or are deleted with it. The demo's always go.
    pub async fn remove_account(
        &self,
        id: AccountId,
        keep_conversations: bool,
    ) -> Result<(), IpcError> {
        let row = self.account_row(id).await?;
        if row.is_demo {
            self.stop_demo().await?;
        } else if keep_conversations {
            self.stop_runner(row.id);
            let now = self.clock.now();
            self.db
                .call(move |s| s.keep_removed_account(id, now))
                .await
                .map_err(errors::store)?;
            self.delete_secret(&secret_key(row.channel, &row.external_id))
                .await;
        } else {
            self.forget_account(&row).await?;
            self.delete_secret(&secret_key(row.channel, &row.external_id))
                .await;
            self.forget_removed_mutes().await;
        }
        let _ = self.events.send(CoreEvent::AccountsChanged);
        let _ = self
            .events
            .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        Ok(())
    }
}
