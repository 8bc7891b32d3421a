//! Reconciliation: a reply whose answer was lost is looked for in Twilio's list of what the
//! thread's number sent.

use super::{TwilioChannel, wire};
use crate::{ChannelError, OutgoingMessage, Reconciled, SendReceipt};
use parley_domain::Millis;

/// An outbound message found by [`TwilioChannel::find_sent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMatch {
    pub sid: String,
    pub status: String,
    pub created_at: Millis,
}

impl TwilioChannel {
    pub(super) async fn reconcile_send(
        &self,
        message: &OutgoingMessage,
        queued_at: Millis,
    ) -> Result<Reconciled, ChannelError> {
        // Twilio's dates have second granularity.
        let found = self.find_sent_reply(message, queued_at - 1000).await?;
        Ok(match found.into_iter().last() {
            Some(m) => Reconciled::Sent(SendReceipt {
                remote_id: m.sid,
                sent_at: m.created_at,
            }),
            None => Reconciled::NotSent,
        })
    }

    /// Outbound messages from `from` to `to` created at or after `since` whose body is `body`,
    /// newest first: how an uncertain send is reconciled (a lost answer after the POST). Does not
    /// filter on DateSent, because a message still queued has none.
    pub async fn find_sent(
        &self,
        to: &str,
        from: &str,
        body: &str,
        since: Millis,
    ) -> Result<Vec<SentMatch>, ChannelError> {
        let query = vec![
            ("To", to.to_owned()),
            ("From", from.to_owned()),
            ("PageSize", self.cfg.page_size.to_string()),
        ];
        let all = self.list_all(query, Some(since)).await?;
        Ok(all
            .into_iter()
            .filter(|m| !m.is_inbound() && m.body.as_deref().map(str::trim) == Some(body.trim()))
            .filter_map(|m| {
                let created = m
                    .date_created
                    .as_deref()
                    .and_then(wire::parse_rfc2822)
                    .or_else(|| m.time())?;
                (created >= since).then_some(SentMatch {
                    sid: m.sid,
                    status: m.status,
                    created_at: created,
                })
            })
            .collect())
    }

    /// [`find_sent`](Self::find_sent) for a reply as the outbox holds it.
    pub async fn find_sent_reply(
        &self,
        message: &OutgoingMessage,
        since: Millis,
    ) -> Result<Vec<SentMatch>, ChannelError> {
        let to = Self::recipient(message);
        let from = self.sender_for(&to)?;
        self.find_sent(&to, &from, &message.text, since).await
    }
}
