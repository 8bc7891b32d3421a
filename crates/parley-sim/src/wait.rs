//! Waiting for an asynchronous outcome in tests that drive the fakes.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 50 ms until it answers true; panics naming `what` after `timeout`.
/// The timeout is a ceiling for a hung test, never a speed assertion.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}
