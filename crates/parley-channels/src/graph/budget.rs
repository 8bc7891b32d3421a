//! The per-Page call budget: Meta documents 2 calls per second per Page for the Conversations API,
//! and Messenger and Instagram adapters of one Page share it, so budgets are shared per
//! (API base, Page id) across the process.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;

/// A sliding window: at most `calls` calls in any `per`. A token bucket refilling at 2/s would
/// allow 3 calls inside one second after a burst, which the documented budget forbids.
#[derive(Debug)]
pub struct RateBudget {
    calls: usize,
    per: Duration,
    recent: tokio::sync::Mutex<VecDeque<Instant>>,
    /// While set and in the future, one call per `2 × per`: the provider said usage is high.
    slow_until: Mutex<Option<Instant>>,
}

/// Allowance for the time between taking a slot and the request reaching the provider, so that
/// the provider's own one-second windows never see more than the budget.
pub const GUARD: Duration = Duration::from_millis(100);

/// How long to stay slow after a usage header above the threshold.
const SLOW_FOR: Duration = Duration::from_secs(60);
/// Usage percentage above which Parley slows down.
pub const SLOW_DOWN_ABOVE: u32 = 80;

impl RateBudget {
    pub fn new(calls: usize, per: Duration) -> Arc<Self> {
        Arc::new(Self {
            calls: calls.max(1),
            per,
            recent: tokio::sync::Mutex::new(VecDeque::new()),
            slow_until: Mutex::new(None),
        })
    }

    /// The budget for one Page at one API base, shared by every adapter in this process.
    pub fn shared(key: &str, calls: usize, per: Duration) -> Arc<Self> {
        static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<RateBudget>>>> = OnceLock::new();
        let mut map = REGISTRY
            .get_or_init(|| Mutex::new(HashMap::new()))
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, w| w.strong_count() > 0);
        if let Some(existing) = map.get(key).and_then(Weak::upgrade) {
            return existing;
        }
        let budget = Self::new(calls, per);
        map.insert(key.to_owned(), Arc::downgrade(&budget));
        budget
    }

    fn slow(&self) -> bool {
        self.slow_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Waits for a slot. The lock is held while waiting, so callers are served in order (tokio's
    /// mutex is fair) and a flood of sends cannot starve polling or the other way round.
    pub async fn acquire(&self) {
        let mut recent = self.recent.lock().await;
        loop {
            let (n, per) = if self.slow() {
                (1, self.per * 2)
            } else {
                (self.calls, self.per)
            };
            let now = Instant::now();
            let ready_at = if recent.len() < n {
                now
            } else {
                recent[recent.len() - n] + per
            };
            if ready_at <= now {
                recent.push_back(now);
                while recent.len() > self.calls {
                    recent.pop_front();
                }
                return;
            }
            tokio::time::sleep_until(ready_at).await;
        }
    }

    /// Records the highest usage percentage the provider reported.
    pub fn note_usage(&self, percent: u32) {
        if percent > SLOW_DOWN_ABOVE {
            *self
                .slow_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + SLOW_FOR);
        } else if percent < SLOW_DOWN_ABOVE / 2 {
            *self
                .slow_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
    }

    /// Whether calls are currently paced at half speed.
    pub fn is_slowed(&self) -> bool {
        self.slow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_budget_in_any_window() {
        let budget = RateBudget::new(2, Duration::from_secs(1));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            budget.acquire().await;
            times.push(Instant::now() - start);
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 2, "{times:?}");
        }
        budget.note_usage(95);
        assert!(budget.is_slowed());
        let before = Instant::now();
        budget.acquire().await;
        budget.acquire().await;
        assert!(Instant::now() - before >= Duration::from_secs(2));
    }
}
