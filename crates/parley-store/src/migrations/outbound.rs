//! Respectful outbound (issue 18): how and when each identity's opt-out was recorded, when a
//! reply held for the customer's quiet hours is released, and the automated messages dropped
//! by the frequency caps.

pub(super) const V29: &str = r#"
-- The latest opt-out or opt-in of an identity: 'keyword' (the customer's word in opt_detail),
-- 'agent' (their name), 'import' or 'provider'; NULL for one recorded before this migration.
ALTER TABLE identities ADD COLUMN opt_source TEXT;
ALTER TABLE identities ADD COLUMN opt_detail TEXT;
ALTER TABLE identities ADD COLUMN opt_at INTEGER;
-- A reply held for quiet hours goes back to the queue at this time (the customer's morning).
ALTER TABLE outbox ADD COLUMN release_at INTEGER;
CREATE INDEX outbox_release ON outbox(account_id, release_at) WHERE release_at IS NOT NULL;
-- Automated messages the frequency caps dropped (never queued): the ledger's note of them.
CREATE TABLE automation_dropped (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    dropped_at  INTEGER NOT NULL
);
CREATE INDEX automation_dropped_contact ON automation_dropped(contact_id, dropped_at);
"#;
