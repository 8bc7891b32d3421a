//! Threads, their drafts and labels.

pub(super) const V1: &str = r#"
CREATE TABLE threads (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id         INTEGER NOT NULL REFERENCES contacts(id),
    identity_id        INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    remote_thread_id   TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'open',
    priority           INTEGER NOT NULL DEFAULT 0,
    unread_count       INTEGER NOT NULL DEFAULT 0,
    last_activity_at   INTEGER NOT NULL,
    snippet            TEXT    NOT NULL DEFAULT '',
    snippet_direction  TEXT    NOT NULL DEFAULT 'inbound',
    UNIQUE (account_id, remote_thread_id)
);
-- The inbox order; keyset paging walks this index.
CREATE INDEX threads_activity ON threads(last_activity_at DESC, id DESC);
-- Child-key indexes, so deleting a contact or identity does not scan every thread.
CREATE INDEX threads_contact ON threads(contact_id);
CREATE INDEX threads_identity ON threads(identity_id);

CREATE TABLE drafts (
    thread_id   INTEGER PRIMARY KEY REFERENCES threads(id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE labels (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    color  TEXT
);

CREATE TABLE thread_labels (
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    label_id   INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (thread_id, label_id)
) WITHOUT ROWID;
CREATE INDEX thread_labels_label ON thread_labels(label_id);
"#;

/// Who controls a Messenger/Instagram thread (Meta's handover), as last learnt: `owner` is
/// `parley`, `idle`, `metaInbox`, `otherApp` (with `owner_app_id`) or `elsewhere` (another app,
/// not named); NULL when unknown or not a Meta thread.
pub(super) const V8: &str = r#"
ALTER TABLE threads ADD COLUMN owner TEXT;
ALTER TABLE threads ADD COLUMN owner_app_id TEXT;
"#;

/// Media links (public https addresses Twilio fetches, `MediaUrl`) the agent added to an
/// SMS/WhatsApp composer, kept with the draft so they survive switching threads and a restart.
/// Cleared in the transaction that queues the reply; put back when the reply is discarded.
pub(super) const V13: &str = r#"
CREATE TABLE draft_media_links (
    thread_id   INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (thread_id, position)
) WITHOUT ROWID;
"#;

/// Parents an email named that the account did not hold when it was stored (parent Message-ID →
/// the thread that references it), so the parent's arrival joins the thread a newest-first sync
/// split off (`merge.rs`). A row goes once its parent is stored. Mail stored before this version
/// is remembered by its In-Reply-To.
pub(super) const V12: &str = r#"
CREATE TABLE message_parents (
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    parent_remote_id  TEXT    NOT NULL,
    thread_id         INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, parent_remote_id, thread_id)
) WITHOUT ROWID;
-- Child-key index: a deleted or merged thread finds its rows.
CREATE INDEX message_parents_thread ON message_parents(thread_id);

INSERT OR IGNORE INTO message_parents (account_id, parent_remote_id, thread_id)
SELECT m.account_id, m.reply_to_remote_id, m.thread_id
FROM messages m JOIN accounts a ON a.id = m.account_id
WHERE a.channel = 'email' AND m.reply_to_remote_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM messages p
                  WHERE p.account_id = m.account_id AND p.remote_id = m.reply_to_remote_id);
"#;

/// The workflow: when a snoozed thread wakes, since when its customer waits for an answer, its
/// status history (shown in the thread), label colours, and the indexes the inbox's views walk.
pub(super) const V14: &str = r#"
ALTER TABLE threads ADD COLUMN snoozed_until INTEGER;
ALTER TABLE threads ADD COLUMN waiting_since INTEGER;
UPDATE threads SET waiting_since = (
    SELECT MIN(m.sent_at) FROM messages m
     WHERE m.thread_id = threads.id AND m.direction = 'inbound'
       AND m.sent_at > COALESCE((SELECT MAX(o.sent_at) FROM messages o
                                  WHERE o.thread_id = threads.id AND o.direction = 'outbound'),
                                -9223372036854775808));
