use crate::demo::DemoRuntime;
use crate::errors;
use crate::notifications::load_notification_prefs;
use crate::notify::{self, NoNotifier, Notifier, NotifyHandle};
use crate::secrets::SecretStore;
use crate::workspace_lock::WorkspaceLock;
use parley_channels::Channel;
use parley_channels::graph::{self as graph_api, GraphChannel};
use parley_channels::telegram::{self, TelegramChannel};
use parley_channels::twilio::TwilioChannel;
use parley_domain::*;
use parley_store::{AccountRow, NewAccount, Store};
use parley_sync::{AccountRunner, Clock, Connectivity, Db, EngineEvent, LONG_POLL, SyncHandle};
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
    /// The Telegram Bot API root; tests point it at a fake.
    pub telegram_api: String,
    /// The Meta Graph API root (Messenger, Instagram); tests point it at a fake.
    pub graph_api: String,
    /// The Twilio API root (api, messaging and content hosts alike); tests point it at a fake.
    pub twilio_api: Option<String>,
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
}

impl CoreConfig {
    pub fn new(paths: Paths, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            paths,
            telegram_api: telegram::DEFAULT_API_BASE.to_string(),
            graph_api: graph_api::DEFAULT_API_BASE.to_string(),
            twilio_api: None,
            secrets,
            clock: Arc::new(parley_sync::SystemClock),
            demo: DemoMode::Auto,
            demo_stagger: crate::demo::start_stagger(),
            long_poll: LONG_POLL,
            notifier: Arc::new(NoNotifier),
        }
    }
}

/// How one demo account runs: the adapter it reads through.
enum DemoStart {
    Telegram(Arc<dyn Channel>),
    Graph(Arc<GraphChannel>),
    Twilio(Arc<TwilioChannel>),
}

pub(crate) enum Runner {
    Running(SyncHandle),
    /// Could not start (e.g. its secret is missing); the state says why.
    Idle(SyncState),
}

