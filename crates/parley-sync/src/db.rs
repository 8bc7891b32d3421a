use parley_store::{Store, StoreError};
use std::sync::{Arc, Mutex};

/// A store call holding the store this long is logged (see [`Db::call`]).
const SLOW: std::time::Duration = std::time::Duration::from_millis(100);

/// The store shared by the facade and the engine. Every call runs on tokio's blocking pool so
/// SQLite never blocks an async worker (nor, through it, the window).
#[derive(Clone)]
pub struct Db(Arc<Mutex<Store>>);

impl Db {
    pub fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave SQLite half-written (transactions roll
            // back on drop), so the store is still usable.
            let mut store = inner.lock().unwrap_or_else(|p| p.into_inner());
            let started = std::time::Instant::now();
            let out = f(&mut store);
            let took = started.elapsed();
            if took >= SLOW {
                // Every other caller (the window's reads among them) waited this long: a
                // performance bug to find, so the log names the caller (the closure's path).
                tracing::warn!(
                    caller = std::any::type_name::<F>(),
                    ms = took.as_millis() as u64,
                    "slow store call"
                );
            }
            out
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("a database task failed: {e}")))?
    }
}