CREATE INDEX threads_status_activity ON threads(status, last_activity_at DESC, id DESC);
CREATE INDEX threads_account_status ON threads(account_id, status, last_activity_at DESC, id DESC);
CREATE INDEX threads_snoozed ON threads(status, snoozed_until, id) WHERE snoozed_until IS NOT NULL;
CREATE INDEX threads_waiting ON threads(status, waiting_since, id) WHERE waiting_since IS NOT NULL;
CREATE INDEX threads_unread ON threads(last_activity_at DESC, id DESC) WHERE unread_count > 0;

ALTER TABLE labels ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE labels SET color = '#6b7280' WHERE color IS NULL;

CREATE TABLE thread_events (
    id         INTEGER PRIMARY KEY,
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    -- resolved, pending, snoozed, reopened, reopenedByCustomer, woke
    kind       TEXT    NOT NULL,
    -- snoozed: the wake time; reopenedByCustomer: the status it left
    detail     TEXT
);
CREATE INDEX thread_events_thread ON thread_events(thread_id, at);
"#;

/// An index for the waiting time, and the views' counts, kept by triggers so asking costs the same at 100 threads as at 100k: one
/// row per count — a status (`open`, `pending`, `snoozed`, `resolved`), `unread`, `waiting`
/// (open and the customer waits), `a:<account>` (the account's open conversations),
/// `l:<label>` (open conversations carrying the label). Each trigger takes a row's old
/// contribution away and adds its new one, in the writer's transaction.
pub(super) const V15: &str = r#"
-- The business's last message in a conversation, in one seek (how long the customer waits).
CREATE INDEX messages_thread_outbound ON messages(thread_id, sent_at) WHERE direction = 'outbound';

