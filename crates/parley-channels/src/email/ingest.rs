//! From fetched mail to the store's batch: identity, threading (the in-memory thread index and
//! each mail's parents), direction, attachments' references and the HTML kept (**Identity** in
//! the `email` module doc).

use super::download::PartRef;
use super::sync::{Elsewhere, RawMessage};
use super::{
    EmailAddress, EmailChannel, ParsedEmail, normalise_subject, now_millis, parse_message,
};
use parley_domain::{
    Attachment, Direction, IncomingMessage, IngestBatch, MessageWarning, Millis,
    OWN_ADDRESS_IN_INBOX, RemotePerson, SenderOffset, ServerLocation,
};
use std::collections::{HashMap, HashSet};
use std::sync::PoisonError;

/// The in-memory thread index is cleared beyond this many messages (a restart clears it too);
/// messages carrying References thread correctly without it.
const INDEX_CAP: usize = 200_000;

/// What the channel remembers about a message for threading and for replying.
#[derive(Debug, Clone)]
pub(super) struct MsgInfo {
    root: String,
    pub(super) subject: String,
    pub(super) references: Vec<String>,
    sent_at: Millis,
}

#[derive(Debug, Default)]
pub(super) struct ThreadIndex {
    pub(super) msgs: HashMap<String, MsgInfo>,
    /// (customer address, normalised subject) → root.
    by_subject: HashMap<(String, String), String>,
    /// root → newest message id in the thread.
    pub(super) latest: HashMap<String, (Millis, String)>,
}

impl ThreadIndex {
    fn remember(&mut self, id: &str, info: MsgInfo, customer: &str) {
        if self.msgs.len() >= INDEX_CAP {
            *self = ThreadIndex::default();
        }
        let (norm, _) = normalise_subject(&info.subject);
        if !norm.is_empty() {
            self.by_subject
                .entry((customer.to_string(), norm))
                .or_insert_with(|| info.root.clone());
        }
        let newer = self
            .latest
            .get(&info.root)
            .is_none_or(|(at, _)| *at <= info.sent_at);
        if newer {
            self.latest
                .insert(info.root.clone(), (info.sent_at, id.to_string()));
        }
        self.msgs.insert(id.to_string(), info);
    }
}

impl EmailChannel {
    /// Parses, threads and maps a page of raw messages.
    pub(super) fn to_batch(&self, raws: Vec<RawMessage>, elsewhere: Elsewhere) -> IngestBatch {
        let mut parsed: Vec<(RawMessage, ParsedEmail)> = raws
            .into_iter()
            .map(|mut r| {
                let mut p = parse_message(&r.body);
                if let Some(listed) = r.structure.take() {
                    p.attachments = listed;
                }
                (r, p)
            })
            .collect();
        let me = self.config.address.clone();
        // Oldest first, so a parent seen in the same page is threaded before its replies; of
        // two copies of one mail, the one in Sent first (it is the business's own).
        parsed.sort_by_key(|(r, p)| (sent_at(p, r), in_inbox(r)));
        let mut index = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        let mut seen = HashSet::new();
        let mut messages = Vec::with_capacity(parsed.len());
        let mut html_bodies = Vec::new();
        let mut reply_parents = Vec::new();
        let mut read_elsewhere = elsewhere.seen;
        let mut server_locations = Vec::with_capacity(parsed.len());
        let mut warnings = Vec::new();
        let mut sender_offsets = Vec::new();
        for (raw, p) in parsed {
            server_locations.push(ServerLocation {
                remote_id: p.remote_id.clone(),
                mailbox: raw.mailbox.clone(),
                uidvalidity: raw.uidvalidity,
                uid: raw.uid,
            });
            if !seen.insert(p.remote_id.clone()) {
                continue;
            }
            let incoming = self.to_incoming(&raw, &p, &me, &mut index);
            if incoming.direction == Direction::Inbound
                && p.from.as_ref().is_some_and(|f| f.address == me)
            {
                warnings.push(MessageWarning {
                    remote_id: p.remote_id.clone(),
                    text: OWN_ADDRESS_IN_INBOX.to_owned(),
                });
            }
            if incoming.direction == Direction::Inbound
                && let Some(minutes) = p.date_offset_minutes
            {
                sender_offsets.push(SenderOffset {
                    remote_id: p.remote_id.clone(),
                    minutes,
                });
            }
            messages.push(incoming);
            html_bodies.extend(html_body(&p));
            reply_parents.extend(reply_parents_of(&p));
            if raw.seen
                && messages
                    .last()
                    .is_some_and(|m| m.direction == Direction::Inbound)
            {
                read_elsewhere.push(p.remote_id.clone());
            }
        }
        IngestBatch {
            // Message-IDs are written by the sending client: anyone can reuse one.
            ids_chosen_by_sender: true,
            messages,
            edits: Vec::new(),
            html_bodies,
            reply_parents,
            read_elsewhere,
            server_locations,
            vanished: elsewhere.vanished,
            warnings,
            sender_offsets,
            ..Default::default()
        }
    }

