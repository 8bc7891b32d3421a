//! Saved replies: the replies, their per-channel bodies and their files.

pub(super) const V20: &str = r#"
-- folder '' = in no folder. A title is unique within its folder (case ignored), so an import can
-- tell a reply it already has.
CREATE TABLE saved_replies (
    id            INTEGER PRIMARY KEY,
    folder        TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    uses          INTEGER NOT NULL DEFAULT 0,
    last_used_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX saved_replies_by_title
    ON saved_replies (folder COLLATE NOCASE, title COLLATE NOCASE);

CREATE TABLE saved_reply_variants (
    saved_reply_id  INTEGER NOT NULL REFERENCES saved_replies (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    PRIMARY KEY (saved_reply_id, channel)
) WITHOUT ROWID;

-- The bytes are at `path` (under the data folder's saved-replies/<folder>/), written before the row.
CREATE TABLE saved_reply_files (
    id              INTEGER PRIMARY KEY,
    saved_reply_id  INTEGER NOT NULL REFERENCES saved_replies (id) ON DELETE CASCADE,
    file_key        TEXT    NOT NULL UNIQUE,
    path            TEXT    NOT NULL,
    file_name       TEXT    NOT NULL,
    mime_type       TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX saved_reply_files_by_reply ON saved_reply_files (saved_reply_id, id);
"#;
