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

/// One customer, several identities: opt-out belongs to the channel identity (a customer who
/// texted STOP can still be answered on Messenger), contacts can be merged into another (the
/// absorbed row stays, hidden, so the merge can be undone exactly), and every merge or split is
/// kept with what it moved. Until now each contact had exactly one identity, so copying the
/// contact's opt-out to its identities is exact.
pub(super) const V17: &str = r#"
ALTER TABLE identities ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;
UPDATE identities SET opted_out = 1
 WHERE contact_id IN (SELECT id FROM contacts WHERE opted_out = 1);
ALTER TABLE contacts DROP COLUMN opted_out;

ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id) ON DELETE CASCADE;
CREATE INDEX contacts_merged_into ON contacts(merged_into) WHERE merged_into IS NOT NULL;

-- kind 'merge': other_id was absorbed into contact_id; kind 'split': identity moved from
-- contact_id to the new other_id. detail is JSON naming every row that moved and the state it
-- replaced (parley-store/src/contact_merge.rs). A side deleted later (its account removed)
-- becomes NULL: the record stays, the change can no longer be undone.
CREATE TABLE contact_changes (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    contact_id  INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    other_id    INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    at          INTEGER NOT NULL,
    undone_at   INTEGER,
    detail      TEXT    NOT NULL
);
CREATE INDEX contact_changes_contact ON contact_changes(contact_id);
CREATE INDEX contact_changes_other ON contact_changes(other_id);

-- Suggested merges an agent said no to (a < b).
CREATE TABLE merge_dismissals (
    a   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    b   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    at  INTEGER NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
"#;
