//! The whole dialogue with a customer (issue 14): one page of every message of the contact, on
//! every channel, and the channels a reply can go out on, each with its thread's reply window.
//! Store: `parley-store/src/timeline.rs` (order, paging, which thread a channel replies into).
//!
//! Replying from the dialogue is not a path of its own: the window sends into the chosen
//! channel's thread with `send_reply` (and its draft, files and templates), so the outbox's
//! checks are that thread's. The reply window shown for each channel is the one its thread's
//! composer shows: the provider's `thread_extras`, read in the same store call.

use crate::errors;
use crate::facade::Parley;
use crate::providers;
use parley_domain::*;

/// The most messages one page of the dialogue returns.
const TIMELINE_PAGE_MAX: u32 = 200;

impl Parley {
    /// One page of the contact's whole dialogue: the newest `limit` messages before `before`
    /// (the newest of all: `None`), oldest first, with the reply channels.
    pub async fn contact_timeline(
        &self,
        contact: ContactId,
        before: Option<PageCursor>,
        limit: u32,
    ) -> Result<ContactTimelinePage, IpcError> {
        let limit = limit.clamp(1, TIMELINE_PAGE_MAX);
        let now = self.clock.now();
        self.db
            .call(move |s| {
                if !s.contact_exists(contact)? {
                    return Ok(None);
                }
                let page = s.contact_timeline(contact, before, limit)?;
                let mut channels = Vec::new();
                for c in s.contact_reply_channels(contact)? {
                    let Some(target) = s.thread_target(c.thread_id)? else {
                        continue;
                    };
                    let (reply_window, _) =
                        providers::provider(target.channel).thread_extras(s, &target, now)?;
                    channels.push(ReplyChannel {
                        identity_id: c.identity_id,
                        channel: c.channel,
                        account_id: c.account_id,
                        account_name: c.account_name,
                        thread_id: c.thread_id,
                        last_inbound_at: c.last_inbound.map(|(at, _)| at),
                        reply_window,
                    });
                }
                Ok(Some(ContactTimelinePage {
                    contact_id: contact,
                    items: page.items,
                    older: page.older,
                    default_thread: channels.first().map(|c| c.thread_id),
                    channels,
                }))
            })
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("customer"))
    }
}
