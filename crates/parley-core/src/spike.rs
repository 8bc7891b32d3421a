//! Spike mode (issue 15): when arrivals or the queue pass their thresholds, Parley offers it; on,
//! new conversations get an acknowledgement with an honest expected wait, the window lists the
//! Mood view (flagged first, longest waiting first) and hides Resolved and Snoozed, and
//! notifications group into one. It ends by hand, or by itself once the queue has stayed under
//! both thresholds for `calm_minutes`.
//!
//! - The queue is the Waiting view (open conversations whose customer waits for an answer);
//!   arrivals are the waits that began in the last 15 minutes (`Store::queue_stats`).
//! - The expected wait is the median of the recent first answers to a wait (the last
//!   [`WAIT_SAMPLES`] answered in the last [`WAIT_WINDOW`]; at least [`MIN_SAMPLES`], else Parley
//!   names no figure), rounded *up* to a friendly unit ("about 20 minutes"): a promise it can
//!   keep, not an average it will miss half the time.
//! - State and settings live in the settings table under [`SPIKE_KEY`]; the offer declined
//!   stays declined until the queue is back under its thresholds.
//! - The watcher re-checks after every batch of new messages and every [`CHECK_EVERY`]; each
//!   change of what the window shows is a `spikeChanged` event.

use crate::Parley;
use crate::automation::{Arrival, Planned, Responder, fill_template};
use crate::errors;
use async_trait::async_trait;
use parley_domain::*;
use parley_store::QueueStats;
use parley_sync::EngineEvent;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::broadcast;

/// The settings key of spike mode's state and settings.
pub const SPIKE_KEY: &str = "spike";
/// Arrivals count over this window.
pub const ARRIVALS_WINDOW: Millis = 15 * 60_000;
/// The expected wait is taken from answers in this window ...
pub const WAIT_WINDOW: Millis = 14 * 24 * 3_600_000;
/// ... at most this many, the newest ...
pub const WAIT_SAMPLES: u32 = 50;
/// ... and only with at least this many.
pub const MIN_SAMPLES: usize = 5;
/// How often the watcher looks without a new message (calm time passes without one).
pub const CHECK_EVERY: Duration = Duration::from_secs(30);

const MINUTE: i64 = 60_000;

/// What is kept under [`SPIKE_KEY`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SpikeState {
    pub on: bool,
    pub on_since: Option<Millis>,
    /// The agent declined the offer; cleared when the queue is back under the thresholds.
    pub declined: bool,
    /// On, and under both thresholds since then.
    pub calm_since: Option<Millis>,
    pub settings: SpikeSettings,
}

/// Past either threshold.
pub(crate) fn busy(stats: &QueueStats, s: &SpikeSettings) -> bool {
    stats.arrivals >= i64::from(s.arrivals_threshold)
        || stats.waiting >= i64::from(s.queue_threshold)
}

/// The state after looking at the queue at `now`: the decline lapses when calm, spike mode ends
/// after `calm_minutes` of calm. Returns whether it ended by itself.
pub(crate) fn step(state: &mut SpikeState, stats: &QueueStats, now: Millis) -> bool {
    let busy = busy(stats, &state.settings);
    if !busy {
        state.declined = false;
    }
    if !state.on {
        state.calm_since = None;
        return false;
    }
    if busy {
        state.calm_since = None;
        return false;
    }
    let calm_since = *state.calm_since.get_or_insert(now);
    if now - calm_since >= i64::from(state.settings.calm_minutes) * MINUTE {
        state.on = false;
        state.on_since = None;
        state.calm_since = None;
        return true;
    }
    false
}

/// `a / b` rounded up, for `a >= 0`, `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// The median of `waits`, or `None` with fewer than [`MIN_SAMPLES`].
pub fn expected_wait(waits: &[i64]) -> Option<i64> {
    if waits.len() < MIN_SAMPLES {
        return None;
    }
    let mut sorted = waits.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        ceil_div(sorted[n / 2 - 1] + sorted[n / 2], 2)
    })
}

/// A wait in words, rounded up: "about 5 minutes" (the least said), 15-minute steps to an hour
/// and a half, then hours, then days.
pub fn friendly_wait(ms: i64) -> String {
    let minutes = ceil_div(ms.max(0), MINUTE).max(1);
    if minutes <= 5 {
        return "about 5 minutes".into();
    }
    if minutes <= 10 {
        return "about 10 minutes".into();
    }
    if minutes <= 90 {
        let m = ceil_div(minutes, 15) * 15;
        return if m == 60 {
            "about an hour".into()
        } else {
            format!("about {m} minutes")
        };
    }
    let hours = ceil_div(minutes, 60);
    if hours < 24 {
        return format!("about {hours} hours");
    }
    let days = ceil_div(hours, 24);
    if days == 1 {
        "about a day".into()
    } else {
        format!("about {days} days")
    }
}