CREATE TABLE view_counts (
    key  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER threads_count_insert AFTER INSERT ON threads BEGIN
    INSERT INTO view_counts (key, n) SELECT k, 1 FROM (
            SELECT NEW.status AS k
            UNION ALL SELECT 'unread' WHERE NEW.unread_count > 0
            UNION ALL SELECT 'waiting' WHERE NEW.status = 'open' AND NEW.waiting_since IS NOT NULL
            UNION ALL SELECT 'a:' || NEW.account_id WHERE NEW.status = 'open') WHERE true
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

-- A conversation's labels go first, while it is still there to say whether it was open.
CREATE TRIGGER threads_count_delete_labels BEFORE DELETE ON threads BEGIN
    DELETE FROM thread_labels WHERE thread_id = OLD.id;
END;

CREATE TRIGGER threads_count_delete AFTER DELETE ON threads BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key IN (
        SELECT OLD.status
        UNION ALL SELECT 'unread' WHERE OLD.unread_count > 0
        UNION ALL SELECT 'waiting' WHERE OLD.status = 'open' AND OLD.waiting_since IS NOT NULL
        UNION ALL SELECT 'a:' || OLD.account_id WHERE OLD.status = 'open');
END;

CREATE TRIGGER threads_count_update
AFTER UPDATE OF status, unread_count, waiting_since, account_id ON threads BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key IN (
        SELECT OLD.status
        UNION ALL SELECT 'unread' WHERE OLD.unread_count > 0
        UNION ALL SELECT 'waiting' WHERE OLD.status = 'open' AND OLD.waiting_since IS NOT NULL
        UNION ALL SELECT 'a:' || OLD.account_id WHERE OLD.status = 'open'
        UNION ALL SELECT 'l:' || label_id FROM thread_labels
                   WHERE thread_id = OLD.id AND OLD.status = 'open');
    INSERT INTO view_counts (key, n) SELECT k, 1 FROM (
            SELECT NEW.status AS k
            UNION ALL SELECT 'unread' WHERE NEW.unread_count > 0
            UNION ALL SELECT 'waiting' WHERE NEW.status = 'open' AND NEW.waiting_since IS NOT NULL
            UNION ALL SELECT 'a:' || NEW.account_id WHERE NEW.status = 'open'
            UNION ALL SELECT 'l:' || label_id FROM thread_labels
                       WHERE thread_id = NEW.id AND NEW.status = 'open') WHERE true
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER thread_labels_count_insert AFTER INSERT ON thread_labels
WHEN (SELECT status FROM threads WHERE id = NEW.thread_id) = 'open' BEGIN
    INSERT INTO view_counts (key, n) VALUES ('l:' || NEW.label_id, 1)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER thread_labels_count_delete AFTER DELETE ON thread_labels
WHEN (SELECT status FROM threads WHERE id = OLD.thread_id) = 'open' BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key = 'l:' || OLD.label_id;
END;

CREATE TRIGGER labels_count_delete AFTER DELETE ON labels BEGIN
    DELETE FROM view_counts WHERE key = 'l:' || OLD.id;
END;

INSERT INTO view_counts (key, n)
    SELECT status, COUNT(*) FROM threads GROUP BY status
    UNION ALL SELECT 'unread', COUNT(*) FROM threads WHERE unread_count > 0
    UNION ALL SELECT 'waiting', COUNT(*) FROM threads
               WHERE status = 'open' AND waiting_since IS NOT NULL
    UNION ALL SELECT 'a:' || account_id, COUNT(*) FROM threads WHERE status = 'open'
               GROUP BY account_id
    UNION ALL SELECT 'l:' || tl.label_id, COUNT(*) FROM thread_labels tl
               JOIN threads t ON t.id = tl.thread_id AND t.status = 'open'
               GROUP BY tl.label_id;
"#;

/// A blocked customer's conversations count in no view: migration 15's triggers again, each
/// taking a conversation into account only while its contact is not blocked (and following a
/// conversation moved to another contact), and a trigger on `contacts` that takes all of a
/// contact's conversations out of the counts when it is blocked and puts them back when it is
/// unblocked. Nothing is blocked yet, so the counts stand as they are.
pub(super) const V18: &str = r#"
DROP TRIGGER threads_count_insert;
DROP TRIGGER threads_count_delete;
DROP TRIGGER threads_count_update;
DROP TRIGGER thread_labels_count_insert;
DROP TRIGGER thread_labels_count_delete;

CREATE TRIGGER threads_count_insert AFTER INSERT ON threads
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id AND blocked <> 0) BEGIN
    INSERT INTO view_counts (key, n) SELECT k, 1 FROM (
            SELECT NEW.status AS k
            UNION ALL SELECT 'unread' WHERE NEW.unread_count > 0
            UNION ALL SELECT 'waiting' WHERE NEW.status = 'open' AND NEW.waiting_since IS NOT NULL
            UNION ALL SELECT 'a:' || NEW.account_id WHERE NEW.status = 'open') WHERE true
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER threads_count_delete AFTER DELETE ON threads
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND blocked <> 0) BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key IN (
        SELECT OLD.status
        UNION ALL SELECT 'unread' WHERE OLD.unread_count > 0
        UNION ALL SELECT 'waiting' WHERE OLD.status = 'open' AND OLD.waiting_since IS NOT NULL
        UNION ALL SELECT 'a:' || OLD.account_id WHERE OLD.status = 'open');
END;

CREATE TRIGGER threads_count_update
AFTER UPDATE OF status, unread_count, waiting_since, account_id, contact_id ON threads BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key IN (
        SELECT OLD.status
        UNION ALL SELECT 'unread' WHERE OLD.unread_count > 0
        UNION ALL SELECT 'waiting' WHERE OLD.status = 'open' AND OLD.waiting_since IS NOT NULL
        UNION ALL SELECT 'a:' || OLD.account_id WHERE OLD.status = 'open'
        UNION ALL SELECT 'l:' || label_id FROM thread_labels
                   WHERE thread_id = OLD.id AND OLD.status = 'open')
      AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND blocked <> 0);
    INSERT INTO view_counts (key, n) SELECT k, 1 FROM (
            SELECT NEW.status AS k
            UNION ALL SELECT 'unread' WHERE NEW.unread_count > 0
            UNION ALL SELECT 'waiting' WHERE NEW.status = 'open' AND NEW.waiting_since IS NOT NULL
            UNION ALL SELECT 'a:' || NEW.account_id WHERE NEW.status = 'open'
            UNION ALL SELECT 'l:' || label_id FROM thread_labels
                       WHERE thread_id = NEW.id AND NEW.status = 'open')
        WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id AND blocked <> 0)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER thread_labels_count_insert AFTER INSERT ON thread_labels