    fn to_incoming(
        &self,
        raw: &RawMessage,
        p: &ParsedEmail,
        me: &str,
        index: &mut ThreadIndex,
    ) -> IncomingMessage {
        // Direction comes from where the mail was found, not from its From header (anyone can
        // write the shop's address there): Sent holds the business's mail, INBOX the world's.
        let from_me = !in_inbox(raw);
        let claims_me = p.from.as_ref().is_some_and(|f| f.address == me);
        let direction = if from_me {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let other_party = || {
            p.to.iter()
                .chain(p.cc.iter())
                .find(|a| a.address != me)
                .cloned()
        };
        let customer_addr = if from_me {
            other_party()
        } else if claims_me {
            // In INBOX under the shop's own name: the conversation is with whoever it went to
            // (a copy to itself goes with its customer), else with the sender it claims.
            other_party().or_else(|| p.from.clone())
        } else {
            p.from.clone()
        };
        let customer = person(customer_addr.as_ref());
        let sender = if from_me {
            RemotePerson {
                remote_id: me.to_string(),
                display_name: self
                    .config
                    .display_name
                    .clone()
                    .or_else(|| p.from.as_ref().and_then(|f| f.name.clone()))
                    .unwrap_or_else(|| me.to_string()),
                handle: None,
            }
        } else {
            person(p.from.as_ref())
        };

        let (norm_subject, is_reply) = normalise_subject(&p.subject);
        let root = if let Some(first) = p.references.first() {
            index
                .msgs
                .get(first)
                .map_or_else(|| first.clone(), |i| i.root.clone())
        } else if let Some(parent) = p.in_reply_to.first() {
            index
                .msgs
                .get(parent)
                .map_or_else(|| parent.clone(), |i| i.root.clone())
        } else if is_reply
            && let Some(root) = index
                .by_subject
                .get(&(customer.remote_id.clone(), norm_subject))
        {
            root.clone()
        } else {
            p.remote_id.clone()
        };
        let at = sent_at(p, raw);
        index.remember(
            &p.remote_id,
            MsgInfo {
                root: root.clone(),
                subject: p.subject.clone(),
                references: p.references.clone(),
                sent_at: at,
            },
            &customer.remote_id,
        );

        let attachments = p
            .attachments
            .iter()
            .map(|a| Attachment {
                kind: a.kind,
                remote_ref: serde_json::to_string(&PartRef {
                    m: raw.mailbox.clone(),
                    v: raw.uidvalidity,
                    u: raw.uid,
                    p: a.index,
                    id: p.message_id.clone(),
                    s: a.section.clone(),
                    n: a.exact_size.then_some(a.size as u64),
                })
                .ok(),
                file_name: a.file_name.clone(),
                mime_type: Some(a.mime_type.clone()),
                size: i64::try_from(a.size).ok(),
                description: None,
            })
            .collect();
        let mut text = p.text.clone();
        if text.is_empty() && !p.subject.is_empty() {
            // A mail with only attachments still says something in the list.
            text = p.subject.clone();
        }
        IncomingMessage {
            remote_thread_id: root,
            remote_id: p.remote_id.clone(),
            direction,
            sender,
            customer,
            text,
            attachments,
            sent_at: at,
            reply_to_remote_id: p.in_reply_to.first().cloned(),
            subject: Some(p.subject.clone()).filter(|s| !s.trim().is_empty()),
            quoted_text: p.quoted.clone().filter(|q| !q.trim().is_empty()),
        }
    }
}

/// Whether a mail was found in INBOX (else in Sent, the only other mailbox synced).
fn in_inbox(raw: &RawMessage) -> bool {
    raw.mailbox.eq_ignore_ascii_case("INBOX")
}

/// The messages a mail answers, nearest first: In-Reply-To, then References from the newest
/// back (the store threads the mail with the first one it holds, so this survives restarts).
fn reply_parents_of(p: &ParsedEmail) -> Option<parley_domain::ReplyParents> {
    /// Enough to reach a stored ancestor; References can list a whole long conversation.
    const MAX_PARENTS: usize = 20;
    let mut parents: Vec<String> = Vec::new();
    for id in p.in_reply_to.iter().chain(p.references.iter().rev()) {
        if parents.len() == MAX_PARENTS {
            break;
        }
        if *id != p.remote_id && !parents.contains(id) {
            parents.push(id.clone());
        }
    }
    (!parents.is_empty()).then(|| parley_domain::ReplyParents {
        remote_id: p.remote_id.clone(),
        parents,
    })
}

/// What is kept of a message's HTML for the conversation view (stored at sync time so it shows
/// offline); `None` without HTML or when it is too large to keep (its text rendition shows).
pub fn html_body(p: &ParsedEmail) -> Option<parley_domain::HtmlBody> {
    let html = p.html.as_ref().filter(|h| h.len() <= MAX_HTML_BYTES)?;
    Some(parley_domain::HtmlBody {
        remote_id: p.remote_id.clone(),
        html: html.clone(),
        remote_images: p.remote_images.clone(),
        inline_parts: p
            .attachments
            .iter()
            .filter_map(|a| Some((a.content_id.clone()?, a.index)))
            .collect(),
    })
}

/// Sanitised HTML larger than this is not stored (a newsletter of many megabytes); the text shows.
pub const MAX_HTML_BYTES: usize = 1024 * 1024;

fn person(addr: Option<&EmailAddress>) -> RemotePerson {
    match addr {
        Some(a) => RemotePerson {
            remote_id: a.address.clone(),
            display_name: a.name.clone().unwrap_or_else(|| a.address.clone()),
            handle: None,
        },
        None => RemotePerson {
            remote_id: "unknown".into(),
            display_name: "Unknown sender".into(),
            handle: None,
        },
    }
}

/// The Date header when it is plausible, else the server's arrival time.
fn sent_at(p: &ParsedEmail, raw: &RawMessage) -> Millis {
    let now = now_millis();
    match p.date {
        Some(d) if d > 0 && d < now + 24 * 3600 * 1000 => d,
        _ => raw.internal_date.unwrap_or(now),
    }
}
