//! The store's error type.

use thiserror::Error;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Creating the data directory failed.
    #[error("cannot prepare the data directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A column held something this build cannot read (bad JSON, unknown enum value).
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The account (channel, external id) is already set up.
    #[error("this account is already set up")]
    Duplicate,
    /// The conversation's account was removed with its conversations kept: read-only.
    #[error("the conversation's account was removed")]
    AccountRemoved,
    /// The file was written by a newer Parley; migrating "down" could lose its data, so we refuse.
    #[error(
        "the database was written by a newer version of Parley (schema {found}, this build knows up to {supported}); update Parley to open it"
    )]
    TooNew { found: u32, supported: u32 },
    /// The database is encrypted and the key given does not open it.
    #[error(
        "the database cannot be opened with the key from this computer's keychain (the key is wrong, or the file is damaged or not a Parley database)"
    )]
    KeyRejected,
}

impl StoreError {
    /// True when the write failed because the disk (or the database's size limit) is full, so the
    /// caller can tell the agent to free space instead of showing a generic storage error.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            StoreError::Io(e) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// True for a UNIQUE or PRIMARY KEY violation.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    }
}
