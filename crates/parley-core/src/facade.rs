use crate::demo::DemoRuntime;
use crate::errors;
use crate::notify::{self, NoNotifier, Notifier, NotifyHandle};
use crate::secrets::SecretStore;
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
            long_poll: LONG_POLL,
            notifier: Arc::new(NoNotifier),
        }
    }
}

enum Runner {
    Running(SyncHandle),
    /// Could not start (e.g. its secret is missing); the state says why.
    Idle(SyncState),
}

/// The application: the store, the running accounts, the demo, and the events for the window.
pub struct Parley {
    pub(crate) db: Db,
    paths: Paths,
    telegram_api: String,
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
    notify: NotifyHandle,
    /// The saved notification preferences; the lock also orders their read-modify-write.
    notification_prefs: tokio::sync::Mutex<NotificationPrefs>,
    /// The paths of the last files dropped on the window (staged once, shortly after).
    pub(crate) drops: crate::drops::DropRegistry,
}

/// The settings key of the notification preferences (a JSON document).
/// Owned by the store, which moves a mute when it merges two threads.
const NOTIFICATION_PREFS_KEY: &str = parley_store::NOTIFICATION_PREFS_KEY;

const THREAD_PAGE_MAX: u32 = 200;
const MESSAGE_PAGE: u32 = 80;

pub(crate) fn secret_key(channel: ChannelKind, external_id: &str) -> String {
    format!("{}:{}", channel.as_str(), external_id)
}

impl Parley {
    /// Opens (or creates) the store, recovers interrupted sends, starts every account's sync and,
    /// with no real account, the demo workspace. Must run inside a tokio runtime.
    pub async fn start(config: CoreConfig) -> Result<Arc<Parley>, IpcError> {
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
            notify,
            notification_prefs: tokio::sync::Mutex::new(prefs),
            drops: Default::default(),
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
                    EngineEvent::NewMessages { .. } => None,
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

    fn runner_for(&self, account: AccountId, channel: Arc<dyn Channel>) -> AccountRunner {
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

    /// Registers a Graph adapter and spawns its sync task and outbox dispatcher.
    pub(crate) fn run_graph(&self, id: AccountId, channel: Arc<GraphChannel>) {
        self.lock_graph().insert(id, channel.clone());
        let handle = self.runner_for(id, channel).spawn();
        self.lock_runners().insert(id, Runner::Running(handle));
    }

    /// Registers a Twilio adapter and spawns its sync task and outbox dispatcher.
    pub(crate) fn run_twilio(&self, id: AccountId, channel: Arc<TwilioChannel>) {
        self.lock_twilio().insert(id, channel.clone());
        let sync = crate::twilio::TwilioSync {
            inner: channel,
            db: self.db.clone(),
            account: id,
        };
        let handle = self.runner_for(id, Arc::new(sync)).spawn();
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

    fn lock_runners(&self) -> std::sync::MutexGuard<'_, HashMap<AccountId, Runner>> {
        self.runners.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn start_demo(&self) -> Result<(), IpcError> {
        let runtime = DemoRuntime::start(&self.paths.data_dir).await?;
        let identity = runtime.identity();
        let existing = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        let account_id = match existing
            .iter()
            .find(|a| a.is_demo && a.channel == identity.channel)
        {
            Some(a) => a.id,
            None => {
                let now = self.clock.now();
                let new = NewAccount {
                    channel: identity.channel,
                    name: identity.name.clone(),
                    handle: identity.handle.clone(),
                    external_id: identity.external_id.clone(),
                    is_demo: true,
                };
                self.db
                    .call(move |s| s.insert_account(&new, now))
                    .await
                    .map_err(errors::store)?
            }
        };
        let handle = self.runner_for(account_id, runtime.channel()).spawn();
        self.lock_runners()
            .insert(account_id, Runner::Running(handle));
        for (identity, channel) in runtime.graph_channels() {
            let found = existing
                .iter()
                .find(|a| a.is_demo && a.channel == identity.channel)
                .map(|a| a.id);
            let id = match found {
                Some(id) => id,
                None => {
                    // Approved for HUMAN_AGENT, like the simulated Page, so the composer shows
                    // that state too.
                    let settings = crate::graph::GraphAccountSettings {
                        page_id: channel_page_id(&identity),
                        human_agent_approved: true,
                    };
                    let json = serde_json::to_string(&settings)
                        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
                    let key = crate::graph::settings_key(identity.channel, &identity.external_id);
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
                            s.set_setting(&key, &json, now)?;
                            s.insert_account(&new, now)
                        })
                        .await
                        .map_err(errors::store)?
                }
            };
            self.run_graph(id, channel);
        }
        for (identity, channel) in runtime.twilio_channels() {
            let found = existing
                .iter()
                .find(|a| a.is_demo && a.channel == identity.channel)
                .map(|a| a.id);
            let id = match found {
                Some(id) => id,
                None => {
                    let now = self.clock.now();
                    let new = NewAccount {
                        channel: identity.channel,
                        name: identity.name.clone(),
                        handle: identity.handle.clone(),
                        external_id: identity.external_id.clone(),
                        is_demo: true,
                    };
                    self.db
                        .call(move |s| s.insert_account(&new, now))
                        .await
                        .map_err(errors::store)?
                }
            };
            self.run_twilio(id, channel);
        }
        *self.demo.lock().await = Some(runtime);
        Ok(())
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
            self.lock_runners().remove(&a.id);
            self.lock_graph().remove(&a.id);
            self.lock_twilio().remove(&a.id);
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

    pub async fn list_threads(
        &self,
        cursor: Option<PageCursor>,
        limit: u32,
    ) -> Result<ThreadPage, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.list_threads(cursor, limit))
            .await
            .map_err(errors::store)
    }

