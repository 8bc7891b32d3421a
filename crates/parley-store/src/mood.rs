//! The customer's mood in the store (issue 15): each inbound message is scored as it is ingested
//! (`parley-sentiment`, in the ingest transaction's first pass, before any write) and a clearly
//! negative or pressing one flags its conversation and raises its priority; the queue and the
//! recent first-response waits that spike mode reads.
//!
//! The flag is the most upset of the customer's messages that no answer of the business has
//! followed: it is set here, after the batch's summaries, only on a conversation left open and
//! only from messages newer than its newest answer (a catch-up page that holds the answer too
//! leaves no flag); an answer or resolving clears it (an automated message is no answer), and so
//! does a happy message of the customer after the flagged ones (triggers of migration 25, so every writer
//! of messages and statuses does). Priority is raised to high (urgent when angry and pressing at
//! once), never lowered: what the agent set stays when it is higher.

use crate::Store;
use crate::error::Result;
use parley_domain::{Millis, PRIORITY_URGENT, ThreadId};
use parley_sentiment::{Mood, Score};
use rusqlite::{Connection, OptionalExtension, params};

/// The priority a flagged conversation gets at least ("high").
const PRIORITY_FLAGGED: i64 = PRIORITY_URGENT - 1;

/// A message's mood: its text, and its subject when it has one (an email's "URGENT: ..."),
/// whichever is the more upset.
pub(crate) fn score_message(text: &str, subject: Option<&str>) -> Score {
    let body = parley_sentiment::score(text);
    match subject.map(parley_sentiment::score) {
        Some(s) if s.mood.flagged() && s.severity() > body.severity() => s,
        _ => body,
    }
}

/// The flagged messages of a batch, per thread.
#[derive(Default)]
pub(crate) struct Flags {
    by_thread: Vec<(ThreadId, Vec<(Score, Millis)>)>,
}

impl Flags {
    /// A new inbound message with its score (kept when flagged, or happy: a happy message after
    /// the flagged ones clears the flag, the customer is content again).
    pub(crate) fn note(&mut self, thread: ThreadId, score: Score, at: Millis) {
        if !score.mood.flagged() && score.mood != Mood::Happy {
            return;
        }
        match self.by_thread.iter_mut().find(|(t, _)| *t == thread) {
            Some((_, list)) => list.push((score, at)),
            None => self.by_thread.push((thread, vec![(score, at)])),
        }
    }

    /// Flags the conversations whose flagged messages no answer followed, and raises their
    /// priority.
    pub(crate) fn apply(self, conn: &Connection) -> Result<()> {
        if self.by_thread.is_empty() {
            return Ok(());
        }
        let mut answered = conn.prepare_cached(
            "SELECT MAX(sent_at) FROM messages
             WHERE thread_id = ?1 AND direction = 'outbound' AND automated_kind IS NULL",
        )?;
        let mut flag = conn.prepare_cached(
            "UPDATE threads SET
                 mood = CASE WHEN ?3 >= mood_severity THEN ?2 ELSE mood END,
                 mood_severity = max(mood_severity, ?3),
                 mood_level = max(mood_level, ?4),
                 mood_at = max(COALESCE(mood_at, 0), ?5),
                 priority = max(priority, ?6)
             WHERE id = ?1 AND status = 'open'",
        )?;
        let mut calm = conn.prepare_cached(
            "UPDATE threads SET mood = NULL, mood_level = 0, mood_severity = 0, mood_at = NULL
             WHERE id = ?1 AND mood IS NOT NULL AND mood_at < ?2",
        )?;
        for (thread, list) in self.by_thread {
            let last_answer: Option<Millis> = answered
                .query_row([thread.0], |r| r.get(0))
                .optional()?
                .flatten();
            let after = |at: Millis, since: Option<Millis>| since.is_none_or(|s| at > s);
            let happy_at = list
                .iter()
                .filter(|(s, at)| s.mood == Mood::Happy && after(*at, last_answer))
                .map(|(_, at)| *at)
                .max();
            if let Some(happy_at) = happy_at {
                calm.execute(params![thread.0, happy_at])?;
            }
            let unanswered = list.iter().filter(|(s, at)| {
                s.mood.flagged() && after(*at, last_answer) && after(*at, happy_at)
            });
            let Some((worst, _)) = unanswered.clone().max_by_key(|(s, at)| (s.severity(), *at))
            else {
                continue;
            };
            let both = unanswered.clone().any(|(s, _)| s.angry_and_urgent());
            let newest = unanswered.map(|(_, at)| *at).max().unwrap_or_default();
            let kind = match worst.mood {
                Mood::Angry => "angry",
                _ => "urgent",
            };
            flag.execute(params![
                thread.0,
                kind,
                worst.severity(),
                if both { 2 } else { 1 },
                newest,
                if both {
                    PRIORITY_URGENT
                } else {
                    PRIORITY_FLAGGED
                },
            ])?;
        }
        Ok(())
    }
}

/// The queue as spike mode reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Open conversations whose customer waits for an answer (blocked customers' left out).
    pub waiting: i64,
    pub longest_since: Option<Millis>,
    /// Of those, the waits that began at or after the `since` asked.
    pub arrivals: i64,
}

impl Store {
    /// The queue now, and how many of its waits began at or after `arrivals_since`. Each part
    /// costs the same at any size: the count is the Waiting view's (kept by triggers), the
    /// longest wait and the arrivals walk the Waiting view's index from each end (one count over
    /// the whole queue held the store 0.1-0.2 s at 40k waiting conversations).
    pub fn queue_stats(&self, arrivals_since: Millis) -> Result<QueueStats> {
        let waiting: i64 = self
            .conn
            .prepare_cached("SELECT n FROM view_counts WHERE key = 'waiting'")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        const QUEUE: &str = "FROM threads t INDEXED BY threads_waiting
             WHERE t.status = 'open' AND t.waiting_since IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id AND c.blocked)";
        let longest_since: Option<Millis> = self
            .conn
            .prepare_cached(&format!(
                "SELECT t.waiting_since {QUEUE} ORDER BY t.waiting_since, t.id LIMIT 1"
            ))?
            .query_row([], |r| r.get(0))
            .optional()?;
        let arrivals: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT COUNT(*) {QUEUE} AND t.waiting_since >= ?1"
            ))?
            .query_row([arrivals_since], |r| r.get(0))?;
        Ok(QueueStats {
            waiting,
            longest_since,
            arrivals,
        })
    }

    /// How long the `limit` most recent waits answered at or after `since` lasted until the
    /// business's first answer, newest first (milliseconds).
    pub fn recent_response_waits(&self, since: Millis, limit: u32) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT waited_ms FROM response_times WHERE answered_at >= ?1
             ORDER BY answered_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, limit], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::test_support::{account, inbound};
    use parley_domain::{ChannelKind, IngestBatch};

    #[test]
    fn each_inbound_message_keeps_its_score() {
        let mut s = Store::open_in_memory().expect("open");
        let a = account(&mut s, ChannelKind::Telegram, "1");
        let batch = IngestBatch {
            messages: vec![
                inbound("c1", "1", "Thank you so much, perfect!", 1),
                inbound("c1", "2", "no wait, it's broken. Terrible.", 2),
            ],
            ..Default::default()
        };
        s.apply_batch(a, &batch, None, 3).expect("ingest");
        let mut stmt = s
            .conn
            .prepare("SELECT mood, mood_severity FROM messages ORDER BY id")
            .expect("query");
        let stored: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(stored[0], ("happy".to_owned(), 0));
        assert_eq!(stored[1].0, "angry");
        assert!(stored[1].1 > 40, "{stored:?}");
    }
}
