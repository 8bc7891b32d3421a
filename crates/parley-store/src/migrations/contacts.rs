//! Contacts (people), their channel identities and the agents' notes about them.

pub(super) const V1: &str = r#"
CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY,
    display_name   TEXT    NOT NULL,
    first_seen_at  INTEGER NOT NULL,
    opted_out      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE identities (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id),
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    remote_id     TEXT    NOT NULL,
    handle        TEXT,
    display_name  TEXT    NOT NULL,
    UNIQUE (account_id, remote_id)
);
-- Child-key index: contact pane lookups and the orphan-contact sweep of remove_account.
CREATE INDEX identities_contact ON identities(contact_id);

-- Notes belong to the person, so they go when the contact goes.
CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notes_contact ON notes(contact_id);
"#;

/// Notes say who wrote them and when they were edited; contacts get typed attributes (text,
/// number, date, link), one value per key.
pub(super) const V16: &str = r#"
ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN updated_at INTEGER;

CREATE TABLE contact_attributes (
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    key         TEXT    NOT NULL COLLATE NOCASE,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (contact_id, key)
) WITHOUT ROWID;
"#;
