//! App-wide settings as key/value pairs (values are JSON documents owned by their feature).

pub(super) const V3: &str = r#"
-- WITHOUT ROWID: looked up by key only.
CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
"#;
