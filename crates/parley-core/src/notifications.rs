//! Notifications as the window and the tray use them: preferences, mutes, pauses, what the
//! window shows, and actions taken on a notification.

use crate::errors;
use crate::facade::Parley;
use crate::notify;
use parley_domain::*;

/// The settings key of the notification preferences (a JSON document). Owned by the store,
/// which moves a mute when it merges two threads.
const NOTIFICATION_PREFS_KEY: &str = parley_store::NOTIFICATION_PREFS_KEY;

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
    pub(crate) async fn threads_merged(&self, merges: &[parley_store::ThreadMerge]) {
        {
            let mut current = self.notification_prefs.lock().await;
            if merges
                .iter()
                .any(|m| current.muted_threads.contains(&m.from))
            {
                let prefs = notify::load_prefs(&self.db).await;
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

    /// Drops deleted conversations and accounts from the muted ones. Row ids are reused once the
    /// newest rows are gone (removing an account, the demo), so a stale id would silently mute a
    /// new customer's conversation or a newly added account.
    pub(crate) async fn forget_removed_mutes(&self) {
        let mut current = self.notification_prefs.lock().await;
        if current.muted_threads.is_empty() && current.muted_accounts.is_empty() {
            return;
        }
        let (threads, accounts) = (
            current.muted_threads.clone(),
            current.muted_accounts.clone(),
        );
        let kept = self
            .db
            .call(move |s| {
                let mut kept = (Vec::new(), Vec::new());
                for t in threads {
                    if s.thread(t)?.is_some() {
                        kept.0.push(t);
                    }
                }
                for a in accounts {
                    if s.account(a)?.is_some() {
                        kept.1.push(a);
                    }
                }
                Ok(kept)
            })
            .await;
        let (muted_threads, muted_accounts) = match kept {
            Ok(kept)
                if kept
                    != (
                        current.muted_threads.clone(),
                        current.muted_accounts.clone(),
                    ) =>
            {
                kept
            }
            Ok(_) => return,
            Err(e) => {
                tracing::warn!("could not check the muted conversations and accounts: {e}");
                return;
            }
        };
        let prefs = NotificationPrefs {
            muted_threads,
            muted_accounts,
            ..current.clone()
        };
        if let Err(e) = self.save_notification_prefs(&mut current, prefs).await {
            tracing::warn!("could not forget removed mutes: {}", e.message);
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
        // The FAQ bot stays quiet where an agent is looking.
        self.bot.set_open_thread(thread);
        if thread.is_none() {
            // No thread open: every Page polls at the idle pace (open_thread speeds one up).
            self.focus(None);
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
