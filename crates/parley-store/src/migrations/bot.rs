//! The FAQ bot: the owner's rules and each conversation's session with the bot. What it sent
//! is in the automation ledger (migration 23), which its per-customer rate limit counts.

pub(super) const V24: &str = r#"
-- phrases: JSON array of strings; steps: JSON array of gather steps (parley-domain's GatherStep).
CREATE TABLE faq_rules (
    id              INTEGER PRIMARY KEY,
    position        INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    phrases         TEXT    NOT NULL,
    saved_reply_id  INTEGER REFERENCES saved_replies (id) ON DELETE SET NULL,
    steps           TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- One row per conversation the bot has read: `session` (JSON) while it asks a rule's questions,
-- NULL otherwise; `handed_off_at` once a person took over; `last_message_id` the newest inbound
-- message it read, so no message is read twice.
CREATE TABLE bot_sessions (
    thread_id        INTEGER PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
    session          TEXT,
    handed_off_at    INTEGER,
    last_message_id  INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- The accounts the bot answers on (its other settings are one JSON setting): a row goes with its
-- account, so an id SQLite hands out again never finds the bot on.
CREATE TABLE bot_accounts (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE
);
"#;
