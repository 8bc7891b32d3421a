//! Threads, their drafts and labels.

pub(super) const V1: &str = r#"
CREATE TABLE threads (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id         INTEGER NOT NULL REFERENCES contacts(id),
    identity_id        INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    remote_thread_id   TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'open',
    priority           INTEGER NOT NULL DEFAULT 0,
    unread_count       INTEGER NOT NULL DEFAULT 0,
    last_activity_at   INTEGER NOT NULL,
    snippet            TEXT    NOT NULL DEFAULT '',
    snippet_direction  TEXT    NOT NULL DEFAULT 'inbound',
    UNIQUE (account_id, remote_thread_id)
);
-- The inbox order; keyset paging walks this index.
CREATE INDEX threads_activity ON threads(last_activity_at DESC, id DESC);
-- Child-key indexes, so deleting a contact or identity does not scan every thread.
CREATE INDEX threads_contact ON threads(contact_id);
CREATE INDEX threads_identity ON threads(identity_id);

CREATE TABLE drafts (
    thread_id   INTEGER PRIMARY KEY REFERENCES threads(id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE labels (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    color  TEXT
);

CREATE TABLE thread_labels (
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    label_id   INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (thread_id, label_id)
) WITHOUT ROWID;
CREATE INDEX thread_labels_label ON thread_labels(label_id);
"#;

/// Who controls a Messenger/Instagram thread (Meta's handover), as last learnt: `owner` is
/// `parley`, `idle`, `metaInbox`, `otherApp` (with `owner_app_id`) or `elsewhere` (another app,
/// not named); NULL when unknown or not a Meta thread.
pub(super) const V8: &str = r#"
ALTER TABLE threads ADD COLUMN owner TEXT;
ALTER TABLE threads ADD COLUMN owner_app_id TEXT;
"#;
