//! Accounts and their sync cursors. No secrets live here: tokens stay in the OS keychain.

pub(super) const V1: &str = r#"
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    handle        TEXT,
    external_id   TEXT    NOT NULL,
    is_demo       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_error    TEXT,
    last_sync_at  INTEGER,
    UNIQUE (channel, external_id)
);

-- WITHOUT ROWID: the key is the only access path, so one b-tree instead of two.
CREATE TABLE sync_cursors (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
"#;

/// An account removed while its conversations stay (read-only, searchable): no sync, no secret,
/// no replies; adding it again revives it.
pub(super) const V27: &str = r#"
ALTER TABLE accounts ADD COLUMN removed_at INTEGER;

-- Customers erased on request (per-customer erase): which provider identities, as a hash of the
-- account and the provider's id (not the id itself), and when; a sync that meets their older
-- messages again (a re-read mailbox, a refetched page) leaves them out.
CREATE TABLE erased_identities (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    ref_hash    TEXT    NOT NULL,
    erased_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, ref_hash)
) WITHOUT ROWID;
"#;
