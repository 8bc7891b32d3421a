//! The customer's mood and spike mode (issue 15): each inbound message's score, the flag it
//! leaves on its conversation until an agent answers, the Mood view's index, and the answers'
//! waits that spike mode's expected wait is taken from.

/// Version 25.
pub(super) const V25: &str = r#"
-- The scorer's verdict on an inbound message ('angry', 'urgent', 'neutral', 'happy') and how
-- upset or pressing it is (0..100); NULL for the business's messages and older rows.
ALTER TABLE messages ADD COLUMN mood TEXT;
ALTER TABLE messages ADD COLUMN mood_severity INTEGER;
-- A flagged conversation: 'angry' or 'urgent' while an unanswered message of the customer says
-- so (cleared by an agent's answer or by resolving); mood_level 2 = angry and pressing at once,
-- 1 = flagged, 0 = not; mood_at = when the newest flagged message arrived.
ALTER TABLE threads ADD COLUMN mood TEXT;
ALTER TABLE threads ADD COLUMN mood_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN mood_severity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN mood_at INTEGER;
-- The Mood view's one sort key, descending: the level first, then the longest wait (an answered
-- conversation by its last activity, oldest first). 2^42 ms is 139 years, past any time here.
ALTER TABLE threads ADD COLUMN mood_key INTEGER GENERATED ALWAYS AS (
    mood_level * 4398046511104 + 4398046511103 - COALESCE(waiting_since, last_activity_at)
) VIRTUAL;
CREATE INDEX threads_mood ON threads(status, mood_key DESC, id DESC);

-- How long each wait lasted until the business first answered it: spike mode's expected wait
-- is the median of the recent ones.
CREATE TABLE response_times (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    waited_ms   INTEGER NOT NULL
);
CREATE INDEX response_times_thread ON response_times(thread_id, answered_at);
CREATE INDEX response_times_answered ON response_times(answered_at);

-- A message of the business, however it is stored (sync, outbox, decisions): the first answer
-- to a wait records how long the customer waited, and an answer newer than the flagged message
-- clears the flag. An automated message (migration 23) is no answer: it does neither.
CREATE TRIGGER messages_answer_mood AFTER INSERT ON messages
WHEN NEW.direction = 'outbound' AND NEW.automated_kind IS NULL
BEGIN
    INSERT INTO response_times (thread_id, answered_at, waited_ms)
    SELECT t.id, NEW.sent_at, NEW.sent_at - t.waiting_since FROM threads t
    WHERE t.id = NEW.thread_id AND t.waiting_since IS NOT NULL
      AND t.waiting_since <= NEW.sent_at
      AND NOT EXISTS (SELECT 1 FROM response_times r
                      WHERE r.thread_id = t.id AND r.answered_at >= t.waiting_since);
    UPDATE threads SET mood = NULL, mood_level = 0, mood_severity = 0, mood_at = NULL
    WHERE id = NEW.thread_id AND mood IS NOT NULL AND mood_at <= NEW.sent_at;
END;

-- Resolving a conversation clears its flag (a reopened one is flagged again by what comes).
CREATE TRIGGER threads_resolved_mood AFTER UPDATE OF status ON threads
WHEN NEW.status = 'resolved' AND NEW.mood IS NOT NULL
BEGIN
    UPDATE threads SET mood = NULL, mood_level = 0, mood_severity = 0, mood_at = NULL
    WHERE id = NEW.id;
END;
"#;
