//! Fetch: paced polls of List Messages for each watched number, both directions, from the day
//! before the newest message seen; messages, opt-outs and delivery statuses not seen before.

use super::cursor::{Cursor, Seen};
use super::threads::{is_whatsapp, opt_out_keyword, thread_id_for};
use super::{API, DeliveryUpdate, MAX_PAGES, TwilioChannel, wire};
use crate::http::Effect;
use crate::{ChannelError, Fetched};
use parley_domain::{
    Attachment, Direction, IncomingMessage, IngestBatch, Millis, OptOutChange, RemotePerson,
};
use std::sync::PoisonError;
use std::time::Duration;
use tokio::time::Instant;

impl TwilioChannel {
    /// [`Channel::fetch`](crate::Channel::fetch): new messages, opt-outs and the delivery status
    /// changes of sent messages.
    pub(super) async fn fetch_batch(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<Fetched, ChannelError> {
        let (mut fetched, updates) = self.fetch_with_statuses(cursor, wait).await?;
        fetched.batch.statuses = updates
            .iter()
            .filter_map(DeliveryUpdate::to_domain)
            .collect();
        Ok(fetched)
    }

    /// Every page of one List Messages query.
    pub(super) async fn list_all(
        &self,
        query: Vec<(&str, String)>,
        stop_before: Option<Millis>,
    ) -> Result<Vec<wire::Message>, ChannelError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let v = match &next {
                None => {
                    self.get(
                        &self.account_url("Messages.json"),
                        &query,
                        "the message list",
                    )
                    .await?
                }
                Some(uri) => {
                    self.get(&self.absolute(uri), &[], "the message list")
                        .await?
                }
            };
            let page: wire::MessageList = API.decode(v, "the message list", Effect::Read)?;
            let reached = stop_before.is_some_and(|since| {
                page.messages
                    .last()
                    .and_then(wire::Message::time)
                    .is_some_and(|t| t < since)
            });
            out.extend(page.messages);
            match page.next_page_uri {
                Some(uri) if !reached => next = Some(uri),
                _ => return Ok(out),
            }
        }
        tracing::warn!(
            "twilio: message list longer than {MAX_PAGES} pages; the rest waits for the next poll"
        );
        Ok(out)
    }

    async fn attachments(&self, m: &wire::Message) -> Result<Vec<Attachment>, ChannelError> {
        if m.num_media() == 0 {
            return Ok(Vec::new());
        }
        let url = m
            .subresource_uris
            .as_ref()
            .and_then(|s| s.media.as_deref())
            .map_or_else(
                || self.account_url(&format!("Messages/{}/Media.json", m.sid)),
                |u| self.absolute(u),
            );
        let v = self.get(&url, &[], "the media list").await?;
        let list: wire::MediaList = API.decode(v, "the media list", Effect::Read)?;
        Ok(list
            .media_list
            .iter()
            .map(|x| Attachment {
                kind: wire::attachment_kind(x.content_type.as_deref()),
                remote_ref: Some(format!("{}/{}", m.sid, x.sid)),
                file_name: x
                    .content_type
                    .as_deref()
                    .map(|ct| format!("{}.{}", x.sid, wire::extension(ct))),
                mime_type: x.content_type.clone(),
                size: None,
                description: None,
            })
            .collect())
    }

    async fn poll_once(
        &self,
        mut cur: Cursor,
    ) -> Result<(IngestBatch, Cursor, Vec<DeliveryUpdate>), ChannelError> {
        *self
            .last_poll
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let since = cur.since_day(self.cfg.clock.now(), self.cfg.initial_history);
        let day = wire::day_string(since);
        let mut found: Vec<wire::Message> = Vec::new();
        for number in &self.cfg.numbers {
            for side in ["To", "From"] {
                let query = vec![
                    (side, number.clone()),
                    ("DateSent>", day.clone()),
                    ("PageSize", self.cfg.page_size.to_string()),
                ];
                found.extend(self.list_all(query, None).await?);
            }
        }
        let mut batch = IngestBatch::default();
        let mut updates = Vec::new();
        // Oldest first, so the batch reads in order.
        found.sort_by_key(|m| m.time().unwrap_or(0));
        for m in found {
            let Some(at) = m.time() else {
                tracing::warn!(sid = %m.sid, "twilio: message without a readable date skipped");
                continue;
            };
            let previous = cur.seen.get(&m.sid).cloned();
            if previous.as_ref().is_some_and(|p| p.s == m.status) {
                continue;
            }
            if !m.is_inbound() {
                let updated = m
                    .date_updated
                    .as_deref()
                    .and_then(wire::parse_rfc2822)
                    .unwrap_or(at);
                updates.push(DeliveryUpdate {
                    remote_id: m.sid.clone(),
                    status: m.status.clone(),
                    error_code: m.error_code(),
                    at: updated,
                });
            }
            if previous.is_none() {
                let attachments = self.attachments(&m).await?;
                let msg = incoming(&m, at, attachments);
                let ours = if m.is_inbound() { &m.to } else { &m.from };
                self.routes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(msg.customer.remote_id.clone(), ours.clone());
                // SMS keywords (Twilio's default handling): STOP opts out, START back in.
                if m.is_inbound()
                    && !is_whatsapp(&msg.remote_thread_id)
                    && let Some(opted_out) = m.body.as_deref().and_then(opt_out_keyword)
                {
                    batch.opt_outs.push(OptOutChange {
                        remote_thread_id: msg.remote_thread_id.clone(),
                        opted_out,
                    });
                }
                batch.messages.push(msg);
            }
            cur.newest = Some(cur.newest.map_or(at, |n| n.max(at)));
            cur.seen.insert(
                m.sid.clone(),
                Seen {
                    t: at,
                    s: m.status.clone(),
                },
            );
        }
        cur.prune();
        Ok((batch, cur, updates))
    }

    /// [`Channel::fetch`] with the delivery status changes it noticed. Until `IngestBatch` carries
    /// statuses, the trait's `fetch` drops them.
    pub async fn fetch_with_statuses(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> Result<(Fetched, Vec<DeliveryUpdate>), ChannelError> {
        let start = Cursor::parse(cursor);
        let deadline = Instant::now() + wait;
        loop {
            if !wait.is_zero() {
                // Pace polls instead of answering at once: the sync engine calls again at once.
                let last = *self
                    .last_poll
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(due) = last.map(|l| l + self.cfg.poll_interval)
                    && due > Instant::now()
                {
                    if due >= deadline {
                        tokio::time::sleep_until(deadline).await;
                        return Ok((Fetched::default(), Vec::new()));
                    }
                    tokio::time::sleep_until(due).await;
                }
            }
            let (batch, next, updates) = self.poll_once(start.clone()).await?;
            let moved = next != start;
            if !batch.is_empty()
                || !updates.is_empty()
                || moved
                || wait.is_zero()
                || Instant::now() >= deadline
            {
                return Ok((
                    Fetched {
                        batch,
                        cursor: moved.then(|| next.to_json()),
                        more: false,
                        progress: None,
                    },
                    updates,
                ));
            }
        }
    }
}

/// A listed message as the store takes it (the customer is whoever is not one of our numbers).
pub(super) fn incoming(
    m: &wire::Message,
    at: Millis,
    attachments: Vec<Attachment>,
) -> IncomingMessage {
    let inbound = m.is_inbound();
    let (customer_addr, ours) = if inbound {
        (&m.from, &m.to)
    } else {
        (&m.to, &m.from)
    };
    let person = |addr: &str| RemotePerson {
        remote_id: addr.to_owned(),
        display_name: addr.trim_start_matches("whatsapp:").to_owned(),
        handle: None,
    };
    let customer = person(customer_addr);
    IncomingMessage {
        remote_thread_id: thread_id_for(customer_addr),
        remote_id: m.sid.clone(),
        direction: if inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        sender: if inbound {
            customer.clone()
        } else {
            person(ours)
        },
        customer,
        text: m.body.clone().unwrap_or_default(),
        attachments,
        sent_at: at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    }
}
