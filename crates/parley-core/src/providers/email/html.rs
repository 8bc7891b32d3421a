//! Mail stored before Parley kept HTML (migration 9) shows formatted once fetched again: when
//! such a conversation opens and the mailbox is reachable, each of its emails without kept HTML
//! (and without a server location, which mail synced since migration 11 has) is read once through
//! `EmailChannel::body`, and its sanitised HTML stored. Unreachable: tried again at the next open.

use crate::facade::{Parley, secret_key};
use crate::secrets::SecretStore;
use parley_channels::ChannelError;
use parley_channels::email::{EmailChannel, html_body};
use parley_domain::{CoreEvent, MessageId, ThreadId};
use parley_sync::Db;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// Emails of one conversation looked at per open (newest first).
const PER_OPEN: u32 = 20;

/// Messages being fetched now, so opening a conversation twice does not fetch them twice.
static IN_FLIGHT: Mutex<Option<HashSet<i64>>> = Mutex::new(None);

impl Parley {
    /// Starts the look-up in the background: the conversation opens without waiting for it.
    pub(crate) fn fetch_old_email_html(&self, thread: ThreadId) {
        let (db, secrets, events) = (self.db.clone(), self.secrets.clone(), self.events.clone());
        tokio::spawn(async move {
            if let Err(e) = fetch_in_background(&db, secrets, &events, thread).await {
                tracing::debug!(error = %e, "old email HTML not fetched (tried again at the next open)");
            }
        });
    }
}

async fn fetch_in_background(
    db: &Db,
    secrets: Arc<dyn SecretStore>,
    events: &broadcast::Sender<CoreEvent>,
    thread: ThreadId,
) -> Result<(), String> {
    let todo = db
        .call(move |s| s.html_to_fetch(thread, PER_OPEN))
        .await
        .map_err(|e| e.to_string())?;
    let Some(account) = todo.first().map(|t| t.account_id) else {
        return Ok(());
    };
    let row = db
        .call(move |s| s.account(account))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the account is gone")?;
    let key = secret_key(row.channel, &row.external_id);
    let password = tokio::task::spawn_blocking(move || secrets.get(&key))
        .await
        .map_err(|e| e.to_string())??
        .ok_or("no password in the keychain")?;
    let channel = db
        .call(move |s| super::settings::channel_for(s, &row, &password))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no server settings")?;
    let stored = fetch_missing_html(db, &channel, thread)
        .await
        .map_err(|e| e.to_string())?;
    if !stored.is_empty() {
        let _ = events.send(CoreEvent::MessagesChanged { thread_id: thread });
    }
    Ok(())
}

/// Fetches, once each, the bodies of the thread's emails that may have HTML Parley never kept,
/// and stores what it finds. Returns the messages that now have HTML. A failure to reach the
/// server stops it without marking anything (so it is tried again).
pub async fn fetch_missing_html(
    db: &Db,
    channel: &EmailChannel,
    thread: ThreadId,
) -> Result<Vec<MessageId>, ChannelError> {
    let todo = db
        .call(move |s| s.html_to_fetch(thread, PER_OPEN))
        .await
        .map_err(|e| ChannelError::Malformed(e.to_string()))?;
    let mut stored = Vec::new();
    for item in todo {
        if !claim(item.message_id) {
            continue;
        }
        let result = fetch_one(db, channel, item.message_id, &item.remote_id).await;
        release(item.message_id);
        if result? {
            stored.push(item.message_id);
        }
    }
    Ok(stored)
}

async fn fetch_one(
    db: &Db,
    channel: &EmailChannel,
    message: MessageId,
    remote_id: &str,
) -> Result<bool, ChannelError> {
    let body = channel.body(remote_id).await?;
    // Gone from the server (or never there): nothing to find later either.
    let html = body.as_ref().and_then(html_body).map(|mut h| {
        h.remote_id = remote_id.to_string();
        h
    });
    db.call(move |s| s.store_fetched_html(message, html.as_ref()))
        .await
        .map_err(|e| ChannelError::Malformed(e.to_string()))
}

fn claim(message: MessageId) -> bool {
    IN_FLIGHT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashSet::new)
        .insert(message.0)
}

fn release(message: MessageId) {
    if let Some(set) = IN_FLIGHT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_mut()
    {
        set.remove(&message.0);
    }
}
