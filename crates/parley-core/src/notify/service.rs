//! The notification service: one task that owns the [`Policy`], feeds it the engine's events,
//! the window's view and the preferences, runs its timers, and hands its commands to the
//! [`Notifier`].

use super::Notifier;
use super::policy::{Command, Incoming, Policy, Source};
use parley_domain::{AccountId, ChannelKind, Direction, NotificationPrefs, SyncState, ThreadId};
use parley_sync::{Clock, Db, EngineEvent};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Working-hours edges are not deadlines the policy tracks, so look at least this often.
const TICK: Duration = Duration::from_secs(30);

#[derive(Debug)]
enum Control {
    Prefs(NotificationPrefs),
    OpenThread(Option<ThreadId>),
    Focused(bool),
    Seen(ThreadId),
    Replied(ThreadId),
    Spike(bool),
    /// A conversation needs a person (the FAQ bot handed it over): notified like a message.
    Alert {
        account: AccountId,
        thread: ThreadId,
        contact_name: String,
        text: String,
    },
}

/// How the rest of the core talks to the service. Sends never block; if the service has
/// stopped (the app is closing) they are dropped.
#[derive(Clone)]
pub struct NotifyHandle {
    tx: mpsc::UnboundedSender<Control>,
}

impl NotifyHandle {
    fn send(&self, c: Control) {
        let _ = self.tx.send(c);
    }
    pub(crate) fn set_prefs(&self, prefs: NotificationPrefs) {
        self.send(Control::Prefs(prefs));
    }
    pub(crate) fn open_thread(&self, thread: Option<ThreadId>) {
        self.send(Control::OpenThread(thread));
    }
    pub(crate) fn focused(&self, focused: bool) {
        self.send(Control::Focused(focused));
    }
    pub(crate) fn seen(&self, thread: ThreadId) {
        self.send(Control::Seen(thread));
    }
    pub(crate) fn replied(&self, thread: ThreadId) {
        self.send(Control::Replied(thread));
    }
    /// Spike mode went on or off: new messages group into one notification while on.
    pub(crate) fn spike(&self, on: bool) {
        self.send(Control::Spike(on));
    }
    /// The FAQ bot handed a conversation to a person: the policy notifies it like a new
    /// message whose text is `text` (quiet time, muted threads and do not disturb apply).
    pub(crate) fn alert(
        &self,
        account: AccountId,
        thread: ThreadId,
        contact_name: String,
        text: String,
    ) {
        self.send(Control::Alert {
            account,
            thread,
            contact_name,
            text,
        });
    }
    /// The customer was blocked: what shows for the thread goes, and nothing re-alerts.
    pub(crate) fn blocked(&self, thread: ThreadId) {
        self.send(Control::Replied(thread));
    }
}

struct Service {
    policy: Policy,
    db: Db,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
    accounts: HashMap<AccountId, (ChannelKind, String)>,
    open_thread: Option<ThreadId>,
    focused: bool,
}

/// Starts the service. `engine` must be subscribed before any account starts syncing, so the
/// first messages are not missed.
pub(crate) fn spawn(
    engine: broadcast::Receiver<EngineEvent>,
    db: Db,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
    prefs: NotificationPrefs,
) -> NotifyHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let service = Service {
        policy: Policy::new(prefs, clock.now()),
        db,
        clock,
        notifier,
        accounts: HashMap::new(),
        open_thread: None,
        // Until the shell says otherwise, assume the agent is looking: a window that has just
        // opened is in front.
        focused: true,
    };
    tokio::spawn(service.run(engine, rx));
    NotifyHandle { tx }
}

impl Service {
    async fn run(
        mut self,
        mut engine: broadcast::Receiver<EngineEvent>,
        mut control: mpsc::UnboundedReceiver<Control>,
    ) {
        loop {
            let now = self.clock.now();
            let wait = self
                .policy
                .next_deadline(now)
                .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
                .unwrap_or(TICK)
                .min(TICK);
            let commands = tokio::select! {
                event = engine.recv() => match event {
                    Ok(event) => self.on_engine(event).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("notifications missed {n} engine events");
                        Vec::new()
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                c = control.recv() => match c {
                    Some(Control::Alert { account, thread, contact_name, text }) => {
                        self.on_alert(account, thread, contact_name, text).await
                    }
                    Some(c) => self.on_control(c),
                    None => return,
                },
                () = tokio::time::sleep(wait) => self.policy.tick(self.clock.now()),
            };
            self.dispatch(commands);
        }
    }

    async fn source(&mut self, account: AccountId) -> Option<Source> {
        if !self.accounts.contains_key(&account) {
            let row = self.db.call(move |s| s.account(account)).await;
            match row {
                Ok(Some(row)) => {
                    self.accounts.insert(account, (row.channel, row.name));
                }
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(%account, "notifications could not read the account: {e}");
                    return None;
                }
            }
        }
        let (channel, name) = self.accounts.get(&account)?;
        Some(Source {
            account,
            channel: *channel,
            account_name: name.clone(),
        })
    }