    /// Opens a thread: its newest messages, its draft, and marks it read.
    pub async fn open_thread(&self, thread: ThreadId) -> Result<ThreadDetail, IpcError> {
        let now = self.clock.now();
        let (changed, detail) = self
            .db
            .call(move |s| {
                let changed = s.mark_read(thread)?;
                let summary = s.thread(thread)?;
                let messages = s.messages(thread, None, MESSAGE_PAGE)?;
                let draft = s.draft(thread)?;
                let extras = crate::graph::thread_extras(s, thread, now)?;
                Ok((changed, summary.map(|t| (t, messages, draft, extras))))
            })
            .await
            .map_err(errors::store)?;
        let (thread_summary, messages, draft, (reply_window, history_note)) =
            detail.ok_or_else(|| errors::not_found("conversation"))?;
        self.graph_focus(Some(thread_summary.account_id));
        self.fetch_old_email_html(thread);
        self.notify.seen(thread);
        if changed {
            let _ = self.events.send(CoreEvent::ThreadsChanged {
                thread_ids: vec![thread],
            });
        }
        Ok(ThreadDetail {
            thread: thread_summary,
            messages,
            draft,
            reply_window,
            history_note,
        })
    }

    pub async fn older_messages(
        &self,
        thread: ThreadId,
        before: PageCursor,
        limit: u32,
    ) -> Result<MessagePage, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.messages(thread, Some(before), limit))
            .await
            .map_err(errors::store)
    }

    pub async fn save_draft(&self, thread: ThreadId, text: String) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.save_draft(thread, &text, now))
            .await
            .map_err(errors::store)
    }

    /// Queues a reply; the account's dispatcher sends it. Returns the local echo.
    pub async fn send_reply(
        &self,
        thread: ThreadId,
        text: String,
    ) -> Result<MessageView, IpcError> {
        let text = text.trim_end().to_string();
        let (target, staged) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.staged_files(thread)?.len())))
            .await
            .map_err(errors::store)?;
        if text.trim().is_empty() && staged == 0 {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "The reply is empty.",
            ));
        }
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        // Files go as the channel carries them (split into one item per file where each is its
        // own provider send); a channel that cannot carry them refuses the reply with them.
        let rule = parley_channels::AttachmentRule::for_channel(target.channel);
        let split = crate::attachments::split_of(rule);
        if staged > 0
            && let parley_channels::AttachmentRule::Unsupported { reason } = rule
        {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!(
                    "This conversation cannot carry files: {reason} Remove the attached files to send the text."
                ),
            ));
        }
        if target.channel == ChannelKind::Telegram {
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
        }
        let account = target.account_id;
        let author = self
            .db
            .call(move |s| s.account(account))
            .await
            .map_err(errors::store)?
            .map(|a| a.name)
            .unwrap_or_else(|| "You".into());
        let now = self.clock.now();
        let mut queued = self
            .db
            .call(move |s| match split {
                Some(split) => s.queue_reply_with_files(thread, &text, &author, split, now),
                None => s.queue_reply(thread, &text, &author, now).map(|q| vec![q]),
            })
            .await
            .map_err(errors::store)?;
        if queued.len() > 1 {
            let _ = self
                .events
                .send(CoreEvent::MessagesChanged { thread_id: thread });
        }
        let queued = queued.remove(0);
        self.wake_outbox(account);
        self.notify.replied(thread);
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: vec![thread],
        });
        self.publish_outbox_status().await;
        Ok(queued.message)
    }

    pub async fn contact_context(&self, thread: ThreadId) -> Result<ContactContext, IpcError> {
        self.db
            .call(move |s| s.contact_context(thread))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("conversation"))
    }

    pub async fn search(&self, query: String, limit: u32) -> Result<Vec<SearchHit>, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.search(&query, limit))
            .await
            .map_err(errors::store)
    }

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
        let existing = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        if existing.iter().any(|a| {
            !a.is_demo && a.channel == identity.channel && a.external_id == identity.external_id
        }) {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!("The bot {} is already in Parley.", identity.name),
            ));
        }
        let key = secret_key(identity.channel, &identity.external_id);
        {
            let secrets = self.secrets.clone();
            let (key, token) = (key.clone(), token.clone());
            tokio::task::spawn_blocking(move || secrets.set(&key, &token))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
                .map_err(|e| {
                    IpcError::new(
                        ErrorCode::Keychain,
                        format!(
                            "The token could not be saved in the system keychain ({e}). On Linux, make sure a keyring (GNOME Keyring or KWallet) is running and unlocked, then try again."
                        ),
                    )
                })?;
        }
        self.stop_demo().await?;
        let id = match self.insert_real_account(identity.channel, &identity).await {
            Ok(id) => id,
            Err(e) => {
                let secrets = self.secrets.clone();
                let _ = tokio::task::spawn_blocking(move || secrets.delete(&key)).await;
                return Err(errors::store(e));
            }
        };
        let handle = self.runner_for(id, Arc::new(channel)).spawn();
        self.lock_runners().insert(id, Runner::Running(handle));
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
            self.lock_runners().remove(&id);
            self.lock_graph().remove(&id);
            self.lock_twilio().remove(&id);
            self.db
                .call(move |s| s.remove_account(id))
                .await
                .map_err(errors::store)?;
            let secrets = self.secrets.clone();
            let key = secret_key(row.channel, &row.external_id);
            let deleted = tokio::task::spawn_blocking(move || secrets.delete(&key))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            if let Err(e) = deleted {
                tracing::warn!(%id, "could not delete the account's secret from the keychain: {e}");
            }
            self.forget_removed_threads().await;
        }
        let _ = self.events.send(CoreEvent::AccountsChanged);
        let _ = self
            .events
            .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        Ok(())
    }

    /// Downloads an attachment (once) into the data folder and returns where it is.
    pub async fn fetch_attachment(
        &self,
        message: MessageId,
        index: usize,
    ) -> Result<PathBuf, IpcError> {
        let msg = self
            .db
            .call(move |s| s.message_ref(message))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("message"))?;
        let attachment = msg
            .attachments
            .get(index)
            .cloned()
            .ok_or_else(|| errors::not_found("attachment"))?;
        let remote_ref = attachment.remote_ref.clone().ok_or_else(|| {
            IpcError::new(
                ErrorCode::InvalidInput,
                "This attachment has no file to open.",
            )
        })?;
        if remote_ref.starts_with(parley_store::LOCAL_REF_PREFIX) {
            // A file the agent sent from this computer: it is already here.
            return self.local_attachment(&remote_ref).await;
        }
        let name = safe_file_name(
            attachment.file_name.as_deref(),
            attachment.mime_type.as_deref(),
        );
        let path = self
            .paths
            .attachments()
            .join(format!("{}-{}-{}", message, index, name));
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let channel = self.channel_of(msg.account_id).await?;
        let downloaded = channel
            .download(&remote_ref)
            .await
            .map_err(errors::channel)?;
        let dir = self.paths.attachments();
        let tmp = path.with_extension("part");
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&tmp, &downloaded.bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write.await.map_err(|e| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "The attachment could not be saved in {} ({e}).",
                    dir.display()
                ),
            )
        })?;
        Ok(path)
    }

    async fn channel_of(&self, account: AccountId) -> Result<Arc<dyn Channel>, IpcError> {
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

/// Notifications: preferences, what the window shows, and clicks on notifications.
impl Parley {
    pub async fn notification_prefs(&self) -> NotificationPrefs {
        self.notification_prefs.lock().await.clone()
    }

    pub async fn set_notification_prefs(
        &self,
        prefs: NotificationPrefs,
    ) -> Result<NotificationPrefs, IpcError> {
        if !notify::schedule::is_known_zone(&prefs.working_hours.time_zone) {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{} is not a time zone Parley knows. Use a name such as Europe/Berlin or America/New_York.",
                    prefs.working_hours.time_zone
                ),
            ));
        }
        if prefs
            .working_hours
            .spans
            .iter()
            .any(|s| !(1..=7).contains(&s.weekday) || s.start_minute > 1440 || s.end_minute > 1440)
        {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "A working-hours day or time is out of range.",
            ));
        }
        let mut current = self.notification_prefs.lock().await;
        self.save_notification_prefs(&mut current, prefs).await
    }

    /// Saves `prefs` under the held lock, hands them to the notification service and tells the
    /// window.
    async fn save_notification_prefs(
        &self,
        current: &mut NotificationPrefs,
        prefs: NotificationPrefs,
    ) -> Result<NotificationPrefs, IpcError> {
        let json = serde_json::to_string(&prefs)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(NOTIFICATION_PREFS_KEY, &json, now))
            .await
            .map_err(errors::store)?;
        *current = prefs.clone();
        self.notify.set_prefs(prefs.clone());
        let _ = self.events.send(CoreEvent::NotificationPrefsChanged {
            prefs: prefs.clone(),
        });
        Ok(prefs)
    }

    /// Mutes or unmutes one conversation's notifications (the conversation header's toggle):
    /// a muted thread never notifies, and a notification it is showing goes at once.
    pub async fn set_thread_muted(
        &self,
        thread: ThreadId,
        muted: bool,
    ) -> Result<NotificationPrefs, IpcError> {
        self.db
            .call(move |s| s.thread(thread))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("conversation"))?;
        let mut current = self.notification_prefs.lock().await;
        let mut prefs = current.clone();
        prefs.muted_threads.retain(|t| *t != thread);
        if muted {
            prefs.muted_threads.push(thread);
            prefs.muted_threads.sort();
        }
        if prefs == *current {
            return Ok(prefs);
        }
        self.save_notification_prefs(&mut current, prefs).await
    }

    /// Split email conversations the sync joined: the store moved a mute with the thread in the
    /// batch's transaction, so the preferences are read again when a vanished thread was muted;
    /// the window is told which thread each vanished one became.
    async fn threads_merged(&self, merges: &[parley_store::ThreadMerge]) {
        {
            let mut current = self.notification_prefs.lock().await;
            if merges
                .iter()
                .any(|m| current.muted_threads.contains(&m.from))
            {
                let prefs = load_notification_prefs(&self.db).await;
                *current = prefs.clone();
                self.notify.set_prefs(prefs.clone());
                let _ = self
                    .events
                    .send(CoreEvent::NotificationPrefsChanged { prefs });
            }
        }
        for m in merges {
            let _ = self.events.send(CoreEvent::ThreadMerged {
                from: m.from,
                into: m.into,
            });
        }
    }

    /// Drops deleted conversations from the muted ones. Thread ids are reused once the newest
    /// rows are gone (removing an account, the demo), so a stale id would silently mute a new
    /// customer's conversation.
    async fn forget_removed_threads(&self) {
        let mut current = self.notification_prefs.lock().await;
        if current.muted_threads.is_empty() {
            return;
        }
        let muted = current.muted_threads.clone();
        let kept = self
            .db
            .call(move |s| {
                let mut kept = Vec::new();
                for t in muted {
                    if s.thread(t)?.is_some() {
                        kept.push(t);
                    }
                }
                Ok(kept)
            })
            .await;
        let kept = match kept {
            Ok(kept) if kept != current.muted_threads => kept,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!("could not check the muted conversations: {e}");
                return;
            }
        };
        let prefs = NotificationPrefs {
            muted_threads: kept,
            ..current.clone()
        };
        if let Err(e) = self.save_notification_prefs(&mut current, prefs).await {
            tracing::warn!(
                "could not forget removed muted conversations: {}",
                e.message
            );
        }
    }

    /// Do not disturb for `minutes` from now; 0 switches it off.
    pub async fn pause_notifications(&self, minutes: u32) -> Result<NotificationPrefs, IpcError> {
        let mut prefs = self.notification_prefs().await;
        prefs.dnd_until = (minutes > 0).then(|| self.clock.now() + i64::from(minutes) * 60_000);
        self.set_notification_prefs(prefs).await
    }

    /// Do not disturb until 08:00 tomorrow in the working hours' zone (the tray's menu).
    pub async fn pause_notifications_until_tomorrow(&self) -> Result<NotificationPrefs, IpcError> {
        let mut prefs = self.notification_prefs().await;
        prefs.dnd_until = Some(notify::schedule::tomorrow_morning(
            &prefs.working_hours,
            self.clock.now(),
        ));
        self.set_notification_prefs(prefs).await
    }

    /// The window reports the thread it shows (`None`: no thread, or another screen).
    pub fn set_open_thread(&self, thread: Option<ThreadId>) {
        self.notify.open_thread(thread);
        if thread.is_none() {
            // No thread open: every Page polls at the idle pace (open_thread speeds one up).
            self.graph_focus(None);
        }
    }

    /// The shell reports whether the window has the focus.
    pub fn set_window_focused(&self, focused: bool) {
        self.notify.focused(focused);
    }

    /// A notification was clicked (the shell has already raised the window).
    pub async fn notification_action(
        &self,
        thread: ThreadId,
        action: NotificationAction,
    ) -> Result<(), IpcError> {
        match action {
            NotificationAction::Open | NotificationAction::Reply => {
                let _ = self.events.send(CoreEvent::OpenThread {
                    thread_id: thread,
                    compose: action == NotificationAction::Reply,
                });
            }
            NotificationAction::MarkRead => {
                let changed = self
                    .db
                    .call(move |s| s.mark_read(thread))
                    .await
                    .map_err(errors::store)?;
                self.notify.seen(thread);
                if changed {
                    let _ = self.events.send(CoreEvent::ThreadsChanged {
                        thread_ids: vec![thread],
                    });
                }
            }
        }
        Ok(())
    }

    /// Unread messages in every thread: the tray's tooltip and the dock badge.
    pub async fn unread_total(&self) -> Result<i64, IpcError> {
        self.db
            .call(|s| s.unread_total())
            .await
            .map_err(errors::store)
    }
}

