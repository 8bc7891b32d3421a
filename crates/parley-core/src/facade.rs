use crate::adapter::{Adapter, Live, Runner};
use crate::demo::DemoRuntime;
use crate::errors;
use crate::notify::{self, NoNotifier, Notifier, NotifyHandle};
use crate::provider::ApiRoots;
use crate::secrets::SecretStore;
use crate::workspace_lock::WorkspaceLock;
use parley_channels::Channel;
use parley_domain::*;
use parley_sync::{AccountRunner, Clock, Connectivity, Db, EngineEvent, LONG_POLL};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Where Parley keeps its files; each is overridable so tests never touch the user's folders.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("parley.sqlite3")
    }

    pub fn attachments(&self) -> PathBuf {
        self.data_dir.join("attachments")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMode {
    /// Run the simulated demo workspace while no real account exists.
    Auto,
    /// Never run it (tests that bring their own fakes).
    Off,
}

pub struct CoreConfig {
    pub paths: Paths,
    /// Providers pointed away from their own API (tests point them at fakes).
    pub api_roots: ApiRoots,
    pub secrets: Arc<dyn SecretStore>,
    pub clock: Arc<dyn Clock>,
    pub demo: DemoMode,
    /// The demo's accounts start this far apart, in the reverse of their usual order
    /// (`PARLEY_DEMO_STAGGER_MS`; zero: all at once).
    pub demo_stagger: Duration,
    /// How long live polls wait at the provider.
    pub long_poll: Duration,
    /// Shows notifications on the desktop (the shell's); tests keep the silent default.
    pub notifier: Arc<dyn Notifier>,
    /// Quiet hours are on in a new workspace (issue 18). Off only for tests whose customers'
    /// zones would make them depend on the time of day (`PARLEY_QUIET_HOURS=off`); it writes the
    /// setting once, and Settings can turn them on.
    pub quiet_hours_by_default: bool,
    /// Told how opening the database goes (a plain workspace being encrypted), from a blocking
    /// thread, before [`Parley::start`] returns.
    pub on_opening: Option<Arc<dyn Fn(crate::workspace_key::Opening) + Send + Sync>>,
}

impl CoreConfig {
    pub fn new(paths: Paths, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            paths,
            api_roots: ApiRoots::default(),
            secrets,
            clock: Arc::new(parley_sync::SystemClock),
            demo: DemoMode::Auto,
            demo_stagger: crate::demo::start_stagger(),
            long_poll: LONG_POLL,
            notifier: Arc::new(NoNotifier),
            quiet_hours_by_default: true,
            on_opening: None,
        }
    }
}

/// The application: the store, the running accounts, the demo, and the events for the window.
pub struct Parley {
    pub(crate) db: Db,
    /// The database's key (from the keychain): a backup's copy of the database is opened with it.
    pub(crate) db_key: parley_store::DbKey,
    pub(crate) paths: Paths,
    pub(crate) api_roots: ApiRoots,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) long_poll: Duration,
    pub(crate) engine: broadcast::Sender<EngineEvent>,
    pub(crate) events: broadcast::Sender<CoreEvent>,
    /// Every account's tasks and adapter (provider calls and downloads go through the same
    /// adapter as the sync, so they share its rate budget).
    live: Mutex<HashMap<AccountId, Live>>,
    pub(crate) demo: tokio::sync::Mutex<Option<DemoRuntime>>,
    /// Wakes the snooze task when a snooze was set, moved or undone.
    pub(crate) snooze_wake: Arc<tokio::sync::Notify>,
    pub(crate) demo_stagger: Duration,
    pub(crate) notify: NotifyHandle,
    /// The saved notification preferences; the lock also orders their read-modify-write.
    pub(crate) notification_prefs: tokio::sync::Mutex<NotificationPrefs>,
    /// The paths of the last files dropped on the window (staged once, shortly after).
    pub(crate) drops: crate::files::DropRegistry,
    /// The merge suggestions last computed, with the revision of their inputs.
    pub(crate) suggestions: crate::contact_merge::SuggestionCache,
    /// The file the import wizard staged, and the running import's cancel flag.
    pub(crate) import: crate::import::ImportState,
    /// Spike mode's watcher state (`spike.rs`).
    pub(crate) spike: crate::spike::Spike,
    /// The automation settings, cached (`automation/settings.rs`).
    pub(crate) automation: crate::automation::AutomationState,
    /// The FAQ bot's compiled rules and the conversation the agent has open (`bot/`).
    pub(crate) bot: crate::bot::BotState,
    /// The save dialog and the running export's cancel flag (`review/export.rs`).
    pub(crate) export: crate::review::export::ExportState,
    /// The backup running, the schedule's wake-up, the restore being checked (`backup/`).
    pub(crate) backup: crate::backup::BackupState,
    /// The daily retention pass's wake-up and its lock (`retention.rs`).
    pub(crate) retention: crate::retention::RetentionState,
    /// This process's claim on the data folder, for as long as the core lives.
    pub(crate) _workspace_lock: WorkspaceLock,
}

