//! The outbox: replies on their way out. The state machine: `parley-sync`'s `outbox.rs` module doc.

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

/// Replies with files (attachments-out): files staged in a thread's composer, and the files an
/// outbox item carries. The bytes live in the data folder (`outgoing/<key>`); these rows say
/// which file is whose. Staged files move to `outbox_files` in the transaction that queues the
/// reply; both go with their thread or outbox item (the caller deletes the files it is told of).
pub(super) const V7: &str = r#"
CREATE TABLE staged_files (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    -- Where the file is, relative to the data folder's outgoing/ (e.g. "<uuid>/name.pdf").
    file_key    TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    file_name   TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX staged_files_thread ON staged_files(thread_id, id);

CREATE TABLE outbox_files (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    file_key    TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    file_name   TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    size        INTEGER NOT NULL
);
CREATE INDEX outbox_files_outbox ON outbox_files(outbox_id, position);
"#;

/// How an item goes out beyond text and files (a template, media links), as JSON
/// (`parley_domain::SendOptions`); NULL for an ordinary reply.
pub(super) const V10: &str = r#"
ALTER TABLE outbox ADD COLUMN send_options TEXT;
"#;
