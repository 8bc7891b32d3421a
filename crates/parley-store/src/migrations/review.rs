//! The manager's side (issue 16): per-conversation measures kept on `threads` (when it started,
//! when the customer first wrote, when the business first answered and who, when it was last
//! resolved, how many messages it holds), the indexes the review list and the metrics walk, and
//! the manager's private annotations and checklist scores.
//!
//! `message_count` is kept by triggers on `messages` (every path that stores, moves or deletes
//! one); the first-response columns by `review::refresh_measures`, run wherever the waiting time
//! is refreshed (ingest, the outbox, merges); `resolved_at` by triggers on the status and on the
//! `resolved` status event. Existing conversations are measured here, once.

pub(super) const V26: &str = r#"
ALTER TABLE threads ADD COLUMN started_at INTEGER;
ALTER TABLE threads ADD COLUMN first_inbound_at INTEGER;
ALTER TABLE threads ADD COLUMN first_response_at INTEGER;
ALTER TABLE threads ADD COLUMN first_response_ms INTEGER;
ALTER TABLE threads ADD COLUMN first_responder TEXT;
ALTER TABLE threads ADD COLUMN resolved_at INTEGER;
ALTER TABLE threads ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;

UPDATE threads SET
    started_at = (SELECT MIN(m.sent_at) FROM messages m WHERE m.thread_id = threads.id),
    first_inbound_at = (SELECT MIN(m.sent_at) FROM messages m
                         WHERE m.thread_id = threads.id AND m.direction = 'inbound'),
    message_count = (SELECT COUNT(*) FROM messages m WHERE m.thread_id = threads.id),
    resolved_at = CASE WHEN status = 'resolved' THEN
        COALESCE((SELECT MAX(e.at) FROM thread_events e
                   WHERE e.thread_id = threads.id AND e.kind = 'resolved'), last_activity_at) END;
UPDATE threads SET first_response_at = (
    SELECT MIN(m.sent_at) FROM messages m
     WHERE m.thread_id = threads.id AND m.direction = 'outbound' AND m.sent_at >= threads.first_inbound_at)
 WHERE first_inbound_at IS NOT NULL;
UPDATE threads SET
    first_response_ms = first_response_at - first_inbound_at,
    first_responder = (SELECT m.author_name FROM messages m
                        WHERE m.thread_id = threads.id AND m.direction = 'outbound'
                          AND m.sent_at = threads.first_response_at ORDER BY m.id LIMIT 1)
 WHERE first_response_at IS NOT NULL;

-- The review list's orders (keyset on the key and the id) and the metrics' ranges.
CREATE INDEX threads_review_started ON threads(started_at, id);
CREATE INDEX threads_review_response ON threads(first_response_ms, id);
CREATE INDEX threads_review_length ON threads(message_count, id);
CREATE INDEX threads_metrics_started ON threads(started_at, account_id, first_inbound_at,
    first_response_ms, resolved_at, message_count);
CREATE INDEX threads_metrics_resolved ON threads(resolved_at, account_id, first_inbound_at,
    started_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX threads_responder ON threads(first_responder) WHERE first_responder IS NOT NULL;

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE threads SET message_count = message_count + 1 WHERE id = NEW.thread_id;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE threads SET message_count = message_count - 1 WHERE id = OLD.thread_id;
END;
CREATE TRIGGER messages_count_move AFTER UPDATE OF thread_id ON messages
WHEN NEW.thread_id <> OLD.thread_id BEGIN
    UPDATE threads SET message_count = message_count - 1 WHERE id = OLD.thread_id;
    UPDATE threads SET message_count = message_count + 1 WHERE id = NEW.thread_id;
END;

-- Resolved: when it was last resolved (the newest `resolved` event), cleared when it leaves.
CREATE TRIGGER threads_resolved_status AFTER UPDATE OF status ON threads
WHEN NEW.status <> OLD.status BEGIN
    UPDATE threads SET resolved_at = CASE WHEN NEW.status = 'resolved' THEN
        COALESCE((SELECT MAX(e.at) FROM thread_events e
                   WHERE e.thread_id = NEW.id AND e.kind = 'resolved'), NEW.last_activity_at)
        END
     WHERE id = NEW.id;
END;
CREATE TRIGGER thread_events_resolved AFTER INSERT ON thread_events
WHEN NEW.kind = 'resolved' BEGIN
    UPDATE threads SET resolved_at = NEW.at WHERE id = NEW.thread_id AND status = 'resolved';
END;
CREATE TRIGGER thread_events_resolved_undo AFTER DELETE ON thread_events
WHEN OLD.kind = 'resolved' BEGIN
    UPDATE threads SET resolved_at = COALESCE((SELECT MAX(e.at) FROM thread_events e
                   WHERE e.thread_id = OLD.thread_id AND e.kind = 'resolved'), last_activity_at)
     WHERE id = OLD.thread_id AND status = 'resolved';
END;

-- A manager's private note on one message (never sent, never shown to a customer).
CREATE TABLE annotations (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    message_id  INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    -- The highlighted words of the message (may be empty: the whole message).
    quote       TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX annotations_thread ON annotations(thread_id, created_at);
CREATE INDEX annotations_message ON annotations(message_id);
CREATE INDEX annotations_created ON annotations(created_at, id);

-- The manager's checklist: its items, and each conversation's score on each.
CREATE TABLE checklist_items (
    id          INTEGER PRIMARY KEY,
    label       TEXT    NOT NULL,
    -- 'yesNo' or 'scale' (1 to 5)
    kind        TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE TABLE checklist_scores (
    thread_id   INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL REFERENCES checklist_items(id) ON DELETE CASCADE,
    -- yesNo: 0 or 1; scale: 1..5
    score       INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    scored_at   INTEGER NOT NULL,
    PRIMARY KEY (thread_id, item_id)
) WITHOUT ROWID;
CREATE INDEX checklist_scores_item ON checklist_scores(item_id);
"#;
