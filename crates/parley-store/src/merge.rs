//! Joining email threads that a newest-first sync split.
//!
//! The first sync reads mail newest first, so a reply can be stored before the mail it answers
//! (the parent is on an older page, or comes later from Sent). The store then files the reply in
//! a thread of its own. To join them when the parent arrives, every stored email remembers the
//! parents it named that the account did not hold yet (`message_parents`: parent Message-ID →
//! the thread that references it). When a message whose remote id is such a parent is stored,
//! the threads waiting for it are merged into the thread it landed in, in the batch's own
//! transaction: their messages and everything else that points at a thread move over (drafts
//! are joined, never dropped), the emptied thread is deleted and the survivor's summary is
//! recomputed. Only email threads are merged: other channels' thread ids come from the provider.

use crate::error::Result;
use crate::threads::refresh_thread_head;
use crate::types::{IngestOutcome, ThreadMerge};
use parley_domain::{AccountId, ChannelKind, IngestBatch, ThreadId};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// The settings key of the notification preferences (muted threads move with a merge).
pub const NOTIFICATION_PREFS_KEY: &str = "notifications";

/// Records the unresolved parents of the messages this batch stored and merges the threads
/// that were waiting for one of them. Runs inside `apply_batch`'s transaction, after the
/// messages and their thread summaries are written; rewrites `outcome` so it names only
/// surviving threads and lists what was merged.
///
/// Three set queries per batch (the stored rows, the threads waiting for them, their parents)
/// instead of lookups per message: a first sync stores tens of thousands of mails and merges a
/// handful of threads.
pub(crate) fn join_split_threads(
    conn: &Connection,
    account: AccountId,
    batch: &IngestBatch,
    outcome: &mut IngestOutcome,
) -> Result<()> {
    if outcome.new_messages.is_empty() {
        return Ok(());
    }
    let channel: Option<String> = conn
        .prepare_cached("SELECT channel FROM accounts WHERE id = ?1")?
        .query_row([account.0], |r| r.get(0))
        .optional()?;
    if channel.as_deref() != Some(ChannelKind::Email.as_str()) {
        return Ok(());
    }
    let parents_of: HashMap<&str, &[String]> = batch
        .reply_parents
        .iter()
        .map(|r| (r.remote_id.as_str(), r.parents.as_slice()))
        .collect();

    // The stored messages, in the order they were stored, with their remote id and thread.
    let ids: Vec<i64> = outcome
        .new_messages
        .iter()
        .map(|m| m.message_id.0)
        .collect();
    let mut stored: HashMap<i64, (String, ThreadId)> = HashMap::with_capacity(ids.len());
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, remote_id, thread_id FROM messages
             WHERE id IN (SELECT value FROM json_each(?1)) AND remote_id IS NOT NULL",
        )?;
        let mut rows = stmt.query([serde_json::json!(ids).to_string()])?;
        while let Some(r) = rows.next()? {
            stored.insert(r.get(0)?, (r.get(1)?, ThreadId(r.get(2)?)));
        }
    }
    let remote_ids: Vec<&str> = stored.values().map(|(r, _)| r.as_str()).collect();
    // Threads that were waiting for one of them.
    let mut waiting: HashMap<String, Vec<ThreadId>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT parent_remote_id, thread_id FROM message_parents
             WHERE account_id = ?1 AND parent_remote_id IN (SELECT value FROM json_each(?2))",
        )?;
        let mut rows = stmt.query(params![
            account.0,
            serde_json::json!(remote_ids).to_string()
        ])?;
        while let Some(r) = rows.next()? {
            waiting
                .entry(r.get(0)?)
                .or_default()
                .push(ThreadId(r.get(1)?));
        }
    }
    // Where their parents are stored (this batch's rows included).
    let mut parent_threads: HashMap<String, ThreadId> = HashMap::new();
    {
        let parents: Vec<&str> = remote_ids
            .iter()
            .filter_map(|r| parents_of.get(r))
            .flat_map(|p| p.iter().map(String::as_str))
            .collect();
        if !parents.is_empty() {
            let mut stmt = conn.prepare_cached(
                "SELECT remote_id, thread_id FROM messages
                 WHERE account_id = ?1 AND remote_id IN (SELECT value FROM json_each(?2))",
            )?;
            let mut rows =
                stmt.query(params![account.0, serde_json::json!(parents).to_string()])?;
            while let Some(r) = rows.next()? {
                parent_threads.insert(r.get(0)?, ThreadId(r.get(1)?));
            }
        }
    }

    let mut merges: Vec<ThreadMerge> = Vec::new();
    // Where a merged thread went (followed to the end: a survivor may be merged again).
    let survivor = |merges: &[ThreadMerge], mut t: ThreadId| {
        while let Some(m) = merges.iter().find(|m| m.from == t) {
            t = m.into;
        }
        t
    };
    for id in ids {
        let Some((remote_id, thread)) = stored.get(&id) else {
            continue;
        };
        let mut thread = survivor(&merges, *thread);
        // Its parents, nearest first: the first one stored is where it belongs (it was filed
        // there unless that parent came later in this same batch); the ones before it are not
        // stored yet and are remembered, so their arrival joins this thread to theirs.
        if let Some(parents) = parents_of.get(remote_id.as_str()) {
            for parent in parents.iter() {
                match parent_threads.get(parent) {
                    Some(t) => {
                        let t = survivor(&merges, *t);
                        if t != thread {
                            merge_threads(conn, thread, t)?;
                            merges.push(ThreadMerge {
                                from: thread,
                                into: t,
                            });
                            thread = t;
                        }
                        break;
                    }
                    None => {
                        conn.prepare_cached(
                            "INSERT OR IGNORE INTO message_parents
                                 (account_id, parent_remote_id, thread_id) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![account.0, parent, thread.0])?;
                    }
                }
            }
        }
        // Threads that were waiting for this message join the thread it is in.
        if let Some(children) = waiting.get(remote_id.as_str()) {
            conn.prepare_cached(
                "DELETE FROM message_parents WHERE account_id = ?1 AND parent_remote_id = ?2",
            )?
            .execute(params![account.0, remote_id])?;
            for child in children {
                let child = survivor(&merges, *child);
                if child != thread && thread_exists(conn, child)? {
                    merge_threads(conn, child, thread)?;
                    merges.push(ThreadMerge {
                        from: child,
                        into: thread,
                    });
                }
            }
        }
    }
    if merges.is_empty() {
        return Ok(());
    }
    let resolved: Vec<ThreadMerge> = merges
        .iter()
        .map(|m| ThreadMerge {
            from: m.from,
            into: survivor(&merges, m.from),
        })
        .collect();
    for m in &mut outcome.new_messages {
        m.thread_id = survivor(&merges, m.thread_id);
    }
    let mut changed: Vec<ThreadId> = Vec::with_capacity(outcome.changed_threads.len());
    for t in outcome
        .changed_threads
        .iter()
        .copied()
        .chain(resolved.iter().map(|m| m.into))
    {
        let t = survivor(&merges, t);
        if !changed.contains(&t) {
            changed.push(t);
        }
    }
    outcome.changed_threads = changed;
    outcome.merged_threads.extend(resolved);
    Ok(())
}

