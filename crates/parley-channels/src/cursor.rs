//! The JSON cursors of the polling adapters (Graph, Twilio), each shaped by its provider, read
//! back the same way: an unreadable one starts over.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads a stored cursor; `None` or an unreadable one gives the cursor of a first sync. An
/// unreadable cursor only costs a re-read; upserts make it harmless. `provider` names it in the log.
pub(crate) fn parse<T: DeserializeOwned + Default>(text: Option<&str>, provider: &str) -> T {
    match text.map(serde_json::from_str::<T>) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "{provider}: unreadable cursor, starting over");
            T::default()
        }
        None => T::default(),
    }
}

/// The cursor as stored.
pub(crate) fn to_json<T: Serialize>(cursor: &T) -> String {
    serde_json::to_string(cursor).unwrap_or_default()
}
