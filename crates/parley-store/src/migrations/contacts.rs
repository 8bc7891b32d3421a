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
