use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable error codes. The UI maps codes to words; it never parses messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    /// The provider refused the credentials (bad or revoked token).
    AuthFailed,
    /// The provider or the network could not be reached.
    Network,
    /// The provider answered something Parley could not understand.
    BadResponse,
    /// The account already exists.
    Duplicate,
    /// The OS keychain refused or is unavailable.
    Keychain,
    /// The local database failed (disk full, corrupt file...).
    Storage,
    /// The link is not http, https or mailto.
    UnsafeLink,
    /// Another Parley process has this workspace open.
    AlreadyRunning,
    Internal,
}

/// The error shape that crosses the IPC edge: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    /// A sentence for the agent: what was wrong and what to do.
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
