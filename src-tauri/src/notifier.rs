//! The desktop side of notifications: `parley_core::notify::Notifier` for the OS. The policy
//! (what to show, when) is in the core; this file only talks to the notification server.
//!
//! Linux speaks the freedesktop protocol itself over ONE long-lived session-bus connection.
//! Servers (dunst, GNOME Shell, Plasma) send `ActionInvoked` / `NotificationClosed` only to the
//! connection that called `Notify`, so the connection that shows a notification must be the one
//! that listens for its clicks; notify-rust opens a new connection per notification, which is
//! why clicks were lost with it. One connection also lets a thread's notification be updated
//! in place (`replaces_id`), so a burst of messages is one notification, not ten.
//!
//! Everything runs on a task of Tauri's async runtime: the core's service only queues an `Op`
//! (never waits on the bus) and the Tauri main thread is never involved.
//!
//! Elsewhere (macOS, Windows) notify-rust shows and forgets: their notification centres group
//! by app themselves, and clicks need platform APIs notify-rust does not offer there yet.

use parley_core::notify::{Notifier, Shown};
use parley_domain::{NotificationAction, ThreadId};
use tokio::sync::mpsc;

/// A click on a notification, for the shell to act on with the window.
// Only Linux reports clicks so far; elsewhere nothing constructs one.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub struct Clicked {
    /// `None` for a summary notification: just bring the window up.
    pub thread: Option<ThreadId>,
    pub action: NotificationAction,
}

#[derive(Debug)]
enum Op {
    Show(Shown),
    Summary(String, bool),
    Close(String),
}

pub struct DesktopNotifier {
    ops: mpsc::UnboundedSender<Op>,
}

impl DesktopNotifier {
    /// Starts talking to the notification server. Clicks arrive on the returned receiver.
    pub fn start() -> (Self, mpsc::UnboundedReceiver<Clicked>) {
        let (ops, rx) = mpsc::unbounded_channel();
        let (clicks, clicks_rx) = mpsc::unbounded_channel();
        platform::start(rx, clicks);
        (Self { ops }, clicks_rx)
    }
}

impl Notifier for DesktopNotifier {
    // A send fails only once the worker has stopped (no bus): notifications are then off, which
    // was already logged, and the core must not fail for it.
    fn show(&self, n: &Shown) {
        let _ = self.ops.send(Op::Show(n.clone()));
    }
    fn summary(&self, text: &str, sound: bool) {
        let _ = self.ops.send(Op::Summary(text.to_string(), sound));
    }
    fn close(&self, key: &str) {
        let _ = self.ops.send(Op::Close(key.to_string()));
    }
}

