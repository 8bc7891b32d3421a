//! Fetch: paced polls, each one walk step over the conversation list (see the module doc of
//! `graph` for the cursor), reading each conversation back to its last known message.

use super::cursor::Cursor;
use super::{API, GraphChannel, GraphPlatform, INSTAGRAM_HISTORY_LIMIT, Me, wire};
use crate::http::Effect;
use crate::{ChannelError, Fetched};
use parley_domain::{
    IncomingMessage, IngestBatch, Millis, RemotePerson, ThreadControlFact, ThreadMeta,
};
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// Calls one fetch may spend before it hands back what it has (`more: true`), so that a large
/// first sync is stored in steps and the cursor moves.
const CALLS_PER_FETCH: usize = 12;

impl GraphChannel {
    /// [`Channel::fetch`](crate::Channel::fetch): while live, polls no faster than the poll
    /// interval.
    pub(super) async fn fetch_paced(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<Fetched, ChannelError> {
        let start = Cursor::parse(cursor);
        let deadline = Instant::now() + wait;
        loop {
            if !wait.is_zero() {
                // Pace polls instead of answering at once: the sync engine calls again at once.
                let interval = Duration::from_millis(self.poll_interval_ms.load(Ordering::Relaxed));
                let last = *self
                    .last_poll
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(due) = last.map(|l| l + interval)
                    && due > Instant::now()
                {
                    if due >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Ok(Fetched::default());
                    }
                    tokio::time::sleep_until(due).await;
                }
            }
            let (batch, next, more) = self.poll_once(start.clone()).await?;
            let moved = next != start;
            if !batch.is_empty() || more || moved || wait.is_zero() || Instant::now() >= deadline {
                return Ok(Fetched {
                    batch,
                    cursor: moved.then(|| next.to_json()),
                    more,
                    progress: None,
                });
            }
        }
    }

    fn conversation_fields(first_sync: bool) -> String {
        // The first sync reads more history inline; later polls only need the newest few.
        let n = if first_sync {
            INSTAGRAM_HISTORY_LIMIT
        } else {
            10
        };
        format!(
            "id,updated_time,participants,is_owner,messages.limit({n}){{id,created_time,from,to,message,attachments}}"
        )
    }

    /// One walk step over the conversation list; returns what it found and the new cursor.
    async fn poll_once(
        &self,
        mut cur: Cursor,
    ) -> Result<(IngestBatch, Cursor, bool), ChannelError> {
        *self
            .last_poll
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let me = self.me().await?;
        let mut batch = IngestBatch::default();
        let mut walk = cur.walk.take().unwrap_or_default();
        let first_sync = cur.mark.is_none();
        let limit = if first_sync { 100 } else { 25 };
        let mut calls = 0;
        loop {
            let mut query = vec![
                ("platform", self.cfg.platform.as_str().to_owned()),
                ("fields", Self::conversation_fields(first_sync)),
                ("limit", limit.to_string()),
            ];
            if let Some(after) = &walk.after {
                query.push(("after", after.clone()));
            }
            let v = self
                .get(
                    &format!("{}/conversations", self.cfg.page_id),
                    &query,
                    "the conversation list",
                )
                .await?;
            calls += 1;
            let page: wire::Page<wire::Conversation> =
                API.decode(v, "the conversation list", Effect::Read)?;
            if walk.after.is_none() {
                walk.mark = page
                    .data
                    .first()
                    .and_then(|c| wire::parse_time(&c.updated_time))
                    .or(cur.mark);
            }
            // Who controls each listed conversation comes with the list: no extra call. Every
            // conversation of the page counts, also those past the mark.
            for conv in &page.data {
                note_control(conv, &mut cur, &mut batch);
            }
            let mut reached_mark = false;
            for conv in &page.data {
                let updated = wire::parse_time(&conv.updated_time).ok_or_else(|| {
                    ChannelError::Malformed(format!(
                        "conversation {} has no readable updated_time",
                        conv.id
                    ))
                })?;
                if cur.mark.is_some_and(|mark| updated < mark) {
                    reached_mark = true;
                    break;
                }
                calls += self
                    .collect(conv, updated, &me, &mut cur, &mut batch)
                    .await?;
            }
            match (reached_mark, page.next(), page.after()) {
                (false, Some(_), Some(after)) => {
                    walk.after = Some(after.to_owned());
                    if calls >= CALLS_PER_FETCH {
                        cur.walk = Some(walk);
                        cur.prune();
                        return Ok((batch, cur, true));
                    }
                }
                _ => {
                    cur.mark = walk.mark.max(cur.mark);
                    cur.prune();
                    return Ok((batch, cur, false));
                }
            }
        }
    }

