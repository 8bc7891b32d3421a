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

/// The Contacts screen and the VIP / Blocked marks.
///
/// - `vip`, `blocked`: the agents' marks. A blocked customer's messages are still synced and
///   stored, but their conversations count in no view (the count triggers, `threads::V18`) and
///   are listed in none (`views.rs`), and they never notify.
/// - `last_contact_at`: the newest activity of any of the contact's conversations (their first
///   sighting when they have none), kept by triggers on `threads`, so the screen sorts by it
///   through an index.
/// - `search_text`: everything the screen's search matches, kept by triggers on `contacts`,
///   `identities` and `contact_attributes`: the name, each identity's handle, remote id (an email
///   address, a phone number, a user id) and name, and each attribute's value — in SQLite's
///   `lower()` (ASCII only), one per line — and the handles, remote ids and values again with
///   the separators of a phone number (space, `-`, `(`, `)`, `+`, `.`) taken out, so digits typed
///   in any layout find the number. One row read per contact, whatever it has.
pub(super) const V18: &str = r#"
ALTER TABLE contacts ADD COLUMN vip INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN last_contact_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE contacts SET last_contact_at = max(first_seen_at,
    COALESCE((SELECT MAX(t.last_activity_at) FROM threads t WHERE t.contact_id = contacts.id),
             first_seen_at));

CREATE INDEX contacts_last_contact ON contacts(last_contact_at DESC, id DESC);
CREATE INDEX contacts_name ON contacts(display_name COLLATE NOCASE, id);

