use rand::Rng;
use std::time::Duration;

/// Exponential backoff with full jitter, 0.5 s doubling up to 60 s; the provider's own
/// Retry-After always wins.
#[derive(Debug, Clone)]
pub struct Backoff {
    attempt: u32,
    base: Duration,
    cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(60))
    }
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self {
            attempt: 0,
            base,
            cap,
        }
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The wait before the next try; `retry_after` is the provider's demand, if it made one.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Duration {
        let ceiling = Self::ceiling(self.base, self.cap, self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        if let Some(wait) = retry_after {
            return wait.max(Duration::from_millis(100));
        }
        jitter(ceiling)
    }

    /// The delay for the n-th retry of something that keeps its attempt count elsewhere (the
    /// outbox stores it in SQLite).
    pub fn delay_for_attempt(attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.max(Duration::from_millis(100));
        }
        let d = Self::default();
        jitter(Self::ceiling(d.base, d.cap, attempt))
    }

    fn ceiling(base: Duration, cap: Duration, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        base.saturating_mul(factor).min(cap)
    }
}

fn jitter(ceiling: Duration) -> Duration {
    // Full jitter spreads reconnects of many clients; the floor avoids a hot loop.
    let ms = ceiling.as_millis().max(1) as u64;
    Duration::from_millis(rand::rng().random_range(100.min(ms)..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_honours_retry_after() {
        let mut b = Backoff::default();
        for _ in 0..20 {
            let d = b.next_delay(None);
            assert!(d <= Duration::from_secs(60));
        }
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        b.reset();
        assert!(b.next_delay(None) <= Duration::from_millis(500));
    }
}
