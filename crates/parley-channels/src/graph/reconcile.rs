//! Reconciliation: whether a reply whose answer was lost is in the conversation.

use super::{API, GraphChannel, GraphPlatform, INSTAGRAM_HISTORY_LIMIT, wire};
use crate::http::Effect;
use crate::{ChannelError, OutgoingMessage, Reconciled, SendReceipt};
use parley_domain::Millis;

/// Reconciliation reads messages created from this long before the reply was queued: Meta's
/// times are whole seconds and its clock is not ours.
const RECONCILE_SKEW_MS: i64 = 120_000;
/// Pages of a conversation's messages reconciliation reads before it gives up (`Unknown`).
const RECONCILE_PAGES: usize = 4;

impl GraphChannel {
    /// Re-reads the conversation's newest messages for a reply whose answer was lost: one from
    /// the Page with the same text, created after the reply was queued, is it. `NotSent` only
    /// when every message since then was read and none matches.
    pub(super) async fn reconcile_inner(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        if !message.attachments.is_empty() {
            // A file's message has no text to match on: the agent decides.
            return Ok(Reconciled::Unknown);
        }
        let me = self.me().await?;
        let since = queued_at.saturating_sub(RECONCILE_SKEW_MS);
        let wanted = normalise_text(&message.text);
        let instagram = self.cfg.platform == GraphPlatform::Instagram;
        let v = self
            .get(
                &format!("{}/messages", message.remote_thread_id),
                &[
                    ("fields", "id,created_time,from,message".into()),
                    ("limit", "25".into()),
                ],
                "a conversation's messages",
            )
            .await?;
        let mut page: wire::Page<wire::Message> =
            API.decode(v, "a conversation's messages", Effect::Read)?;
        let mut found: Option<SendReceipt> = None;
        let mut seen = 0;
        for _ in 0..RECONCILE_PAGES {
            for m in &page.data {
                let Some(at) = wire::parse_time(&m.created_time) else {
                    // A message newer than the reply may be ours: cannot tell.
                    return Ok(Reconciled::Unknown);
                };
                if at < since {
                    // Everything since the reply was queued has been read.
                    return Ok(found.map_or(Reconciled::NotSent, Reconciled::Sent));
                }
                seen += 1;
                let ours = m.from.as_ref().is_some_and(|f| me.ids.contains(&f.id));
                if ours && m.message.as_deref().map(normalise_text) == Some(wanted.clone()) {
                    // Newest first: keep the oldest match, the one closest to the send.
                    found = Some(SendReceipt {
                        remote_id: m.id.clone(),
                        sent_at: at,
                    });
                }
            }
            if instagram && seen >= INSTAGRAM_HISTORY_LIMIT {
                // Meta shows no more: what lies beyond cannot be read.
                return Ok(found.map_or(Reconciled::Unknown, Reconciled::Sent));
            }
            let Some(url) = page.next().map(str::to_owned) else {
                // The start of the conversation: all of it was read.
                return Ok(found.map_or(Reconciled::NotSent, Reconciled::Sent));
            };
            let v = self.get(&url, &[], "a conversation's messages").await?;
            page = API.decode(v, "a conversation's messages", Effect::Read)?;
        }
        Ok(found.map_or(Reconciled::Unknown, Reconciled::Sent))
    }
}

/// Text as Meta may give it back: line endings and outer spaces do not count.
fn normalise_text(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}
