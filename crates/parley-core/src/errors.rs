//! Library errors become `{code, message}` here, at the edge, with words for the agent.

use parley_channels::ChannelError;
use parley_domain::{ErrorCode, IpcError};
use parley_store::StoreError;

pub(crate) fn store(e: StoreError) -> IpcError {
    if e.is_disk_full() {
        return IpcError::new(
            ErrorCode::Storage,
            "The disk is full, so Parley could not save this. Free some space and try again; nothing already saved is lost.",
        );
    }
    match e {
        StoreError::NotFound(what) => IpcError::new(
            ErrorCode::NotFound,
            format!("That {what} no longer exists (it may have been removed)."),
        ),
        StoreError::Duplicate => IpcError::new(ErrorCode::Duplicate, "This already exists."),
        StoreError::AccountRemoved => IpcError::new(
            ErrorCode::InvalidInput,
            "This conversation's account was removed; its conversations are kept read-only. Add the account again to answer.",
        ),
        other => IpcError::new(
            ErrorCode::Storage,
            format!(
                "Parley's local database failed: {other}. Restart Parley; if it happens again, report it."
            ),
        ),
    }
}

pub(crate) fn channel(e: ChannelError) -> IpcError {
    let code = match &e {
        ChannelError::Unauthorized(_) => ErrorCode::AuthFailed,
        ChannelError::Transient(_)
        | ChannelError::RateLimited { .. }
        | ChannelError::Uncertain(_) => ErrorCode::Network,
        ChannelError::Malformed(_) => ErrorCode::BadResponse,
        ChannelError::Conflict(_) | ChannelError::Rejected { .. } => ErrorCode::InvalidInput,
    };
    IpcError::new(code, e.to_string())
}

pub(crate) fn not_found(what: &str) -> IpcError {
    IpcError::new(
        ErrorCode::NotFound,
        format!("That {what} no longer exists (it may have been removed)."),
    )
}