-- What the search matches for each contact (see above); the triggers copy it into `search_text`.
CREATE VIEW contact_search_text AS
SELECT c.id AS id,
       lower(c.display_name)
       || COALESCE(char(10) || (SELECT group_concat(
              lower(COALESCE(i.handle, '')) || char(10) || lower(i.remote_id) || char(10)
              || lower(i.display_name) || char(10)
              || replace(replace(replace(replace(replace(replace(COALESCE(i.handle, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '') || char(10)
              || replace(replace(replace(replace(replace(replace(i.remote_id, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), char(10))
            FROM identities i WHERE i.contact_id = c.id), '')
       || COALESCE(char(10) || (SELECT group_concat(
              lower(a.value) || char(10)
              || replace(replace(replace(replace(replace(replace(a.value, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), char(10))
            FROM contact_attributes a WHERE a.contact_id = c.id), '') AS s
FROM contacts c;

CREATE TRIGGER contacts_last_contact_insert AFTER INSERT ON threads BEGIN
    UPDATE contacts SET last_contact_at = NEW.last_activity_at
     WHERE id = NEW.contact_id AND last_contact_at < NEW.last_activity_at;
END;

CREATE TRIGGER contacts_last_contact_update
AFTER UPDATE OF last_activity_at, contact_id ON threads
WHEN NEW.last_activity_at <> OLD.last_activity_at OR NEW.contact_id <> OLD.contact_id BEGIN
    UPDATE contacts SET last_contact_at = NEW.last_activity_at
     WHERE id = NEW.contact_id AND last_contact_at < NEW.last_activity_at;
    -- A conversation moved to another contact: the one it left looks at what it still has.
    UPDATE contacts SET last_contact_at = max(first_seen_at,
        COALESCE((SELECT MAX(t.last_activity_at) FROM threads t WHERE t.contact_id = contacts.id),
                 first_seen_at))
     WHERE id = OLD.contact_id AND NEW.contact_id <> OLD.contact_id;
END;

CREATE TRIGGER contacts_last_contact_delete AFTER DELETE ON threads BEGIN
    UPDATE contacts SET last_contact_at = max(first_seen_at,
        COALESCE((SELECT MAX(t.last_activity_at) FROM threads t WHERE t.contact_id = contacts.id),
                 first_seen_at))
     WHERE id = OLD.contact_id AND last_contact_at <= OLD.last_activity_at;
END;

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    UPDATE contacts SET search_text = lower(NEW.display_name),
                        last_contact_at = max(last_contact_at, NEW.first_seen_at)
     WHERE id = NEW.id;
END;

CREATE TRIGGER contacts_search_rename AFTER UPDATE OF display_name ON contacts
WHEN NEW.display_name IS NOT OLD.display_name BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = NEW.id)
     WHERE id = NEW.id;
END;

CREATE TRIGGER contacts_search_identity_insert AFTER INSERT ON identities BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = NEW.contact_id)
     WHERE id = NEW.contact_id;
END;

CREATE TRIGGER contacts_search_identity_update
AFTER UPDATE OF contact_id, remote_id, handle, display_name ON identities
WHEN NEW.contact_id IS NOT OLD.contact_id OR NEW.remote_id IS NOT OLD.remote_id
  OR NEW.handle IS NOT OLD.handle OR NEW.display_name IS NOT OLD.display_name BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = contacts.id)
     WHERE id IN (NEW.contact_id, OLD.contact_id);
END;

CREATE TRIGGER contacts_search_identity_delete AFTER DELETE ON identities BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = OLD.contact_id)
     WHERE id = OLD.contact_id;
END;

CREATE TRIGGER contacts_search_attribute_insert AFTER INSERT ON contact_attributes BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = NEW.contact_id)
     WHERE id = NEW.contact_id;
END;

CREATE TRIGGER contacts_search_attribute_update AFTER UPDATE ON contact_attributes BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = contacts.id)
     WHERE id IN (NEW.contact_id, OLD.contact_id);
END;

CREATE TRIGGER contacts_search_attribute_delete AFTER DELETE ON contact_attributes BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = OLD.contact_id)
     WHERE id = OLD.contact_id;
END;

UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = contacts.id);
"#;

/// Customers' profile pictures, as their channel gives them (Telegram, Messenger, Instagram):
/// one per identity, kept in the database (small, and gone with the identity). `image` NULL:
/// asked, the provider has none. `checked_at` says when it was last asked.
pub(super) const V19: &str = r#"
CREATE TABLE identity_avatars (
    identity_id   INTEGER PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
    content_type  TEXT,
    image         BLOB,
    checked_at    INTEGER NOT NULL
);
"#;

/// Customers imported from a file (a shop's or a CRM's CSV export): each import as one row, and
/// the contacts it created point at it (`import_id`), so the pane can say "imported on …" and an
/// import can be told apart from people who wrote in. Contacts Parley already knew that an
/// import updated keep their own origin.
pub(super) const V21: &str = r#"
CREATE TABLE contact_imports (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    file_name   TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    skipped     INTEGER NOT NULL
);
ALTER TABLE contacts ADD COLUMN import_id INTEGER REFERENCES contact_imports(id) ON DELETE SET NULL;
"#;

/// The rest of the context pane: the customer's tags and the time zone an agent set by hand.
///
/// - `contact_tags`: free-form short tags (one per name, compared without case), each row with
///   its own id so that undoing a merge removes exactly the rows the merge added (a tag an agent
///   removed and added again since is a new row, and stays).
/// - `contacts.time_zone`: an IANA zone set by hand (wins over every guess), with when it was
///   set (`time_zone_set_at`), so that of a contact and the contacts merged into it, the latest
///   choice is shown.
/// - `contact_search_text` now ends with the tags, one per line, so the Contacts screen finds a
///   customer by tag; triggers on `contact_tags` keep `search_text` as the triggers of
///   migration 18 do for identities and attributes (those triggers read the view by name, so
///   they pick up the new definition).
pub(super) const V22: &str = r#"
ALTER TABLE contacts ADD COLUMN time_zone TEXT;
ALTER TABLE contacts ADD COLUMN time_zone_set_at INTEGER;

-- AUTOINCREMENT: a row id is never given again, or a tag removed and added back could take
-- the id of the row a merge added, and an undo of the merge would take it off.
CREATE TABLE contact_tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL COLLATE NOCASE,
    added_at    INTEGER NOT NULL,
    UNIQUE (contact_id, tag)
);

DROP VIEW contact_search_text;
CREATE VIEW contact_search_text AS
SELECT c.id AS id,
       lower(c.display_name)
       || COALESCE(char(10) || (SELECT group_concat(
              lower(COALESCE(i.handle, '')) || char(10) || lower(i.remote_id) || char(10)
              || lower(i.display_name) || char(10)
              || replace(replace(replace(replace(replace(replace(COALESCE(i.handle, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '') || char(10)
              || replace(replace(replace(replace(replace(replace(i.remote_id, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), char(10))
            FROM identities i WHERE i.contact_id = c.id), '')
       || COALESCE(char(10) || (SELECT group_concat(
              lower(a.value) || char(10)
              || replace(replace(replace(replace(replace(replace(a.value, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), char(10))
            FROM contact_attributes a WHERE a.contact_id = c.id), '')
       || COALESCE(char(10) || (SELECT group_concat(lower(g.tag), char(10))
            FROM contact_tags g WHERE g.contact_id = c.id), '') AS s
FROM contacts c;

CREATE TRIGGER contacts_search_tag_insert AFTER INSERT ON contact_tags BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = NEW.contact_id)
     WHERE id = NEW.contact_id;
END;

CREATE TRIGGER contacts_search_tag_update AFTER UPDATE ON contact_tags BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = contacts.id)
     WHERE id IN (NEW.contact_id, OLD.contact_id);
END;

CREATE TRIGGER contacts_search_tag_delete AFTER DELETE ON contact_tags BEGIN
    UPDATE contacts SET search_text = (SELECT s FROM contact_search_text WHERE id = OLD.contact_id)
     WHERE id = OLD.contact_id;
END;
"#;