WHEN (SELECT t.status = 'open' AND c.blocked = 0 FROM threads t JOIN contacts c ON c.id = t.contact_id
       WHERE t.id = NEW.thread_id) BEGIN
    INSERT INTO view_counts (key, n) VALUES ('l:' || NEW.label_id, 1)
        ON CONFLICT (key) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER thread_labels_count_delete AFTER DELETE ON thread_labels
WHEN (SELECT t.status = 'open' AND c.blocked = 0 FROM threads t JOIN contacts c ON c.id = t.contact_id
       WHERE t.id = OLD.thread_id) BEGIN
    UPDATE view_counts SET n = n - 1 WHERE key = 'l:' || OLD.label_id;
END;

-- Blocking takes every count the contact's conversations hold away; unblocking gives it back.
CREATE TRIGGER contacts_blocked_count AFTER UPDATE OF blocked ON contacts
WHEN (NEW.blocked <> 0) <> (OLD.blocked <> 0) BEGIN
    INSERT INTO view_counts (key, n)
    SELECT k, CASE WHEN NEW.blocked <> 0 THEN -COUNT(*) ELSE COUNT(*) END FROM (
            SELECT t.status AS k FROM threads t WHERE t.contact_id = NEW.id
            UNION ALL SELECT 'unread' FROM threads t
                       WHERE t.contact_id = NEW.id AND t.unread_count > 0
            UNION ALL SELECT 'waiting' FROM threads t
                       WHERE t.contact_id = NEW.id AND t.status = 'open'
                         AND t.waiting_since IS NOT NULL
            UNION ALL SELECT 'a:' || t.account_id FROM threads t
                       WHERE t.contact_id = NEW.id AND t.status = 'open'
            UNION ALL SELECT 'l:' || tl.label_id FROM threads t
                       JOIN thread_labels tl ON tl.thread_id = t.id
                       WHERE t.contact_id = NEW.id AND t.status = 'open')
        WHERE true GROUP BY k
        ON CONFLICT (key) DO UPDATE SET n = n + excluded.n;
END;
"#;

/// The unread messages of every conversation (the tray's tooltip, the dock's badge), kept by
/// triggers beside the views' counts under the key `unread_messages`: summed at each ask it cost
/// 0.3-1 s over 100k conversations, holding the store while the window waited. Blocked customers'
/// conversations count nothing, as in the views' counts.
pub(super) const V28: &str = r#"
CREATE TRIGGER threads_unread_sum_insert AFTER INSERT ON threads
WHEN NEW.unread_count <> 0
 AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id AND blocked <> 0) BEGIN
    INSERT INTO view_counts (key, n) VALUES ('unread_messages', NEW.unread_count)
        ON CONFLICT (key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER threads_unread_sum_delete AFTER DELETE ON threads
WHEN OLD.unread_count <> 0
 AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND blocked <> 0) BEGIN
    UPDATE view_counts SET n = n - OLD.unread_count WHERE key = 'unread_messages';
END;

CREATE TRIGGER threads_unread_sum_update AFTER UPDATE OF unread_count, contact_id ON threads BEGIN
    INSERT INTO view_counts (key, n) SELECT 'unread_messages', d FROM (SELECT
            CASE WHEN EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id AND blocked <> 0)
                 THEN 0 ELSE NEW.unread_count END
          - CASE WHEN EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND blocked <> 0)
                 THEN 0 ELSE OLD.unread_count END AS d) WHERE d <> 0
        ON CONFLICT (key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER contacts_blocked_unread_sum AFTER UPDATE OF blocked ON contacts
WHEN (NEW.blocked <> 0) <> (OLD.blocked <> 0) BEGIN
    INSERT INTO view_counts (key, n)
    SELECT 'unread_messages', CASE WHEN NEW.blocked <> 0 THEN -s ELSE s END FROM (
            SELECT COALESCE(SUM(unread_count), 0) AS s FROM threads WHERE contact_id = NEW.id)
        WHERE true
        ON CONFLICT (key) DO UPDATE SET n = n + excluded.n;
END;

INSERT INTO view_counts (key, n)
    SELECT 'unread_messages', COALESCE(SUM(t.unread_count), 0) FROM threads t
     WHERE t.unread_count > 0
       AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id AND c.blocked <> 0)
    ON CONFLICT (key) DO UPDATE SET n = excluded.n;
"#;
