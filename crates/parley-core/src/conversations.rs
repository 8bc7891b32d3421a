//! Threads, messages, drafts, replies, search and attachments: what the inbox and the
//! conversation view ask for.

use crate::errors;
use crate::facade::Parley;
use crate::files::safe_file_name;
use crate::providers;
use parley_domain::*;
use std::path::PathBuf;

/// The most threads one page of the list returns.
const THREAD_PAGE_MAX: u32 = 200;
/// Messages loaded with a thread when it opens.
const MESSAGE_PAGE: u32 = 80;

impl Parley {
    /// The name an agent's reply is shown under: the account's name at the provider.
    pub(crate) async fn author_name(&self, account: AccountId) -> Result<String, IpcError> {
        Ok(self
            .db
            .call(move |s| s.account(account))
            .await
            .map_err(errors::store)?
            .map(|a| a.name)
            .unwrap_or_else(|| "You".into()))
    }

    pub async fn list_threads(
        &self,
        cursor: Option<PageCursor>,
        limit: u32,
    ) -> Result<ThreadPage, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.list_threads(cursor, limit))
            .await
            .map_err(errors::store)
    }

    /// Opens a thread: its newest messages, its draft, and marks it read.
    pub async fn open_thread(&self, thread: ThreadId) -> Result<ThreadDetail, IpcError> {
        let now = self.clock.now();
        let (changed, detail) = self
            .db
            .call(move |s| {
                let changed = s.mark_read(thread)?;
                let summary = s.thread(thread)?;
                let messages = s.messages(thread, None, MESSAGE_PAGE)?;
                let draft = s.draft(thread)?;
                let extras = match s.thread_target(thread)? {
                    Some(target) => {
                        providers::provider(target.channel).thread_extras(s, &target, now)?
                    }
                    None => (ComposerWindow::Always, None),
                };
                let events = s.thread_events(thread)?;
                Ok((
                    changed,
                    summary.map(|t| (t, messages, draft, extras, events)),
                ))
            })
            .await
            .map_err(errors::store)?;
        let (thread_summary, messages, draft, (reply_window, history_note), events) =
            detail.ok_or_else(|| errors::not_found("conversation"))?;
        self.focus(Some(thread_summary.account_id));
        providers::provider(thread_summary.channel).thread_opened(self, thread);
        self.notify.seen(thread);
        if changed {
            let _ = self.events.send(CoreEvent::ThreadsChanged {
                thread_ids: vec![thread],
            });
        }
        Ok(ThreadDetail {
            thread: thread_summary,
            messages,
            draft,
            reply_window,
            history_note,
            events,
        })
    }

    pub async fn older_messages(
        &self,
        thread: ThreadId,
        before: PageCursor,
        limit: u32,
    ) -> Result<MessagePage, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.messages(thread, Some(before), limit))
            .await
            .map_err(errors::store)
    }

    pub async fn save_draft(&self, thread: ThreadId, text: String) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.save_draft(thread, &text, now))
            .await
            .map_err(errors::store)
    }

    /// Queues a reply; the account's dispatcher sends it. Returns the local echo.
    pub async fn send_reply(
        &self,
        thread: ThreadId,
        text: String,
    ) -> Result<MessageView, IpcError> {
        let text = text.trim_end().to_string();
        let (target, staged) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.staged_files(thread)?.len())))
            .await
            .map_err(errors::store)?;
        if text.trim().is_empty() && staged == 0 {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "The reply is empty.",
            ));
        }
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        // Files go as the channel carries them (split into one item per file where each is its
        // own provider send); a channel that cannot carry them refuses the reply with them.
        let rule = crate::providers::provider(target.channel).attachment_rule();
        let split = crate::attachments::split_of(rule);
        if staged > 0
            && let parley_channels::AttachmentRule::Unsupported { reason } = rule
        {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!(
                    "This conversation cannot carry files: {reason} Remove the attached files to send the text."
                ),
            ));
        }
        providers::provider(target.channel).check_reply(&text)?;
        let account = target.account_id;
        let author = self.author_name(account).await?;
        let now = self.clock.now();
        let mut queued = self
            .db
            .call(move |s| match split {
                Some(split) => s.queue_reply_with_files(thread, &text, &author, split, now),
                None => s.queue_reply(thread, &text, &author, now).map(|q| vec![q]),
            })
            .await
            .map_err(errors::store)?;
        if queued.len() > 1 {
            let _ = self
                .events
                .send(CoreEvent::MessagesChanged { thread_id: thread });
        }
        let queued = queued.remove(0);
        self.wake_outbox(account);
        self.notify.replied(thread);
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: vec![thread],
        });
        self.publish_outbox_status().await;
        Ok(queued.message)
    }

    pub async fn search(&self, query: String, limit: u32) -> Result<Vec<SearchHit>, IpcError> {
        let limit = limit.clamp(1, THREAD_PAGE_MAX);
        self.db
            .call(move |s| s.search(&query, limit))
            .await
            .map_err(errors::store)
    }

    /// Downloads an attachment (once) into the data folder and returns where it is.
    pub async fn fetch_attachment(
        &self,
        message: MessageId,
        index: usize,
    ) -> Result<PathBuf, IpcError> {
        let msg = self
            .db
            .call(move |s| s.message_ref(message))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("message"))?;
        let attachment = msg
            .attachments
            .get(index)
            .cloned()
            .ok_or_else(|| errors::not_found("attachment"))?;
        let remote_ref = attachment.remote_ref.clone().ok_or_else(|| {
            IpcError::new(
                ErrorCode::InvalidInput,
                "This attachment has no file to open.",
            )
        })?;
        if remote_ref.starts_with(parley_store::LOCAL_REF_PREFIX) {
            // A file the agent sent from this computer: it is already here.
            return self.local_attachment(&remote_ref).await;
        }
        let name = safe_file_name(
            attachment.file_name.as_deref(),
            attachment.mime_type.as_deref(),
        );
        let account = msg.account_id;
        let account = self.account_row(account).await?;
        let dir = crate::files::account_files(
            &self.paths.attachments(),
            account.channel,
            &account.external_id,
        );
        // A message without a provider id (none should carry a remote file) keys by its row,
        // still inside its account's folder.
        let message_key = msg.remote_id.unwrap_or_else(|| format!("row {message}"));
        let path = crate::files::attachment_file(&dir, &message_key, index, &remote_ref, &name);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let channel = self.channel_of(msg.account_id).await?;
        let downloaded = channel
            .download(&remote_ref)
            .await
            .map_err(errors::channel)?;
        let tmp = path.with_extension("part");
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&tmp, &downloaded.bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write.await.map_err(|e| {
            IpcError::new(
                ErrorCode::Storage,
                format!(
                    "The attachment could not be saved in {} ({e}).",
                    dir.display()
                ),
            )
        })?;
        Ok(path)
    }
}
