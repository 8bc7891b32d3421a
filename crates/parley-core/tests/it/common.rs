//! Helpers the facade tests share.

use parley_core::{CoreConfig, DemoMode, Parley, Paths, SecretStore};
use parley_domain::ThreadSummary;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A core's config for a test: its folders under `dir`, no demo, quiet hours off (a customer's
/// zone would make the test depend on the time of day) and 1 s long polls. The test points the
/// providers it uses at their fakes (`api_roots.set`).
pub fn test_config(dir: &Path, secrets: Arc<dyn SecretStore>) -> CoreConfig {
    let paths = Paths {
        data_dir: dir.join("data"),
        config_dir: dir.join("config"),
        log_dir: dir.join("logs"),
    };
    let mut config = CoreConfig::new(paths, secrets);
    config.demo = DemoMode::Off;
    config.quiet_hours_by_default = false;
    config.long_poll = Duration::from_secs(1);
    config
}

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