/// The demo Page's id for an account of it (the Instagram account's own id differs).
fn channel_page_id(identity: &AccountIdentity) -> String {
    match identity.channel {
        ChannelKind::Instagram => crate::demo::DEMO_PAGE_ID.to_owned(),
        _ => identity.external_id.clone(),
    }
}

/// The saved preferences, or the defaults when none are saved or they cannot be read (a broken
/// document must not stop notifications altogether).
async fn load_notification_prefs(db: &Db) -> NotificationPrefs {
    match db.call(|s| s.setting(NOTIFICATION_PREFS_KEY)).await {
        Ok(Some(json)) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::warn!("notification preferences unreadable, using defaults: {e}");
            NotificationPrefs::default()
        }),
        Ok(None) => NotificationPrefs::default(),
        Err(e) => {
            tracing::warn!("notification preferences could not be read: {e}");
            NotificationPrefs::default()
        }
    }
}

/// A file name safe on every OS, derived from an untrusted one.
pub(crate) fn safe_file_name(name: Option<&str>, mime: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('.')
        .chars()
        .take(80)
        .collect();
    if !cleaned.is_empty() {
        return cleaned;
    }
    let ext = match mime {
        Some("image/jpeg") => "jpg",
        Some("image/png") => "png",
        Some("image/webp") => "webp",
        Some("audio/ogg") => "ogg",
        Some("video/mp4") => "mp4",
        Some("application/pdf") => "pdf",
        _ => "bin",
    };
    format!("attachment.{ext}")
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_from_customers_are_tamed() {
        assert_eq!(
            safe_file_name(Some("../../etc/passwd"), None),
            "_.._etc_passwd"
        );
        assert_eq!(
            safe_file_name(Some("invoice 12.pdf"), None),
            "invoice_12.pdf"
        );
        assert_eq!(safe_file_name(None, Some("image/jpeg")), "attachment.jpg");
        assert_eq!(
            safe_file_name(Some("..."), Some("application/pdf")),
            "attachment.pdf"
        );
    }
}