    /// Reads one conversation newest-first back to the last known message; returns calls spent.
    async fn collect(
        &self,
        conv: &wire::Conversation,
        updated: Millis,
        me: &Me,
        cur: &mut Cursor,
        batch: &mut IngestBatch,
    ) -> Result<usize, ChannelError> {
        let known = cur.known.get(&conv.id).map(|(id, _)| id.clone());
        let Some(inline) = &conv.messages else {
            return Ok(0);
        };
        if inline.data.first().map(|m| &m.id) == known.as_ref() {
            return Ok(0);
        }
        let customer = conv
            .participants
            .as_ref()
            .and_then(|p| p.data.iter().find(|x| !me.ids.contains(&x.id)))
            .map(wire::Participant::person)
            .or_else(|| {
                inline
                    .data
                    .iter()
                    .filter_map(|m| m.from.as_ref())
                    .find(|f| !me.ids.contains(&f.id))
                    .map(wire::Participant::person)
            })
            .unwrap_or_else(|| RemotePerson {
                remote_id: format!("conversation:{}", conv.id),
                display_name: "Unknown customer".into(),
                handle: None,
            });
        let ctx = wire::Context {
            conversation_id: &conv.id,
            customer: &customer,
            self_ids: &me.ids,
            page: &me.person,
        };
        let instagram = self.cfg.platform == GraphPlatform::Instagram;
        let mut found: Vec<IncomingMessage> = Vec::new();
        let mut newest: Option<String> = None;
        let mut hit_known = false;
        let mut seen = 0;
        let mut calls = 0;
        let mut current: Option<wire::Page<wire::Message>> = None;
        loop {
            let page = match current.as_ref() {
                Some(p) => p,
                None => inline,
            };
            for m in &page.data {
                if Some(&m.id) == known.as_ref() {
                    hit_known = true;
                    break;
                }
                seen += 1;
                newest.get_or_insert_with(|| m.id.clone());
                match wire::incoming(m, &ctx) {
                    Some(msg) => found.push(msg),
                    None => {
                        tracing::warn!(message = %m.id, "graph: message without a readable time skipped")
                    }
                }
            }
            if hit_known || (instagram && seen >= INSTAGRAM_HISTORY_LIMIT) {
                break;
            }
            let Some(url) = page.next().map(str::to_owned) else {
                break;
            };
            let v = self.get(&url, &[], "a conversation's messages").await?;
            calls += 1;
            current = Some(API.decode(v, "a conversation's messages", Effect::Read)?);
        }
        if instagram && !hit_known && seen >= INSTAGRAM_HISTORY_LIMIT {
            // Older messages exist (or may) but Meta will not show them: say so, not an error.
            cur.partial.insert(conv.id.clone());
        }
        if let Some(id) = newest {
            cur.known.insert(conv.id.clone(), (id, updated));
        }
        found.reverse();
        batch.messages.extend(found);
        Ok(calls)
    }
}

/// Puts a change of control of a listed conversation into the batch (Meta's `is_owner`).
fn note_control(conv: &wire::Conversation, cur: &mut Cursor, batch: &mut IngestBatch) {
    let Some(is_owner) = conv.is_owner else {
        return;
    };
    let changed = if is_owner {
        cur.elsewhere.remove(&conv.id)
    } else {
        cur.elsewhere.insert(conv.id.clone())
    };
    if changed {
        batch.threads.push(ThreadMeta {
            remote_thread_id: conv.id.clone(),
            control: if is_owner {
                ThreadControlFact::ThisApp
            } else {
                ThreadControlFact::AnotherApp
            },
        });
    }
}