/// The acknowledgement's text: `{{wait}}` becomes "Our current wait is about 20 minutes." or,
/// without an estimate, nothing.
pub fn ack_text(template: &str, wait: Option<&str>) -> String {
    let sentence = wait
        .map(|w| format!("Our current wait is {w}."))
        .unwrap_or_default();
    let text = template.replace("{{wait}}", &sentence);
    // Without an estimate the placeholder leaves a double space behind.
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// No acknowledgement where an agent answered within this long (a conversation under way).
const AGENT_RECENTLY: Millis = 3_600_000;
/// At most one acknowledgement per customer (per account) within this long.
const ACK_ONCE_PER: Millis = 4 * 3_600_000;

/// Spike mode's acknowledgement, one of the automation hook's responders
/// (`automation/mod.rs`): while spike mode is on, a customer who writes in (no agent answered
/// in the last hour) gets the acknowledgement with the expected wait, at most once per
/// [`ACK_ONCE_PER`] — a first-time customer too, after the greeting if that is on: the greeting
/// says hello, only this says how long the wait is.
pub(crate) struct SpikeAck;

#[async_trait]
impl Responder for SpikeAck {
    async fn plan(&self, app: &Parley, arrival: &Arrival) -> Vec<Planned> {
        if arrival.agent_answered_within(AGENT_RECENTLY) {
            return Vec::new();
        }
        let state = match app.load_spike().await {
            Ok(state) if state.on => state,
            _ => return Vec::new(),
        };
        let now = arrival.now;
        let waits = app
            .db
            .call(move |s| s.recent_response_waits(now - WAIT_WINDOW, WAIT_SAMPLES))
            .await
            .unwrap_or_default();
        let wait = expected_wait(&waits).map(friendly_wait);
        let text = ack_text(&state.settings.ack_text, wait.as_deref());
        vec![Planned {
            text: fill_template(app, arrival, &text, &[]).await,
            by: AutomatedBy::new(AutomationKind::SpikeAck, AutomationKind::SpikeAck.label()),
            once_per: Some(ACK_ONCE_PER),
        }]
    }
}

/// The watcher's lock (one read-modify-write of the state at a time) and the last status the
/// window was sent.
#[derive(Default)]
pub struct Spike {
    lock: tokio::sync::Mutex<Option<SpikeStatus>>,
}

impl Parley {
    async fn load_spike(&self) -> Result<SpikeState, IpcError> {
        let raw = self
            .db
            .call(|s| s.setting(SPIKE_KEY))
            .await
            .map_err(errors::store)?;
        Ok(raw
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or_default())
    }

    async fn save_spike(&self, state: &SpikeState) -> Result<(), IpcError> {
        let json = serde_json::to_string(state)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(SPIKE_KEY, &json, now))
            .await
            .map_err(errors::store)
    }

    /// Looks at the queue, moves the state on (and saves it when it changed), and tells the
    /// window when what it shows changed. `change` is applied to the state first.
    async fn spike_update(
        &self,
        change: impl FnOnce(&mut SpikeState, &QueueStats, Millis),
    ) -> Result<SpikeStatus, IpcError> {
        let mut last = self.spike.lock.lock().await;
        let now = self.clock.now();
        let stats = self
            .db
            .call(move |s| s.queue_stats(now - ARRIVALS_WINDOW))
            .await
            .map_err(errors::store)?;
        let before = self.load_spike().await?;
        let mut state = before.clone();
        change(&mut state, &stats, now);
        if step(&mut state, &stats, now) {
            tracing::info!("spike mode ended: the queue is back to normal");
        }
        if state != before {
            self.save_spike(&state).await?;
        }
        let waits = self
            .db
            .call(move |s| s.recent_response_waits(now - WAIT_WINDOW, WAIT_SAMPLES))
            .await
            .map_err(errors::store)?;
        let expected = expected_wait(&waits);
        let status = SpikeStatus {
            queue: stats.waiting,
            longest_wait_since: stats.longest_since,
            arrivals: stats.arrivals,
            expected_wait_ms: expected,
            expected_wait: expected.map(friendly_wait),
            on: state.on,
            on_since: state.on_since,
            offer: !state.on && !state.declined && busy(&stats, &state.settings),
            settings: state.settings.clone(),
        };
        if last.as_ref() != Some(&status) {
            if last.as_ref().map(|l| l.on) != Some(status.on) {
                self.notify.spike(status.on);
            }
            *last = Some(status.clone());
            let _ = self.events.send(CoreEvent::SpikeChanged {
                status: status.clone(),
            });
        }
        Ok(status)
    }

    /// The queue, the expected wait and spike mode's state.
    pub async fn spike_status(&self) -> Result<SpikeStatus, IpcError> {
        self.spike_update(|_, _, _| {}).await
    }

    /// Turns spike mode on or off by hand.
    pub async fn set_spike_mode(&self, on: bool) -> Result<SpikeStatus, IpcError> {
        self.spike_update(|state, _, now| {
            if state.on != on {
                state.on = on;
                state.on_since = on.then_some(now);
                state.calm_since = None;
                // Turned off by hand while busy: not offered again until calm.
                state.declined = !on;
            }
        })
        .await
    }

    /// "Not now": the offer goes until the queue is back under its thresholds.
    pub async fn dismiss_spike_offer(&self) -> Result<SpikeStatus, IpcError> {
        self.spike_update(|state, _, _| state.declined = true).await
    }

    pub async fn set_spike_settings(
        &self,
        settings: SpikeSettings,
    ) -> Result<SpikeStatus, IpcError> {
        if settings.arrivals_threshold == 0 || settings.queue_threshold == 0 {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "A threshold of 0 would keep spike mode on for good. Set each to 1 or more.",
            ));
        }
        if settings.ack_text.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "The acknowledgement is empty. Write what new customers should read.",
            ));
        }
        self.spike_update(move |state, _, _| state.settings = settings)
            .await
    }

    /// Re-checks the queue after new messages and every [`CHECK_EVERY`].
    pub(crate) fn spawn_spike_watcher(self: &Arc<Self>) {
        let app: Weak<Parley> = Arc::downgrade(self);
        let mut rx = self.engine.subscribe();
        tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    e = rx.recv() => match e {
                        Ok(e) => Some(e),
                        Err(broadcast::error::RecvError::Lagged(_)) => None,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    () = tokio::time::sleep(CHECK_EVERY) => None,
                };
                let Some(app) = app.upgrade() else { return };
                let look = match &event {
                    Some(EngineEvent::NewMessages { .. } | EngineEvent::ThreadsChanged { .. }) => {
                        true
                    }
                    Some(_) => false,
                    None => true,
                };
                if look && let Err(e) = app.spike_status().await {
                    tracing::warn!("spike mode could not look at the queue: {}", e.message);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_wait_is_the_median_rounded_up() {
        assert_eq!(expected_wait(&[1, 2, 3, 4]), None);
        assert_eq!(expected_wait(&[5, 1, 3, 2, 4]), Some(3));
        assert_eq!(expected_wait(&[1, 2, 3, 4, 5, 6]), Some(4));
        assert_eq!(friendly_wait(30_000), "about 5 minutes");
        assert_eq!(friendly_wait(7 * MINUTE), "about 10 minutes");
        assert_eq!(friendly_wait(16 * MINUTE), "about 30 minutes");
        assert_eq!(friendly_wait(50 * MINUTE), "about an hour");
        assert_eq!(friendly_wait(61 * MINUTE), "about 75 minutes");
        assert_eq!(friendly_wait(91 * MINUTE), "about 2 hours");
        assert_eq!(friendly_wait(25 * 60 * MINUTE), "about 2 days");
    }

    #[test]
    fn the_acknowledgement_says_the_wait_or_nothing() {
        assert_eq!(
            ack_text(DEFAULT_ACK, Some("about 20 minutes")),
            "Thanks for your message! We're busier than usual right now. Our current wait is \
             about 20 minutes. We'll get back to you as soon as we can."
        );
        assert_eq!(
            ack_text(DEFAULT_ACK, None),
            "Thanks for your message! We're busier than usual right now. We'll get back to you \
             as soon as we can."
        );
    }

    fn stats(waiting: i64, arrivals: i64) -> QueueStats {
        QueueStats {
            waiting,
            longest_since: None,
            arrivals,
        }
    }

    #[test]
    fn spike_mode_ends_after_calm_minutes_and_a_decline_lapses_when_calm() {
        let mut s = SpikeState {
            on: true,
            on_since: Some(0),
            ..Default::default()
        };
        let calm_ms = i64::from(s.settings.calm_minutes) * MINUTE;
        assert!(!step(&mut s, &stats(20, 0), MINUTE));
        assert!(!step(&mut s, &stats(3, 1), 2 * MINUTE));
        assert_eq!(s.calm_since, Some(2 * MINUTE));
        // Busy again: the calm starts over.
        assert!(!step(&mut s, &stats(3, 12), 3 * MINUTE));
        assert_eq!(s.calm_since, None);
        assert!(!step(&mut s, &stats(3, 1), 4 * MINUTE));
        assert!(!step(&mut s, &stats(3, 1), 4 * MINUTE + calm_ms - 1));
        assert!(step(&mut s, &stats(3, 1), 4 * MINUTE + calm_ms));
        assert!(!s.on);

        let mut s = SpikeState {
            declined: true,
            ..Default::default()
        };
        step(&mut s, &stats(30, 0), MINUTE);
        assert!(s.declined, "still busy: still declined");
        step(&mut s, &stats(2, 0), 2 * MINUTE);
        assert!(!s.declined);
    }
}
