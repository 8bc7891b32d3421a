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

/// Held replies and the agent's decisions (issue 5).
pub(super) const V4: &str = r#"
-- Why a reply is held (a HoldReason string), while it is.
ALTER TABLE outbox ADD COLUMN hold_reason TEXT;
-- The newest message id of the thread the agent had seen when the reply was queued (or last
-- confirmed): an inbound message with a higher id means the customer wrote again since.
ALTER TABLE outbox ADD COLUMN seen_upto INTEGER NOT NULL DEFAULT 0;
-- 1 after "send anyway" (or an edit of a held or failed reply): the agent has looked, so the
-- resolved/opted-out/window/quiet-hours checks do not hold it again.
ALTER TABLE outbox ADD COLUMN checks_waived INTEGER NOT NULL DEFAULT 0;
-- 1 when the thread was already resolved when the reply was queued, so resolving is not news.
ALTER TABLE outbox ADD COLUMN queued_resolved INTEGER NOT NULL DEFAULT 0;
-- How often the agent chose "send again" on an uncertain reply: the only resends allowed.
ALTER TABLE outbox ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET seen_upto = message_id;
-- The banner's counts, across accounts.
CREATE INDEX outbox_state ON outbox(state);
"#;

/// Email (issue 4): the id the reply is sent under, chosen and committed before the provider is
/// called (an email Message-ID), so a send whose answer was lost can be looked up.
pub(super) const V5: &str = r#"
ALTER TABLE outbox ADD COLUMN client_message_id TEXT;
"#;

/// Reconciliation (issue 5): how often the dispatcher put an uncertain reply back in the queue
/// because the provider's own record proved it never arrived (`outbox_requeue_after_check`).
pub(super) const V6: &str = r#"
ALTER TABLE outbox ADD COLUMN requeues_after_check INTEGER NOT NULL DEFAULT 0;
"#;