fn thread_exists(conn: &Connection, thread: ThreadId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM threads WHERE id = ?1")?
        .query_row([thread.0], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Moves everything of thread `from` into thread `into` and deletes `from`. Every table with a
/// `thread_id` column is moved: the ones that need more than an update are named here; any
/// other (a later migration's) is moved with a plain update, which fails the batch rather than
/// lose a row should it ever collide.
pub(crate) fn merge_threads(conn: &Connection, from: ThreadId, into: ThreadId) -> Result<()> {
    // A reply waiting in either thread has not "seen" the other's messages by its watermark,
    // yet every message stored before the reply was queued (a smaller id than the reply's own
    // message) was there for the agent to read: count those as seen, so the merge alone does
    // not hold the reply as "the customer wrote again". Messages stored after it still do.
    conn.prepare_cached(
        "UPDATE outbox SET seen_upto = max(seen_upto, COALESCE(
             (SELECT MAX(m.id) FROM messages m
              WHERE m.thread_id = CASE outbox.thread_id WHEN ?1 THEN ?2 ELSE ?1 END
                AND m.direction = 'inbound' AND m.id < outbox.message_id), 0))
         WHERE thread_id IN (?1, ?2)",
    )?
    .execute(params![from.0, into.0])?;
    let tables: Vec<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND p.name = 'thread_id' ORDER BY m.name",
        )?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for table in &tables {
        match table.as_str() {
            // Both drafts kept: the surviving thread's text, a blank line, the other's.
            "drafts" => {
                conn.prepare_cached(
                    "INSERT INTO drafts (thread_id, body, updated_at)
                     SELECT ?2, body, updated_at FROM drafts WHERE thread_id = ?1
                     ON CONFLICT (thread_id) DO UPDATE SET
                         body = CASE WHEN drafts.body = excluded.body THEN drafts.body
                                     ELSE drafts.body || char(10) || char(10) || excluded.body END,
                         updated_at = max(drafts.updated_at, excluded.updated_at)",
                )?
                .execute(params![from.0, into.0])?;
                conn.prepare_cached("DELETE FROM drafts WHERE thread_id = ?1")?
                    .execute([from.0])?;
            }
            // Media links kept with a draft, keyed by position: the moved ones go after.
            "draft_media_links" => {
                let offset: i64 = conn.query_row(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM draft_media_links
                     WHERE thread_id = ?1",
                    [into.0],
                    |r| r.get(0),
                )?;
                conn.execute(
                    "UPDATE draft_media_links SET thread_id = ?2, position = position + ?3
                     WHERE thread_id = ?1",
                    params![from.0, into.0, offset],
                )?;
            }
            // Sets: a row both threads hold is kept once.
            "thread_labels" | "message_parents" => {
                conn.execute(
                    &format!("UPDATE OR IGNORE {table} SET thread_id = ?2 WHERE thread_id = ?1"),
                    params![from.0, into.0],
                )?;
                conn.execute(
                    &format!("DELETE FROM {table} WHERE thread_id = ?1"),
                    [from.0],
                )?;
            }
            // Messages, outbox items (their ids keep the written order across both threads, which
            // is how `due_outbox` orders a thread's replies), staged files, and anything later.
            _ => {
                conn.execute(
                    &format!(
                        "UPDATE {} SET thread_id = ?2 WHERE thread_id = ?1",
                        quote_ident(table)
                    ),
                    params![from.0, into.0],
                )?;
            }
        }
    }
    // The survivor's summary: unread counts add up, open wins over any other status, the newest
    // activity and its snippet, the higher priority, a known owner.
    conn.prepare_cached(
        "UPDATE threads SET
             unread_count = threads.unread_count + f.unread_count,
             status = CASE WHEN f.status = 'open' THEN 'open' ELSE threads.status END,
             priority = max(threads.priority, f.priority),
             last_activity_at = max(threads.last_activity_at, f.last_activity_at),
             owner_app_id = CASE WHEN threads.owner IS NULL THEN f.owner_app_id
                                 ELSE threads.owner_app_id END,
             owner = COALESCE(threads.owner, f.owner)
         FROM (SELECT unread_count, status, priority, last_activity_at, owner, owner_app_id
               FROM threads WHERE id = ?1) AS f
         WHERE threads.id = ?2",
    )?
    .execute(params![from.0, into.0])?;
    refresh_thread_head(conn, into)?;
    move_mute(conn, from, into)?;
    conn.prepare_cached("DELETE FROM threads WHERE id = ?1")?
        .execute([from.0])?;
    tracing::debug!(from = from.0, into = into.0, "merged split email thread");
    Ok(())
}

