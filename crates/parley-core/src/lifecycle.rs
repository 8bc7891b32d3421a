//! Starting accounts: a stored account through its provider (`providers::provider`), the demo
//! workspace's simulated accounts, and the adapter that calls besides the sync go through.

use crate::adapter::Adapter;
use crate::demo::{DEMO_PAGE_ID, DemoRuntime};
use crate::errors;
use crate::facade::{Parley, secret_key};
use crate::providers::{self, graph, graph::GraphAccountSettings};
use parley_channels::Channel;
use parley_domain::*;
use parley_store::{AccountRow, NewAccount};
use std::sync::Arc;

/// Keychain entries are read off the async runtime.
async fn read_secret(app: &Parley, key: String) -> Result<Option<String>, String> {
    let secrets = app.secrets.clone();
    tokio::task::spawn_blocking(move || secrets.get(&key))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
}

const SECRET_MISSING: &str = "The token of this account is missing from the system keychain. Remove the account and add it again.";

/// How a stored account that could not be built shows in Accounts: stopped until the agent
/// acts, or a wait.
fn not_started(e: IpcError, now: Millis) -> SyncState {
    match e.code {
        ErrorCode::AuthFailed
        | ErrorCode::Storage
        | ErrorCode::NotFound
        | ErrorCode::InvalidInput
        | ErrorCode::Keychain => SyncState::AuthFailed { reason: e.message },
        _ => SyncState::Backoff {
            reason: e.message,
            retry_at: now,
        },
    }
}

impl Parley {
    /// Builds a stored account's adapter from its secret and starts its sync and outbox; an
    /// account that cannot start says why with a state event.
    pub(crate) async fn start_account(&self, account: &AccountRow) {
        let key = secret_key(account.channel, &account.external_id);
        let built = match read_secret(self, key).await {
            Ok(Some(secret)) => providers::provider(account.channel)
                .build(self, account, &secret)
                .await
                .map_err(|e| not_started(e, self.clock.now())),
            Ok(None) => Err(SyncState::AuthFailed {
                reason: SECRET_MISSING.into(),
            }),
            Err(e) => Err(SyncState::AuthFailed {
                reason: format!(
                    "The system keychain could not be read ({e}). Unlock your keyring (GNOME Keyring, KWallet, macOS Keychain) and restart Parley."
                ),
            }),
        };
        match built {
            Ok(adapter) => self.run(account.id, adapter),
            Err(state) => {
                // It will not sync: say so, as a running account says its state.
                let _ = self.engine.send(parley_sync::EngineEvent::State {
                    account: account.id,
                    state: state.clone(),
                });
                self.set_idle(account.id, state, None);
            }
        }
    }

    /// The adapter for calls besides the sync (downloads): the running one where the provider
    /// needs it (or the account is the demo's), otherwise one built from the secret.
    pub(crate) async fn channel_of(
        &self,
        account: AccountId,
    ) -> Result<Arc<dyn Channel>, IpcError> {
        let row = self.account_row(account).await?;
        let provider = providers::provider(row.channel);
        let needs_running = provider.calls_need_running_adapter();
        if (row.is_demo || needs_running.is_some())
            && let Some(adapter) = self.adapter(account)
        {
            return Ok(adapter.channel);
        }
        if let Some(why) = needs_running {
            return Err(IpcError::new(ErrorCode::AuthFailed, why));
        }
        let secret = read_secret(self, secret_key(row.channel, &row.external_id))
            .await
            .map_err(|e| {
                IpcError::new(
                    ErrorCode::Keychain,
                    format!("The system keychain could not be read ({e})."),
                )
            })?
            .ok_or_else(|| IpcError::new(ErrorCode::AuthFailed, SECRET_MISSING))?;
        Ok(provider.build(self, &row, &secret).await?.channel)
    }

    /// The demo's account for `identity`'s channel: the one stored earlier, or a new one,
    /// stored with its `setting` (key, JSON) first.
    async fn demo_account(
        &self,
        existing: &[AccountRow],
        identity: &AccountIdentity,
        setting: Option<(String, String)>,
    ) -> Result<AccountId, IpcError> {
        if let Some(a) = existing
            .iter()
            .find(|a| a.is_demo && a.channel == identity.channel)
        {
            return Ok(a.id);
        }
        let now = self.clock.now();
        let new = NewAccount {
            channel: identity.channel,
            name: identity.name.clone(),
            handle: identity.handle.clone(),
            external_id: identity.external_id.clone(),
            is_demo: true,
        };
        self.db
            .call(move |s| {
                if let Some((key, json)) = setting {
                    s.set_setting(&key, &json, now)?;
                }
                s.insert_account(&new, now)
            })
            .await
            .map_err(errors::store)
    }

    /// Starts the simulated demo workspace: its servers, its accounts (stored once), their
    /// syncs — all at once, or staggered (`CoreConfig::demo_stagger`).
    pub(crate) async fn start_demo(self: &Arc<Self>) -> Result<(), IpcError> {
        let runtime = DemoRuntime::start(&self.paths.data_dir, graph::POLL_IDLE).await?;
        let identity = runtime.identity();
        let existing = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        // Every demo account is stored before the first one runs, so their first syncs are
        // announced as one.
        let mut starts = Vec::new();
        let account_id = self.demo_account(&existing, &identity, None).await?;
        starts.push((account_id, Adapter::new(runtime.channel())));
        for (identity, channel) in runtime.graph_channels() {
            // Approved for HUMAN_AGENT, like the simulated Page, so the composer shows that
            // state too.
            let settings = GraphAccountSettings {
                page_id: channel_page_id(&identity),
                human_agent_approved: true,
            };
            let json = serde_json::to_string(&settings)
                .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
            let key = graph::settings_key(identity.channel, &identity.external_id);
            let id = self
                .demo_account(&existing, &identity, Some((key, json)))
                .await?;
            starts.push((id, Adapter::new(channel)));
        }
        for (identity, channel) in runtime.twilio_channels() {
            let id = self.demo_account(&existing, &identity, None).await?;
            starts.push((id, Adapter::new(channel)));
        }
        *self.demo.lock().await = Some(runtime);
        let ids: Vec<AccountId> = starts.iter().map(|(id, _)| *id).collect();
        if let Err(e) = self.seed_demo_automation(&ids).await {
            tracing::warn!("demo automation: {}", e.message);
        }
        self.spawn_demo_workflow();
        self.accounts_starting(&ids);
        let stagger = self.demo_stagger;
        let last = starts.len().saturating_sub(1);
        for (i, (id, adapter)) in starts.into_iter().enumerate() {
            // Reversed: the account that is usually live first starts last.
            let delay = stagger * u32::try_from(last - i).unwrap_or(0);
            if delay.is_zero() {
                self.run(id, adapter);
                continue;
            }
            self.set_idle(id, SyncState::Connecting, Some(adapter.clone()));
            let app = Arc::downgrade(self);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let Some(app) = app.upgrade() else { return };
                // Held while it starts, so a demo being stopped meanwhile stops this one too.
                let demo = app.demo.lock().await;
                if demo.is_some() {
                    app.run(id, adapter);
                }
            });
        }
        Ok(())
    }
}

/// The demo Page's id for an account of it (the Instagram account's own id differs).
fn channel_page_id(identity: &AccountIdentity) -> String {
    match identity.channel {
        ChannelKind::Instagram => DEMO_PAGE_ID.to_owned(),
        _ => identity.external_id.clone(),
    }
}
