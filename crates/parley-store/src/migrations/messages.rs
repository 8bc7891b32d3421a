//! Messages and their full-text index.

pub(super) const V1: &str = r#"
CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    thread_id           INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- NULL while a reply waits in the outbox; NULLs never collide in the UNIQUE below.
    remote_id           TEXT,
    direction           TEXT    NOT NULL,
    author_name         TEXT    NOT NULL,
    text                TEXT    NOT NULL,
    attachments         TEXT    NOT NULL DEFAULT '[]',
    sent_at             INTEGER NOT NULL,
    edited_at           INTEGER,
    delivery            TEXT    NOT NULL,
    delivery_note       TEXT,
    reply_to_remote_id  TEXT,
    UNIQUE (account_id, remote_id)
);
-- Keyset paging of one thread, and the "newest message of a thread" lookup.
CREATE INDEX messages_thread_time ON messages(thread_id, sent_at, id);
"#;

/// Full-text search. An external-content table: the text is stored once, in `messages`.
pub(super) const V2: &str = r#"
-- Highlight markers (STX/ETX) in stored text could fake a search highlight; older builds did not
-- strip them, so clean existing rows before they are indexed.
UPDATE messages SET text = replace(replace(text, char(2), ''), char(3), '')
 WHERE instr(text, char(2)) > 0 OR instr(text, char(3)) > 0;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;

-- Rows written before this version must be searchable too.
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
"#;

/// Email (issue 4): the subject, and the quoted history folded away from `text`.
pub(super) const V5: &str = r#"
ALTER TABLE messages ADD COLUMN subject TEXT;
ALTER TABLE messages ADD COLUMN quoted_text TEXT;
"#;

/// Email HTML (rich display): the sanitised HTML kept at sync time, so it shows offline.
/// `remote_images` is a JSON array of the blocked images' URLs; `inline_parts` a JSON array of
/// `[content id, attachment index]` pairs for `cid:` images.
pub(super) const V9: &str = r#"
CREATE TABLE message_html (
    message_id     INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    html           TEXT    NOT NULL,
    remote_images  TEXT    NOT NULL DEFAULT '[]',
    inline_parts   TEXT    NOT NULL DEFAULT '[]'
);
"#;

/// Where each email sits on the server (mailbox, UIDVALIDITY, UID), so an expunge (QRESYNC
/// `VANISHED`) finds its message; when a message lost its last copy there; and which mail from
/// before stored HTML had its body fetched again.
pub(super) const V11: &str = r#"
CREATE TABLE message_locations (
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailbox      TEXT    NOT NULL,
    uid          INTEGER NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, mailbox, uid)
) WITHOUT ROWID;
CREATE INDEX message_locations_message ON message_locations (message_id);
ALTER TABLE messages ADD COLUMN deleted_on_server_at INTEGER;
-- Mail stored without HTML (before migration 9) whose body was fetched again once to look for it.
CREATE TABLE email_html_checked (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE
);
"#;

/// The UTC offset, in minutes, of an inbound email's Date header (`+0200` is 120), where it has
/// one: the customer's local time in the pane when nothing better is known. The index finds a
/// contact's latest such mail per conversation.
pub(super) const V22: &str = r#"
ALTER TABLE messages ADD COLUMN utc_offset_minutes INTEGER;
CREATE INDEX messages_utc_offset ON messages(thread_id, sent_at)
 WHERE utc_offset_minutes IS NOT NULL;
"#;

/// Who sent each message read from a provider (the sender identity's provider id): a provider id
/// already held by a message from someone else (an email reusing a Message-ID) is another
/// message, not a replay (`ingest.rs`). NULL for older rows and the outbox's own.
pub(super) const V27: &str = r#"
ALTER TABLE messages ADD COLUMN sender_ref TEXT;
"#;