/// Customer text is plain text; servers that speak the spec's body markup would read `<b>` or
/// `<a href>` in it, so escape it for them (and only for them, or the entities would show).
fn body_text(text: &str, markup: bool) -> String {
    if !markup {
        return text.to_string();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The action keys Parley puts on a notification, back to what they ask for. "default" is what
/// the server invokes for a click on the notification itself.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn action_of(name: &str) -> Option<NotificationAction> {
    match name {
        "default" | "open" => Some(NotificationAction::Open),
        "reply" => Some(NotificationAction::Reply),
        "mark-read" => Some(NotificationAction::MarkRead),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::{Clicked, Op, action_of, body_text};
    use futures_lite::StreamExt;
    use parley_core::notify::{SUMMARY_KEY, Shown};
    use parley_domain::ThreadId;
    use std::collections::HashMap;
    use std::time::Duration;
    use tokio::sync::mpsc;
    use zbus::zvariant::Value;
    use zbus::{Connection, MatchRule, Message, MessageStream, message};

    const NAME: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";
    /// A hung notification server must not stall every later notification behind it.
    const CALL_TIMEOUT: Duration = Duration::from_secs(5);
    /// Signals wait here while a call is in flight; clicks come one at a time, so this is ample.
    const SIGNAL_QUEUE: usize = 256;

    pub(super) fn start(ops: mpsc::UnboundedReceiver<Op>, clicks: mpsc::UnboundedSender<Clicked>) {
        tauri::async_runtime::spawn(async move {
            match Bus::connect().await {
                Ok((bus, signals)) => bus.run(ops, signals, clicks).await,
                // Dropping `ops` turns later notifications into no-ops; Parley runs on.
                Err(e) => tracing::error!("notifications are off: no session bus ({e})"),
            }
        });
    }

    /// What a shown notification stands for.
    struct Entry {
        key: String,
        thread: Option<ThreadId>,
    }

    struct Bus {
        conn: Connection,
        actions: bool,
        markup: bool,
        /// Notification key (one per thread, or the summary) → the server's id on screen.
        ids: HashMap<String, u32>,
        /// The server's id → the key, to route its signals.
        entries: HashMap<u32, Entry>,
        /// The server's unique bus name, from its answer to Notify. Any client on the session
        /// bus could send us an `ActionInvoked`; only the server's are believed.
        server: Option<String>,
    }

    async fn call(
        conn: &Connection,
        method: &str,
        body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
    ) -> zbus::Result<Message> {
        let call = conn.call_method(Some(NAME), PATH, Some(NAME), method, body);
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(reply) => reply,
            Err(_) => Err(zbus::Error::Failure(format!("{method}: no answer"))),
        }
    }

    impl Bus {
        async fn connect() -> zbus::Result<(Self, MessageStream)> {
            let conn = Connection::session().await?;
            // Subscribe before the first Notify so no click can come in unheard.
            let rule = MatchRule::builder()
                .msg_type(message::Type::Signal)
                .interface(NAME)?
                .path(PATH)?
                .build();
            let signals = MessageStream::for_match_rule(rule, &conn, Some(SIGNAL_QUEUE)).await?;
            let caps: Vec<String> = match call(&conn, "GetCapabilities", &()).await {
                Ok(reply) => reply.body().deserialize().unwrap_or_default(),
                Err(e) => {
                    // Possibly no server yet (it may be D-Bus activated by the first Notify).
                    tracing::warn!("notification server capabilities unknown: {e}");
                    Vec::new()
                }
            };
            tracing::info!(?caps, "notification server capabilities");
            let bus = Self {
                actions: caps.iter().any(|c| c == "actions"),
                markup: caps.iter().any(|c| c == "body-markup"),
                conn,
                ids: HashMap::new(),
                entries: HashMap::new(),
                server: None,
            };
            Ok((bus, signals))
        }

        async fn run(
            mut self,
            mut ops: mpsc::UnboundedReceiver<Op>,
            mut signals: MessageStream,
            clicks: mpsc::UnboundedSender<Clicked>,
        ) {
            loop {
                tokio::select! {
                    op = ops.recv() => match op {
                        Some(op) => self.apply(op).await,
                        None => return,
                    },
                    signal = signals.next() => match signal {
                        Some(Ok(msg)) => self.on_signal(&msg, &clicks),
                        Some(Err(e)) => tracing::warn!("unreadable notification signal: {e}"),
                        None => {
                            tracing::error!("notifications are off: the session bus went away");
                            return;
                        }
                    },
                }
            }
        }

        async fn apply(&mut self, op: Op) {
            match op {
                Op::Show(n) => self.notify(&n.key, Some(n.thread), &n).await,
                Op::Summary(text, sound) => {
                    let n = SummaryShown { text, sound };
                    self.notify(SUMMARY_KEY, None, &n).await;
                }
                Op::Close(key) => {
                    let Some(id) = self.ids.remove(&key) else {
                        return;
                    };
                    self.entries.remove(&id);
                    if let Err(e) = call(&self.conn, "CloseNotification", &(id,)).await {
                        tracing::warn!(id, %key, "could not close a notification: {e}");
                    }
                }
            }
        }

        /// Shows the notification for `key`, replacing the one already on screen for it.
        async fn notify(&mut self, key: &str, thread: Option<ThreadId>, n: &impl Content) {
            let replaces = self.ids.get(key).copied().unwrap_or(0);
            let mut actions: Vec<&str> = Vec::new();
            if self.actions {
                actions.extend(["default", "Open"]);
                if thread.is_some() {
                    actions.extend(["reply", "Reply", "mark-read", "Mark as read"]);
                }
            }
            let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
            hints.insert("urgency", Value::U8(1));
            hints.insert("category", Value::from("im.received"));
            if n.sound() {
                hints.insert("sound-name", Value::from("message-new-instant"));
            } else {
                hints.insert("suppress-sound", Value::Bool(true));
            }
            let body = body_text(n.body(), self.markup);
            let args = (
                "Parley",
                replaces,
                "mail-message-new",
                n.summary(),
                body.as_str(),
                actions,
                hints,
                // -1: the server's default expiry.
                -1_i32,
            );
            let id = match call(&self.conn, "Notify", &args).await {
                Ok(reply) => match reply.body().deserialize::<u32>() {
                    Ok(id) => {
                        // A restarted server has a new name; it answers before it can signal.
                        if let Some(sender) = reply.header().sender() {
                            self.server = Some(sender.to_string());
                        }
                        id
                    }
                    Err(e) => {
                        tracing::warn!(%key, "notification shown, id unreadable: {e}");
                        return;
                    }
                },
                Err(e) => {
                    tracing::warn!(%key, "notification failed: {e}");
                    return;
                }
            };
            // A server may hand out a new id when the old notification was already gone.
            if replaces != 0 && replaces != id {
                self.entries.remove(&replaces);
            }
            self.ids.insert(key.to_string(), id);
            self.entries.insert(
                id,
                Entry {
                    key: key.to_string(),
                    thread,
                },
            );
            let what = if replaces == 0 { "shown" } else { "updated" };
            tracing::info!(id, key = %key, what = %what, "notification shown");
        }

        fn on_signal(&mut self, msg: &Message, clicks: &mpsc::UnboundedSender<Clicked>) {
            let header = msg.header();
            let from_server = header
                .sender()
                .is_some_and(|s| self.server.as_deref() == Some(s.as_str()));
            let Some(member) = header.member().filter(|_| from_server) else {
                return;
            };
            match member.as_str() {
                "ActionInvoked" => {
                    let Ok((id, name)) = msg.body().deserialize::<(u32, String)>() else {
                        return;
                    };
                    // Ids not in the map belong to other apps (signals may be broadcast).
                    let Some(entry) = self.entries.get(&id) else {
                        return;
                    };
                    let Some(action) = action_of(&name) else {
                        tracing::debug!(id, %name, "unknown notification action");
                        return;
                    };
                    tracing::info!(id, key = %entry.key, %name, "notification action");
                    let _ = clicks.send(Clicked {
                        thread: entry.thread,
                        action,
                    });
                }
                "NotificationClosed" => {
                    let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() else {
                        return;
                    };
                    // Gone from the screen (expired, dismissed, clicked): the next message of
                    // that thread shows a fresh notification instead of replacing a dead id.
                    if let Some(entry) = self.entries.remove(&id)
                        && self.ids.get(&entry.key) == Some(&id)
                    {
                        self.ids.remove(&entry.key);
                    }
                }
                _ => {}
            }
        }
    }

    /// What one Notify call shows.
    trait Content {
        fn summary(&self) -> &str;
        fn body(&self) -> &str;
        fn sound(&self) -> bool;
    }

    impl Content for Shown {
        fn summary(&self) -> &str {
            &self.summary
        }
        fn body(&self) -> &str {
            &self.body
        }
        fn sound(&self) -> bool {
            self.sound
        }
    }

    struct SummaryShown {
        text: String,
        sound: bool,
    }

    impl Content for SummaryShown {
        fn summary(&self) -> &str {
            "Parley"
        }
        fn body(&self) -> &str {
            &self.text
        }
        fn sound(&self) -> bool {
            self.sound
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::{Clicked, Op, body_text};
    use tokio::sync::mpsc;

    /// Show and forget, on a thread of its own: notify-rust's calls block.
    pub(super) fn start(
        mut ops: mpsc::UnboundedReceiver<Op>,
        _clicks: mpsc::UnboundedSender<Clicked>,
    ) {
        let spawned = std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || {
                while let Some(op) = ops.blocking_recv() {
                    let (summary, body) = match op {
                        Op::Show(n) => (n.summary, n.body),
                        Op::Summary(text, _) => ("Parley".to_string(), text),
                        Op::Close(_) => continue,
                    };
                    let shown = notify_rust::Notification::new()
                        .appname("Parley")
                        .summary(&summary)
                        .body(&body_text(&body, false))
                        .show();
                    if let Err(e) = shown {
                        tracing::warn!("notification failed: {e}");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("notifications are off: cannot start their thread ({e})");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_cannot_inject_markup() {
        assert_eq!(
            body_text("<a href=\"x\">hi</a> & <b>", true),
            "&lt;a href=\"x\"&gt;hi&lt;/a&gt; &amp; &lt;b&gt;"
        );
        assert_eq!(body_text("<b>", false), "<b>");
    }

    #[test]
    fn actions_map_back_to_what_they_ask_for() {
        assert_eq!(action_of("default"), Some(NotificationAction::Open));
        assert_eq!(action_of("reply"), Some(NotificationAction::Reply));
        assert_eq!(action_of("mark-read"), Some(NotificationAction::MarkRead));
        assert!(action_of("__closed").is_none());
    }
}