/// The application: the store, the running accounts, the demo, and the events for the window.
pub struct Parley {
    pub(crate) db: Db,
    pub(crate) paths: Paths,
    pub(crate) telegram_api: String,
    pub(crate) graph_api: String,
    /// `None`: Twilio's own hosts.
    pub(crate) twilio_api: Option<String>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) clock: Arc<dyn Clock>,
    long_poll: Duration,
    engine: broadcast::Sender<EngineEvent>,
    pub(crate) events: broadcast::Sender<CoreEvent>,
    runners: Mutex<HashMap<AccountId, Runner>>,
    /// The running Graph adapters (Messenger, Instagram, the demo's too): handover calls and
    /// downloads go through the same instance as the sync, so they share its rate budget.
    graph: Mutex<HashMap<AccountId, Arc<GraphChannel>>>,
    /// The running Twilio adapters (SMS, WhatsApp, the demo's too): templates go through them.
    twilio: Mutex<HashMap<AccountId, Arc<TwilioChannel>>>,
    demo: tokio::sync::Mutex<Option<DemoRuntime>>,
    demo_stagger: Duration,
    pub(crate) notify: NotifyHandle,
    /// The saved notification preferences; the lock also orders their read-modify-write.
    pub(crate) notification_prefs: tokio::sync::Mutex<NotificationPrefs>,
    /// The paths of the last files dropped on the window (staged once, shortly after).
    pub(crate) drops: crate::drops::DropRegistry,
    /// This process's claim on the data folder, for as long as the core lives.
    _workspace_lock: WorkspaceLock,
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
        let db_path = config.paths.database();
        let store = tokio::task::spawn_blocking(move || Store::open(&db_path))
            .await
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(errors::store)?;
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
        let (engine, _) = broadcast::channel(1024);
        let (events, _) = broadcast::channel(1024);
        let prefs = load_notification_prefs(&db).await;
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
            paths: config.paths,
            telegram_api: config.telegram_api,
            graph_api: config.graph_api,
            twilio_api: config.twilio_api,
            secrets: config.secrets,
            clock: config.clock,
            long_poll: config.long_poll,
            engine,
            events,
            runners: Mutex::new(HashMap::new()),
            graph: Mutex::new(HashMap::new()),
            twilio: Mutex::new(HashMap::new()),
            demo: tokio::sync::Mutex::new(None),
            demo_stagger: config.demo_stagger,
            notify,
            notification_prefs: tokio::sync::Mutex::new(prefs),
            drops: Default::default(),
            _workspace_lock: workspace_lock,
        });
        app.spawn_event_pump();

        let accounts = app.db.call(|s| s.accounts()).await.map_err(errors::store)?;
        let has_real = accounts.iter().any(|a| !a.is_demo);
        if has_real {
            // A demo left behind by a crash while adding the first real account.
            for a in accounts.iter().filter(|a| a.is_demo) {
                let id = a.id;
                app.db
                    .call(move |s| s.remove_account(id))
                    .await
                    .map_err(errors::store)?;
            }
        } else if config.demo == DemoMode::Auto {
            app.start_demo().await?;
        }
        app.forget_removed_threads().await;
        app.sweep_outgoing().await;
        let real: Vec<AccountId> = accounts
            .iter()
            .filter(|a| !a.is_demo)
            .map(|a| a.id)
            .collect();
        app.accounts_starting(&real);
        for account in accounts.into_iter().filter(|a| !a.is_demo) {
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
                    EngineEvent::NewMessages { .. } | EngineEvent::AccountsStarting { .. } => None,
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
        }
    }

    async fn start_account(&self, account: &AccountRow) {
        let key = secret_key(account.channel, &account.external_id);
        let secrets = self.secrets.clone();
        let token = tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let runner = match (account.channel, token) {
            (ChannelKind::Telegram, Ok(Some(token))) => {
                match TelegramChannel::new(&self.telegram_api, &token) {
                    Ok(ch) => Runner::Running(self.runner_for(account.id, Arc::new(ch)).spawn()),
                    Err(e) => Runner::Idle(SyncState::Backoff {
                        reason: e.to_string(),
                        retry_at: self.clock.now(),
                    }),
                }
            }
            (ChannelKind::Email, Ok(Some(password))) => {
                let row = account.clone();
                let built = self
                    .db
                    .call(move |s| crate::email::channel_for(s, &row, &password))
                    .await;
                match built {
                    Ok(Some(ch)) => {
                        Runner::Running(self.runner_for(account.id, Arc::new(ch)).spawn())
                    }
                    Ok(None) => Runner::Idle(SyncState::AuthFailed {
                        reason: "Parley lost the server settings of this mailbox. Remove the account and add it again.".into(),
                    }),
                    Err(e) => Runner::Idle(SyncState::AuthFailed {
                        reason: errors::store(e).message,
                    }),
                }
            }
            (ChannelKind::Messenger | ChannelKind::Instagram, Ok(Some(token))) => {
                match self.start_graph_account(account, &token).await {
                    Ok(()) => return,
                    Err(e) => Runner::Idle(SyncState::AuthFailed { reason: e.message }),
                }
            }
            (ChannelKind::Sms | ChannelKind::Whatsapp, Ok(Some(token))) => {
                match self.start_twilio_account(account, &token).await {
                    Ok(()) => return,
                    Err(e) => Runner::Idle(SyncState::AuthFailed { reason: e.message }),
                }
            }
            (_, Ok(None)) => Runner::Idle(SyncState::AuthFailed {
                reason: "The token of this account is missing from the system keychain. Remove the account and add it again.".into(),
            }),
            (_, Err(e)) => Runner::Idle(SyncState::AuthFailed {
                reason: format!(
                    "The system keychain could not be read ({e}). Unlock your keyring (GNOME Keyring, KWallet, macOS Keychain) and restart Parley."
                ),
            }),
        };
        if let Runner::Idle(state) = &runner {
            // It will not sync: say so, as a running account says its state.
            let _ = self.engine.send(EngineEvent::State {
                account: account.id,
                state: state.clone(),
            });
        }
        self.lock_runners().insert(account.id, runner);
    }

    /// Builds the Graph adapter of a stored Messenger/Instagram account and starts its sync.
    async fn start_graph_account(&self, account: &AccountRow, token: &str) -> Result<(), IpcError> {
        let Some(platform) = crate::graph::platform_of(account.channel) else {
            return Err(errors::not_found("account"));
        };
        let (channel, external) = (account.channel, account.external_id.clone());
        let settings = self
            .db
            .call(move |s| crate::graph::read_settings(s, channel, &external))
            .await
            .map_err(errors::store)?;
        let settings = match (settings, account.channel) {
            (Some(s), _) => s,
            // A Messenger account's external id is its Page id.
            (None, ChannelKind::Messenger) => crate::graph::GraphAccountSettings {
                page_id: account.external_id.clone(),
                human_agent_approved: false,
            },
            (None, _) => {
                return Err(IpcError::new(
                    ErrorCode::AuthFailed,
                    "Parley lost which Facebook Page this Instagram account belongs to. Remove the account and add the Page again.",
                ));
            }
        };
        let channel = self.graph_channel(
            &settings.page_id,
            token,
            platform,
            settings.human_agent_approved,
        )?;
        self.run_graph(account.id, channel);
        Ok(())
    }

    /// Spawns the sync task and outbox dispatcher of an account's adapter.
    pub(crate) fn run_channel(&self, id: AccountId, channel: Arc<dyn Channel>) {
        let handle = self.runner_for(id, channel).spawn();
        self.lock_runners().insert(id, Runner::Running(handle));
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
            existing.iter().any(|a| {
                !a.is_demo && a.channel == identity.channel && a.external_id == identity.external_id
            })
        }))
    }

    /// Registers a Graph adapter and spawns its sync task and outbox dispatcher.
    pub(crate) fn run_graph(&self, id: AccountId, channel: Arc<GraphChannel>) {
        self.lock_graph().insert(id, channel.clone());
        let handle = self.runner_for(id, channel).spawn();
        self.lock_runners().insert(id, Runner::Running(handle));
    }

    /// Registers a Twilio adapter and spawns its sync task and outbox dispatcher.
    pub(crate) fn run_twilio(&self, id: AccountId, channel: Arc<TwilioChannel>) {
        self.lock_twilio().insert(id, channel.clone());
        let handle = self.runner_for(id, channel).spawn();
        self.lock_runners().insert(id, Runner::Running(handle));
    }

    pub(crate) fn lock_twilio(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<AccountId, Arc<TwilioChannel>>> {
        self.twilio.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_graph(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<AccountId, Arc<GraphChannel>>> {
        self.graph.lock().unwrap_or_else(|p| p.into_inner())
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
        if let Some(Runner::Running(handle)) = self.lock_runners().get(&account) {
            handle.wake_outbox();
        }
    }

    /// Whether every running account reaches its provider, and since when the first one does
    /// not: (online, offline since).
    pub(crate) fn connectivity(&self) -> (bool, Option<Millis>) {
        let mut since: Option<Millis> = None;
        for runner in self.lock_runners().values() {
            if let Runner::Running(h) = runner
                && let Connectivity::Offline { since: s } = h.connectivity()
            {
                since = Some(since.map_or(s, |x| x.min(s)));
            }
        }
        (since.is_none(), since)
    }

    pub(crate) fn lock_runners(&self) -> std::sync::MutexGuard<'_, HashMap<AccountId, Runner>> {
        self.runners.lock().unwrap_or_else(|p| p.into_inner())
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

    async fn start_demo(self: &Arc<Self>) -> Result<(), IpcError> {
        let runtime = DemoRuntime::start(&self.paths.data_dir).await?;
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
        starts.push((account_id, DemoStart::Telegram(runtime.channel())));
        for (identity, channel) in runtime.graph_channels() {
            // Approved for HUMAN_AGENT, like the simulated Page, so the composer shows that
            // state too.
            let settings = crate::graph::GraphAccountSettings {
                page_id: channel_page_id(&identity),
                human_agent_approved: true,
            };
            let json = serde_json::to_string(&settings)
                .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
            let key = crate::graph::settings_key(identity.channel, &identity.external_id);
            let id = self
                .demo_account(&existing, &identity, Some((key, json)))
                .await?;
            starts.push((id, DemoStart::Graph(channel)));
        }
        for (identity, channel) in runtime.twilio_channels() {
            let id = self.demo_account(&existing, &identity, None).await?;
            starts.push((id, DemoStart::Twilio(channel)));
        }
        *self.demo.lock().await = Some(runtime);
        let ids: Vec<AccountId> = starts.iter().map(|(id, _)| *id).collect();
        self.accounts_starting(&ids);
        let stagger = self.demo_stagger;
        let last = starts.len().saturating_sub(1);
        for (i, (id, start)) in starts.into_iter().enumerate() {
            // Reversed: the account that is usually live first starts last.
            let delay = stagger * u32::try_from(last - i).unwrap_or(0);
            if delay.is_zero() {
                self.start_demo_account(id, start);
                continue;
            }
            self.lock_runners()
                .insert(id, Runner::Idle(SyncState::Connecting));
            let app = Arc::downgrade(self);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let Some(app) = app.upgrade() else { return };
                // Held while it starts, so a demo being stopped meanwhile stops this one too.
                let demo = app.demo.lock().await;
                if demo.is_some() {
                    app.start_demo_account(id, start);
                }
            });
        }
        Ok(())
    }

    fn start_demo_account(&self, id: AccountId, start: DemoStart) {
        match start {
            DemoStart::Telegram(channel) => self.run_channel(id, channel),
            DemoStart::Graph(channel) => self.run_graph(id, channel),
            DemoStart::Twilio(channel) => self.run_twilio(id, channel),
        }
    }

    /// Stops an account's sync and outbox and forgets its adapters; listeners hear it stopped.
    pub(crate) fn stop_runner(&self, id: AccountId) {
        self.lock_runners().remove(&id);
        self.lock_graph().remove(&id);
        self.lock_twilio().remove(&id);
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
            self.stop_runner(a.id);
            let id = a.id;
            self.db
                .call(move |s| s.remove_account(id))
                .await
                .map_err(errors::store)?;
        }
        if let Some(runtime) = runtime {
            runtime.discard().await;
        }
        self.forget_removed_threads().await;
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

    pub(crate) async fn channel_of(
        &self,
        account: AccountId,
    ) -> Result<Arc<dyn Channel>, IpcError> {
        let row = self
            .db
            .call(move |s| s.account(account))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("account"))?;
        if let Some(graph) = self.lock_graph().get(&account) {
            return Ok(graph.clone());
        }
        if let Some(twilio) = self.lock_twilio().get(&account) {
            return Ok(twilio.clone());
        }
        if row.is_demo
            && let Some(demo) = self.demo.lock().await.as_ref()
        {
            return Ok(demo.channel());
        }
        if crate::graph::platform_of(row.channel).is_some() {
            return Err(IpcError::new(
                ErrorCode::AuthFailed,
                "This Facebook Page account is not running (see Accounts for why).",
            ));
        }
        if crate::twilio::is_twilio(row.channel) {
            return Err(IpcError::new(
                ErrorCode::AuthFailed,
                "This Twilio account is not running (see Accounts for why).",
            ));
        }
        let key = secret_key(row.channel, &row.external_id);
        let secrets = self.secrets.clone();
        let token = tokio::task::spawn_blocking(move || secrets.get(&key))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(|e| IpcError::new(ErrorCode::Keychain, format!("The system keychain could not be read ({e}).")))?
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::AuthFailed,
                    "The token of this account is missing from the system keychain. Remove the account and add it again.",
                )
            })?;
        if row.channel == ChannelKind::Email {
            let row2 = row.clone();
            return self
                .db
                .call(move |s| crate::email::channel_for(s, &row2, &token))
                .await
                .map_err(errors::store)?
                .map(|ch| Arc::new(ch) as Arc<dyn Channel>)
                .ok_or_else(|| {
                    IpcError::new(
                        ErrorCode::AuthFailed,
                        "Parley lost the server settings of this mailbox. Remove the account and add it again.",
                    )
                });
        }
        let ch = TelegramChannel::new(&self.telegram_api, &token).map_err(errors::channel)?;
        Ok(Arc::new(ch))
    }
}

/// The demo Page's id for an account of it (the Instagram account's own id differs).
fn channel_page_id(identity: &AccountIdentity) -> String {
    match identity.channel {
        ChannelKind::Instagram => crate::demo::DEMO_PAGE_ID.to_owned(),
        _ => identity.external_id.clone(),
    }
}
