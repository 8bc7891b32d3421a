//! The agent's actions on replies that wait in the outbox, the offline banner's status and the
//! Drafts view. Each action is one store transaction (refusing moves the outbox state machine
//! does not allow); afterwards the window is told and the account's dispatcher woken.

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use parley_store::{Store, StoreError};

/// The Drafts view lists at most this many (one per thread, newest first).
const DRAFT_LIST_MAX: u32 = 500;

impl Parley {
    /// How many replies wait, are held or uncertain, and whether Parley reaches the providers.
    pub async fn outbox_status(&self) -> Result<OutboxStatus, IpcError> {
        let (waiting, held, uncertain) = self
            .db
            .call(|s| s.outbox_counts())
            .await
            .map_err(errors::store)?;
        let (online, offline_since) = self.connectivity();
        Ok(OutboxStatus {
            online,
            offline_since,
            waiting,
            held,
            uncertain,
        })
    }

    pub(crate) async fn publish_outbox_status(&self) {
        match self.outbox_status().await {
            Ok(status) => {
                let _ = self.events.send(CoreEvent::OutboxChanged { status });
            }
            Err(e) => tracing::warn!("outbox status: {}", e.message),
        }
    }

    /// Every draft, most recently edited first.
    pub async fn list_drafts(&self) -> Result<Vec<DraftView>, IpcError> {
        self.db
            .call(|s| s.draft_list(DRAFT_LIST_MAX))
            .await
            .map_err(errors::store)
    }

    /// Held or failed: send it as it is, waiving the re-checks once.
    pub async fn send_anyway(&self, message: MessageId) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.decide(message, move |s| s.outbox_send_anyway(message, now))
            .await
    }

    /// Changes the text of a reply that has not left (queued, retrying, held or failed).
    pub async fn edit_reply(&self, message: MessageId, text: String) -> Result<(), IpcError> {
        let text = text.trim_end().to_string();
        if text.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "The reply is empty. Discard it instead.",
            ));
        }
        // A file sent as its own message (Telegram, Messenger, Instagram) carries no text.
        let file_only = self
            .db
            .call(move |s| {
                let has_files = !s.message_files(message)?.is_empty();
                let channel = match s.message(message)? {
                    Some(m) => s.thread_target(m.thread_id)?.map(|t| t.channel),
                    None => None,
                };
                Ok(has_files
                    && channel.is_some_and(|c| {
                        matches!(
                            crate::providers::provider(c).attachment_rule(),
                            parley_channels::AttachmentRule::OnePerFile { .. }
                        )
                    }))
            })
            .await
            .map_err(errors::store)?;
        let template = self
            .db
            .call(move |s| {
                Ok(s.outbox_for_message(message)?
                    .is_some_and(|i| i.send_options.template.is_some()))
            })
            .await
            .map_err(errors::store)?;
        if template {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "This message is an approved template; its wording cannot be changed. Discard it and choose the template again.",
            ));
        }
        if file_only {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "This message is a file sent on its own; it has no text to edit. Discard it and attach the file again, or write the text in a new reply.",
            ));
        }
        let now = self.clock.now();
        self.decide(message, move |s| s.outbox_edit(message, &text, now))
            .await
    }

    /// Cancels a reply that has not (knowingly) left.
    pub async fn discard_reply(&self, message: MessageId) -> Result<(), IpcError> {
        let files = self
            .db
            .call(move |s| s.message_files(message))
            .await
            .map_err(errors::store)?;
        self.decide(message, move |s| s.outbox_discard(message))
            .await?;
        // The reply is gone, and with it the only use of its files.
        for f in files {
            self.delete_outgoing(&f.key).await;
        }
        Ok(())
    }

    /// Uncertain: the agent checked and the customer has it.
    pub async fn mark_reply_sent(&self, message: MessageId) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.decide(message, move |s| s.outbox_mark_sent(message, now))
            .await
    }

    /// Uncertain: the agent chose to send it again. The only path that resends such a reply.
    pub async fn send_reply_again(&self, message: MessageId) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.decide(message, move |s| s.outbox_send_again(message, now))
            .await
    }

    async fn decide<F>(&self, message: MessageId, action: F) -> Result<(), IpcError>
    where
        F: FnOnce(&mut Store) -> Result<ThreadId, StoreError> + Send + 'static,
    {
        let (thread, account) = self
            .db
            .call(move |s| {
                let account = s
                    .outbox_for_message(message)?
                    .map(|item| item.account_id)
                    .ok_or(StoreError::NotFound("reply waiting to be sent"))?;
                Ok((action(s)?, account))
            })
            .await
            .map_err(decision_error)?;
        self.wake_outbox(account);
        let _ = self
            .events
            .send(CoreEvent::MessagesChanged { thread_id: thread });
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: vec![thread],
        });
        self.publish_outbox_status().await;
        Ok(())
    }
}

/// A refused move means the reply moved on while the agent looked (it is being sent, or was):
/// say so in words rather than as a database failure.
fn decision_error(e: StoreError) -> IpcError {
    match e {
        // The customer's opt-out: "Send anyway" cannot waive it, and the words say why.
        StoreError::Invalid(why) if why == parley_store::OPTED_OUT_REFUSAL => {
            IpcError::new(ErrorCode::InvalidInput, why)
        }
        StoreError::Invalid(_) => IpcError::new(
            ErrorCode::InvalidInput,
            "This reply has moved on (it is being sent or was sent) and can no longer be changed.",
        ),
        other => errors::store(other),
    }
}
