//! The outbox: replies on their way out. See ARCHITECTURE-NOTES for the state machine.

pub(super) const V1: &str = r#"
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    thread_id        INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL,
    body             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    remote_id        TEXT
);
-- The dispatcher's question: what is due for this account?
CREATE INDEX outbox_due ON outbox(account_id, state, next_attempt_at);
-- Child-key indexes: without them every cascaded message or thread delete scans the outbox.
CREATE INDEX outbox_message ON outbox(message_id);
CREATE INDEX outbox_thread ON outbox(thread_id);
"#;