/// A muted thread's mute goes to the thread it was merged into (the agent muted that
/// conversation), in the notification preferences stored by the core.
fn move_mute(conn: &Connection, from: ThreadId, into: ThreadId) -> Result<()> {
    let json: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([NOTIFICATION_PREFS_KEY], |r| r.get(0))
        .optional()?;
    let Some(json) = json else { return Ok(()) };
    let Ok(mut prefs) = serde_json::from_str::<serde_json::Value>(&json) else {
        return Ok(());
    };
    let Some(muted) = prefs
        .get_mut("mutedThreads")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return Ok(());
    };
    if !muted.iter().any(|v| v.as_i64() == Some(from.0)) {
        return Ok(());
    }
    let mut ids: Vec<i64> = muted
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .filter(|t| *t != from.0)
        .collect();
    if !ids.contains(&into.0) {
        ids.push(into.0);
    }
    ids.sort_unstable();
    *muted = ids.into_iter().map(serde_json::Value::from).collect();
    conn.prepare_cached("UPDATE settings SET value = ?2 WHERE key = ?1")?
        .execute(params![NOTIFICATION_PREFS_KEY, prefs.to_string()])?;
    Ok(())
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use crate::Store;

    /// The batch's set queries look rows up by key; a scan of `messages` or `message_parents`
    /// per batch would make a first sync quadratic.
    #[test]
    fn set_queries_use_their_indexes() {
        let s = Store::open_in_memory().expect("open");
        for (sql, index) in [
            (
                "SELECT parent_remote_id, thread_id FROM message_parents
                 WHERE account_id = 1 AND parent_remote_id IN (SELECT value FROM json_each('[]'))",
                "PRIMARY KEY",
            ),
            (
                "SELECT remote_id, thread_id FROM messages
                 WHERE account_id = 1 AND remote_id IN (SELECT value FROM json_each('[]'))",
                "sqlite_autoindex_messages_1",
            ),
            (
                "SELECT id, remote_id, thread_id FROM messages
                 WHERE id IN (SELECT value FROM json_each('[]')) AND remote_id IS NOT NULL",
                "INTEGER PRIMARY KEY",
            ),
        ] {
            let plan = crate::test_support::query_plan(&s, sql, []);
            assert!(plan.contains(index), "{sql}: {plan}");
            assert!(!plan.contains("SCAN messages"), "{sql}: {plan}");
            assert!(!plan.contains("SCAN message_parents"), "{sql}: {plan}");
        }
    }
}