    /// Those of `threads` whose customer is blocked. When the store cannot say, none are:
    /// a notification too many beats a customer never heard.
    async fn blocked(&self, threads: Vec<ThreadId>) -> Vec<ThreadId> {
        match self.db.call(move |s| s.blocked_threads(&threads)).await {
            Ok(blocked) => blocked,
            Err(e) => {
                tracing::warn!("notifications could not read the blocked customers: {e}");
                Vec::new()
            }
        }
    }

    async fn on_engine(&mut self, event: EngineEvent) -> Vec<Command> {
        match event {
            EngineEvent::NewMessages {
                account,
                messages,
                initial,
            } => {
                let Some(source) = self.source(account).await else {
                    return Vec::new();
                };
                let blocked = self
                    .blocked(messages.iter().map(|m| m.thread_id).collect())
                    .await;
                let incoming: Vec<Incoming> = messages
                    .into_iter()
                    .map(|m| Incoming {
                        thread: m.thread_id,
                        direction: m.direction,
                        contact_name: m.contact_name,
                        text: m.text,
                        blocked: blocked.contains(&m.thread_id),
                    })
                    .collect();
                self.policy
                    .on_messages(&source, &incoming, initial, self.clock.now())
            }
            EngineEvent::SnoozesEnded { woken } => {
                let mut commands = Vec::new();
                let blocked = self.blocked(woken.iter().map(|w| w.thread).collect()).await;
                for w in woken {
                    let Some(source) = self.source(w.account).await else {
                        continue;
                    };
                    let incoming = [Incoming {
                        thread: w.thread,
                        direction: Direction::Inbound,
                        contact_name: w.contact_name,
                        text: format!("Snooze ended · {}", w.snippet),
                        blocked: blocked.contains(&w.thread),
                    }];
                    commands.extend(self.policy.on_messages(
                        &source,
                        &incoming,
                        false,
                        self.clock.now(),
                    ));
                }
                commands
            }
            EngineEvent::AccountsStarting { accounts } => {
                self.policy.accounts_starting(&accounts);
                Vec::new()
            }
            EngineEvent::State { account, state } => match state {
                SyncState::Connecting | SyncState::CatchingUp { .. } => Vec::new(),
                _ => self.policy.account_settled(account, self.clock.now()),
            },
            _ => Vec::new(),
        }
    }

    async fn on_alert(
        &mut self,
        account: AccountId,
        thread: ThreadId,
        contact_name: String,
        text: String,
    ) -> Vec<Command> {
        let Some(source) = self.source(account).await else {
            return Vec::new();
        };
        let blocked = !self.blocked(vec![thread]).await.is_empty();
        let incoming = [Incoming {
            thread,
            direction: Direction::Inbound,
            contact_name,
            text,
            blocked,
        }];
        self.policy
            .on_messages(&source, &incoming, false, self.clock.now())
    }

    fn on_control(&mut self, c: Control) -> Vec<Command> {
        match c {
            Control::Prefs(prefs) => self.policy.set_prefs(prefs, self.clock.now()),
            Control::OpenThread(t) => {
                self.open_thread = t;
                self.policy.set_view(self.open_thread, self.focused)
            }
            Control::Focused(f) => {
                self.focused = f;
                self.policy.set_view(self.open_thread, self.focused)
            }
            Control::Seen(t) => self.policy.seen(t),
            Control::Replied(t) => self.policy.replied(t),
            Control::Spike(on) => self.policy.set_spike(on),
            // Handled in `run`, which can wait for the store.
            Control::Alert { .. } => Vec::new(),
        }
    }

    fn dispatch(&self, commands: Vec<Command>) {
        for c in commands {
            match c {
                Command::Show(n) => self.notifier.show(&n),
                Command::Close { key } => self.notifier.close(&key),
                Command::Summary { text, sound } => self.notifier.summary(&text, sound),
            }
        }
    }
}

/// The saved preferences, or the defaults when none are saved or they cannot be read (a broken
/// document must not stop notifications altogether).
pub(crate) async fn load_prefs(db: &parley_sync::Db) -> NotificationPrefs {
    match db
        .call(|s| s.setting(parley_store::NOTIFICATION_PREFS_KEY))
        .await
    {
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
