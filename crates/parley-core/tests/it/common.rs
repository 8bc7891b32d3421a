//! Helpers the facade tests share.

use parley_core::Parley;
use parley_domain::ThreadSummary;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The thread of the customer called `name`, once the sync has stored it (20 s at most).
pub async fn thread_of(app: &Parley, name: &str) -> ThreadSummary {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let threads = app.list_threads(None, 100).await.expect("threads").threads;
        if let Some(t) = threads.into_iter().find(|t| t.contact_name == name) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for the thread of {name}");
}

/// Now, in Unix seconds (what the fakes take for message times).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}
