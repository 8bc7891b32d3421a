//! Retention (issue 18): per account, conversations resolved more than N months ago are deleted
//! (`docs/decisions/026-retention.md`).

pub(super) const V30: &str = r#"
-- One row per account that ever had a policy. `months` NULL: off. The run_* columns are the
-- last run, or the one under way (run_started_at set, run_finished_at NULL: a crash interrupted
-- it and the next pass finishes it). Each batch adds to the counts in its own transaction.
CREATE TABLE retention (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    months           INTEGER,
    updated_at       INTEGER NOT NULL,
    run_started_at   INTEGER,
    run_finished_at  INTEGER,
    run_cutoff       INTEGER,
    run_threads      INTEGER NOT NULL DEFAULT 0,
    run_messages     INTEGER NOT NULL DEFAULT 0,
    run_error        TEXT
);

-- The provider ids of messages retention deleted (a hash of the account and the id, 16 bytes),
-- so a sync that meets them again (a re-read mailbox, a refetched page) leaves them out.
CREATE TABLE purged_messages (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    ref_hash    BLOB    NOT NULL,
    PRIMARY KEY (account_id, ref_hash)
) WITHOUT ROWID;

-- Downloaded attachments of deleted messages still to remove from disk: written in the batch's
-- transaction, removed once the files are, so a crash between the two leaves none behind.
CREATE TABLE purged_files (
    id           INTEGER PRIMARY KEY,
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    message_key  TEXT    NOT NULL,
    attachments  TEXT    NOT NULL
);
"#;
