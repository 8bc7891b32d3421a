//! Automated messages (issue 15): the rule that sent a message, the outbox's flag for it, the
//! ledger of what was sent to whom, and the automation settings' home (the `settings` table).

/// Version 23.
pub(super) const V23: &str = r#"
-- The rule that sent a message (an AutomationKind string and the rule's human name); NULL for
-- everything an agent or the customer wrote.
ALTER TABLE messages ADD COLUMN automated_kind TEXT;
ALTER TABLE messages ADD COLUMN automated_rule TEXT;
-- 1 for an automated outbox item: re-checked for an agent's answer instead of the customer's,
-- and, when held, it keeps no later reply of its thread waiting.
ALTER TABLE outbox ADD COLUMN automated INTEGER NOT NULL DEFAULT 0;
-- What each rule sent (queued) to which customer when: "at most once per customer per period".
-- Written in the transaction that queues the message, so a crash cannot send it twice.
CREATE TABLE automation_ledger (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    thread_id   INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL
);
CREATE INDEX automation_ledger_customer ON automation_ledger(account_id, contact_id, kind, sent_at);
-- The waiting time (and "when did an agent last answer") seeks the business's last message that
-- a person sent: with the rule's column in the index, skipping automated messages stays a
-- covering seek.
DROP INDEX messages_thread_outbound;
CREATE INDEX messages_thread_outbound ON messages(thread_id, sent_at, automated_kind)
    WHERE direction = 'outbound';
"#;
