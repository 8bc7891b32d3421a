//! Helpers the adapters' tests share.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in Unix seconds (what the fakes take for message times).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}