pub(crate) fn secret_key(channel: ChannelKind, external_id: &str) -> String {
    format!("{}:{}", channel.as_str(), external_id)
}

impl Parley {
    /// Opens (or creates) the store, recovers interrupted sends, starts every account's sync and,
    /// with no real account, the demo workspace. Must run inside a tokio runtime.
    pub async fn start(config: CoreConfig) -> Result<Arc<Parley>, IpcError> {
        // Before anything is read or recovered: the workspace may be another process's.
        let workspace_lock = WorkspaceLock::acquire(&config.paths.data_dir)?;
        // A restore confirmed before the last exit is swapped in before the store opens.
        let data_dir = config.paths.data_dir.clone();
        let restored = tokio::task::spawn_blocking(move || {
            crate::backup::restore::finish_pending(&data_dir)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "A confirmed restore could not be finished ({e}). Check the data folder's free space and permissions, then start Parley again: it carries on where it stopped."
                ),
            )
        })?;
        if restored {
            tracing::info!("a backup was restored into this workspace");
        }
        let db_path = config.paths.database();
        let data_dir = config.paths.data_dir.clone();
        let secrets = config.secrets.clone();
        let opening = config.on_opening.clone();
        // Encrypted at rest, a plain workspace encrypted first (`workspace_key.rs`).
        let (store, db_key) = tokio::task::spawn_blocking(move || {
            crate::workspace_key::open_store(&*secrets, &data_dir, &db_path, &|step| {
                if let Some(f) = &opening {
                    f(step);
                }
            })
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))??;
        let db = Db::new(store);
        let now = config.clock.now();
        let recovered = db
            .call(move |s| s.recover_interrupted(now))
            .await
            .map_err(errors::store)?;
        if !recovered.is_empty() {
            tracing::warn!(
                count = recovered.len(),
                "sends interrupted by a crash marked uncertain"
            );
        }
        if !config.quiet_hours_by_default {
            db.call(move |s| {
                if s.setting(parley_domain::OUTBOUND_SETTINGS_KEY)?.is_none() {
                    let off = parley_domain::OutboundSettings {
                        quiet_hours_enabled: false,
                        ..Default::default()
                    };
                    s.set_outbound_settings(&off, now)?;
                }
                Ok(())
            })
            .await
            .map_err(errors::store)?;
        }
        let (engine, _) = broadcast::channel(1024);
        let (events, _) = broadcast::channel(1024);
        let prefs = notify::load_prefs(&db).await;
        // Subscribed before any account starts, so the first messages reach the policy.
        let notify = notify::spawn(
            engine.subscribe(),
            db.clone(),
            config.clock.clone(),
            config.notifier,
            prefs.clone(),
        );
        let app = Arc::new(Parley {
            db,
            db_key,
            paths: config.paths,
            api_roots: config.api_roots,
            secrets: config.secrets,
            clock: config.clock,
            long_poll: config.long_poll,
            engine,
            events,
            live: Mutex::new(HashMap::new()),
            demo: tokio::sync::Mutex::new(None),
            snooze_wake: Arc::new(tokio::sync::Notify::new()),
            demo_stagger: config.demo_stagger,
            notify,
            notification_prefs: tokio::sync::Mutex::new(prefs),
            drops: Default::default(),
            suggestions: Default::default(),
            import: Default::default(),
            spike: Default::default(),
            automation: Default::default(),
            bot: Default::default(),
            export: Default::default(),
            backup: Default::default(),
            retention: Default::default(),
            _workspace_lock: workspace_lock,
        });
        app.spawn_event_pump();
        // Subscribed before any account starts, like the notifications: no batch is missed.
        crate::automation::spawn(Arc::downgrade(&app), app.engine.subscribe());
        // Conversations whose snooze ended while Parley was closed wake first, in order.
        app.spawn_snooze_waker();
        app.spawn_spike_watcher();
        crate::backup::scheduler::spawn(Arc::downgrade(&app));
        crate::retention::spawn(Arc::downgrade(&app));

        let accounts = app.db.call(|s| s.accounts()).await.map_err(errors::store)?;
        let has_real = accounts.iter().any(|a| !a.is_demo);
        if has_real {
            // A demo left behind by a crash while adding the first real account.
            for a in accounts.iter().filter(|a| a.is_demo) {
                app.forget_account(a).await?;
            }
        } else if config.demo == DemoMode::Auto {
            app.start_demo().await?;
        }
        app.forget_removed_mutes().await;
        app.sweep_outgoing().await;
        app.sweep_saved_reply_files().await;
        sweep_unkeyed_attachments(&app.paths.attachments()).await;
        // Accounts removed with their conversations kept do not run.
        let real: Vec<AccountId> = accounts
            .iter()
            .filter(|a| !a.is_demo && a.removed_at.is_none())
            .map(|a| a.id)
            .collect();
        app.accounts_starting(&real);
        for account in accounts
            .into_iter()
            .filter(|a| !a.is_demo && a.removed_at.is_none())
        {
            app.start_account(&account).await;
        }
        Ok(app)
    }

    /// Events for the window.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    /// The engine's own events (new messages for notifications, among others).
    pub fn subscribe_engine(&self) -> broadcast::Receiver<EngineEvent> {
        self.engine.subscribe()
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    fn spawn_event_pump(self: &Arc<Self>) {
        let mut rx = self.engine.subscribe();
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let event = match rx.recv().await {
                    Ok(e) => e,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Some events were dropped: have the window reload everything.
                        EngineEvent::ThreadsChanged { threads: vec![] }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let Some(app) = app.upgrade() else { return };
                let out = match event {
                    EngineEvent::ThreadsChanged { threads } => Some(CoreEvent::ThreadsChanged {
                        thread_ids: threads,
                    }),
                    EngineEvent::MessagesChanged { thread } => {
                        Some(CoreEvent::MessagesChanged { thread_id: thread })
                    }
                    EngineEvent::State { account, .. } => app
                        .account_summary(account)
                        .await
                        .ok()
                        .flatten()
                        .map(|account| CoreEvent::AccountChanged { account }),
                    EngineEvent::NewMessages { .. }
                    | EngineEvent::AccountsStarting { .. }
                    | EngineEvent::SnoozesEnded { .. } => None,
                    EngineEvent::ThreadsMerged { merges, .. } => {
                        app.threads_merged(&merges).await;
                        None
                    }
                    EngineEvent::Connectivity { .. } | EngineEvent::OutboxChanged { .. } => app
                        .outbox_status()
                        .await
                        .ok()
                        .map(|status| CoreEvent::OutboxChanged { status }),
                };
                if let Some(out) = out {
                    let _ = app.events.send(out);
                }
            }
        });
    }

    pub(crate) fn runner_for(
        &self,
        account: AccountId,
        channel: Arc<dyn Channel>,
    ) -> AccountRunner {
        AccountRunner {
            account,
            channel,
            db: self.db.clone(),
            clock: self.clock.clone(),
            events: self.engine.clone(),
            long_poll: self.long_poll,
            policy: Arc::new(crate::outbound::CorePolicy),
        }
    }

    /// Spawns the sync task and outbox dispatcher of an account's adapter and registers both.
    pub(crate) fn run(&self, id: AccountId, adapter: Adapter) {
        let handle = self.runner_for(id, adapter.channel.clone()).spawn();
        self.lock_live().insert(
            id,
            Live {
                runner: Runner::Running(handle),
                adapter: Some(adapter),
            },
        );
    }

    /// Registers an account that does not run, with the state that says why (and the adapter
    /// it will run, for an account whose start waits).
    pub(crate) fn set_idle(&self, id: AccountId, state: SyncState, adapter: Option<Adapter>) {
        self.lock_live().insert(
            id,
            Live {
                runner: Runner::Idle(state),
                adapter,
            },
        );
    }

    /// The running adapter of an account.
    pub(crate) fn adapter(&self, account: AccountId) -> Option<Adapter> {
        self.lock_live().get(&account)?.adapter.clone()
    }

    /// The running adapter of an account as its provider's own type `C`.
    pub(crate) fn adapter_of<C: Send + Sync + 'static>(
        &self,
        account: AccountId,
    ) -> Option<Arc<C>> {
        self.adapter(account)?.get::<C>()
    }

    /// Tells every running adapter whether the agent watches one of its conversations
    /// (`account`; `None`: no conversation is open).
    pub(crate) fn focus(&self, account: Option<AccountId>) {
        for (id, live) in self.lock_live().iter() {
            if let Some(adapter) = &live.adapter {
                adapter.hooks().set_focused(Some(*id) == account);
            }
        }
    }

    /// Removes a secret from the keychain, logging (not failing) when it cannot.
    pub(crate) async fn delete_secret(&self, key: &str) {
        let secrets = self.secrets.clone();
        let key = key.to_owned();
        let deleted = tokio::task::spawn_blocking(move || secrets.delete(&key))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        if let Err(e) = deleted {
            tracing::warn!("could not delete a secret from the keychain: {e}");
        }
    }

    /// Where a reply in `thread` goes (account, channel, customer), or "not found".
    pub(crate) async fn thread_target(
        &self,
        thread: ThreadId,
    ) -> Result<parley_store::ThreadTarget, IpcError> {
        self.db
            .call(move |s| s.thread_target(thread))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("conversation"))
    }

    /// The first of `identities` that is already a real account in Parley (the demo's do not
    /// count): adding it again is refused, in the caller's words.
    pub(crate) async fn already_added<'a>(
        &self,
        identities: impl IntoIterator<Item = &'a AccountIdentity>,
    ) -> Result<Option<&'a AccountIdentity>, IpcError> {
        let existing = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        Ok(identities.into_iter().find(|identity| {
            // One removed with its conversations kept comes back when added again.
            existing.iter().any(|a| {
                !a.is_demo
                    && a.removed_at.is_none()
                    && a.channel == identity.channel
                    && a.external_id == identity.external_id
            })
        }))
    }

    /// Keeps a secret in the keychain, in words the agent can act on when it fails.
    pub(crate) async fn save_secret(&self, key: &str, value: &str) -> Result<(), IpcError> {
        let secrets = self.secrets.clone();
        let (key, value) = (key.to_owned(), value.to_owned());
        tokio::task::spawn_blocking(move || secrets.set(&key, &value))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(|e| {
                IpcError::new(
                    ErrorCode::Keychain,
                    format!(
                        "The token could not be saved in the system keychain ({e}). On Linux, make sure a keyring (GNOME Keyring or KWallet) is running and unlocked, then try again."
                    ),
                )
            })
    }

    /// Has the account's dispatcher look at the outbox now rather than at its next tick.
    pub(crate) fn wake_outbox(&self, account: AccountId) {
        if let Some(Runner::Running(handle)) = self.lock_live().get(&account).map(|l| &l.runner) {
            handle.wake_outbox();
        }
    }

    /// Whether every running account reaches its provider, and since when the first one does
    /// not: (online, offline since).
    pub(crate) fn connectivity(&self) -> (bool, Option<Millis>) {
        let mut since: Option<Millis> = None;
        for live in self.lock_live().values() {
            if let Runner::Running(h) = &live.runner
                && let Connectivity::Offline { since: s } = h.connectivity()
            {
                since = Some(since.map_or(s, |x| x.min(s)));
            }
        }
        (since.is_none(), since)
    }

    pub(crate) fn lock_live(&self) -> std::sync::MutexGuard<'_, HashMap<AccountId, Live>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops an account's sync and outbox and forgets its adapters; listeners hear it stopped.
    pub(crate) fn stop_runner(&self, id: AccountId) {
        self.lock_live().remove(&id);
        let _ = self.engine.send(EngineEvent::State {
            account: id,
            state: SyncState::Stopped,
        });
    }

    /// Tells the engine's listeners that these accounts start syncing together (see
    /// [`EngineEvent::AccountsStarting`]). Call it before the first of them runs.
    pub(crate) fn accounts_starting(&self, accounts: &[AccountId]) {
        if !accounts.is_empty() {
            let _ = self.engine.send(EngineEvent::AccountsStarting {
                accounts: accounts.to_vec(),
            });
        }
    }

    /// Stops the demo and forgets its data, once a real account exists.
    pub(crate) async fn stop_demo(&self) -> Result<(), IpcError> {
        let runtime = self.demo.lock().await.take();
        let accounts = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        for a in accounts.into_iter().filter(|a| a.is_demo) {
            self.forget_account(&a).await?;
        }
        if let Some(runtime) = runtime {
            runtime.discard().await;
        }
        self.forget_removed_mutes().await;
        Ok(())
    }

    /// An account's row; a missing one is "not found".
    pub(crate) async fn account_row(
        &self,
        id: AccountId,
    ) -> Result<parley_store::AccountRow, IpcError> {
        self.db
            .call(move |s| s.account(id))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("account"))
    }

    /// Stops an account and removes it with everything Parley holds of it: its rows (one
    /// transaction in the store) and its downloaded attachments.
    pub(crate) async fn forget_account(
        &self,
        row: &parley_store::AccountRow,
    ) -> Result<(), IpcError> {
        self.stop_runner(row.id);
        let id = row.id;
        self.db
            .call(move |s| s.remove_account(id))
            .await
            .map_err(errors::store)?;
        self.forget_automation_of(id).await;
        let dir =
            crate::files::account_files(&self.paths.attachments(), row.channel, &row.external_id);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("the removed account's files in {} stay: {e}", dir.display());
        }
        Ok(())
    }

    pub async fn workspace_info(&self) -> WorkspaceInfo {
        WorkspaceInfo {
            is_demo: self.demo.lock().await.is_some(),
            data_dir: self.paths.data_dir.display().to_string(),
        }
    }

    /// The demo's fake Telegram server, when the demo runs (the end-to-end tests drive it).
    pub async fn demo_endpoint(&self) -> Option<String> {
        self.demo.lock().await.as_ref().map(|d| d.base_url())
    }
}

/// Deletes downloads kept before attachments were filed per account (named by a message's row
/// id, which SQLite reuses): they may belong to a removed account. Each is fetched again, into
/// its account's folder, when opened.
async fn sweep_unkeyed_attachments(dir: &std::path::Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_type().await.is_ok_and(|t| t.is_file())
            && let Err(e) = tokio::fs::remove_file(entry.path()).await
        {
            tracing::warn!("an old download stays in {}: {e}", dir.display());
        }
    }
}

impl Parley {
    /// The API root of the provider named `name`: the one set in [`CoreConfig::api_roots`], else
    /// `default` (the provider's own).
    pub(crate) fn api_root<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.api_roots.get(name).unwrap_or(default)
    }
}
