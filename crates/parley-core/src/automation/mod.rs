//! Automated messages (issue 15): rules that answer a customer's new messages by themselves —
//! the greeting, the away message, and (plugged in by their own modules) the FAQ bot and spike
//! mode's acknowledgement. Everything runs locally and goes through the outbox, so its
//! re-checks (opted out, window closed, resolved, an agent answered meanwhile), its
//! never-send-twice and its crash recovery hold for automated messages too; the thread marks
//! each one ("Sent automatically · Greeting", `MessageView::automated`).
//!
//! # The hook
//!
//! [`spawn`] starts one task that listens to the engine beside the notifications
//! (`notify/service.rs`): after a sync batch commits, `EngineEvent::NewMessages` (not a new
//! account's first catch-up, `initial`) is grouped per thread, and ONE store read
//! (`Store::automation_context`) gathers, for every thread with new inbound messages, an
//! [`Arrival`]: account, channel kind, thread, contact, the new inbound texts (oldest first),
//! whether it is the customer's first message ever on this account, when an agent last
//! answered, when the customer last wrote. The ingest itself is not slowed: the rules run in
//! this task, after the batch's transaction.
//!
//! Each [`Responder`] in [`RESPONDERS`] is asked, in order, what it wants to send for the arrival
//! ([`Responder::plan`] → [`Planned`]: text, `AutomatedBy`, once-per-customer period). The hook
//! then applies the channel's rules once for all of them ([`channel_allows`]: the provider's
//! reply window from the running adapter, whether the provider lets the business write before
//! the customer did — never a provider's name here), and queues each planned message with
//! `Store::queue_automated` (one transaction: message, outbox row, ledger entry; the draft is
//! untouched; the once-per-period check is in that transaction), then wakes the account's
//! dispatcher. A customer who opted out or is blocked gets nothing, nor does a conversation
//! another app controls (a bot or the provider's own inbox, `ThreadOwner`).
//!
//! **Adding a responder** (the FAQ bot, the spike acknowledgement): implement [`Responder`] for
//! a unit struct in its own module and add one line to [`RESPONDERS`]. `plan` reads whatever it
//! needs through `&Parley` (its settings, its state) and returns the messages to queue; it must
//! not queue itself. Helpers: [`Arrival::agent_answered_within`], [`Arrival::first_name`],
//! [`fill_template`] (the saved replies' `{{first_name|there}}` grammar).

mod away;
mod greeting;
pub mod schedule;
mod settings;

pub use schedule::{next_opening, opening_words};
pub(crate) use settings::AutomationState;

use crate::facade::Parley;
use crate::providers::provider;
use async_trait::async_trait;
use parley_domain::*;
use parley_store::{AutomatedQueued, AutomationContext, NewMessageInfo};
use parley_sync::EngineEvent;
use std::sync::{Arc, Weak};
use tokio::sync::broadcast;

/// Every automated rule, asked in this order for each arrival (one line each).
pub(crate) static RESPONDERS: &[&(dyn Responder + Sync)] = &[
    &greeting::Greeting,
    &away::Away,
    &crate::bot::FaqBot,
    &crate::spike::SpikeAck,
];

/// No rule answers a message older than this (a catch-up after Parley was closed for days):
/// a greeting or an away note that late would only confuse.
pub const MAX_ARRIVAL_AGE: Millis = 6 * 3_600_000;

/// A thread with new inbound messages from one sync batch, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub account: AccountId,
    pub channel: ChannelKind,
    pub thread: ThreadId,
    pub contact: ContactId,
    pub contact_name: String,
    /// The new inbound messages' texts, oldest first.
    pub texts: Vec<String>,
    /// The customer's first message ever on this account.
    pub first_message_ever: bool,
    /// When an agent (not a rule) last sent a message in this thread.
    pub last_agent_reply_at: Option<Millis>,
    /// When the customer last wrote in this thread.
    pub last_inbound_at: Option<Millis>,
    pub now: Millis,
}

impl Arrival {
    fn from_context(c: AutomationContext, texts: Vec<String>, now: Millis) -> Self {
        Self {
            account: c.account_id,
            channel: c.channel,
            thread: c.thread_id,
            contact: c.contact_id,
            contact_name: c.contact_name,
            texts,
            first_message_ever: c.first_message_ever,
            last_agent_reply_at: c.last_agent_reply_at,
            last_inbound_at: c.last_inbound_at,
            now,
        }
    }

    /// An agent answered in this thread less than `millis` ago.
    pub fn agent_answered_within(&self, millis: Millis) -> bool {
        self.last_agent_reply_at
            .is_some_and(|at| self.now.saturating_sub(at) < millis)
    }

    /// The customer's first name as the saved replies take it (the first word of their name).
    pub fn first_name(&self) -> Option<&str> {
        self.contact_name.split_whitespace().next()
    }
}

/// A message a responder wants queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub text: String,
    pub by: AutomatedBy,
    /// At most once per customer (on this account, for this kind of rule) within this period;
    /// `None`: no limit.
    pub once_per: Option<Millis>,
}

/// One automated rule. Implementations are unit structs listed in [`RESPONDERS`].
#[async_trait]
pub(crate) trait Responder {
    /// What to queue for this arrival (usually nothing). Must be cheap: it runs for every
    /// thread of every live batch.
    async fn plan(&self, app: &Parley, arrival: &Arrival) -> Vec<Planned>;
}

/// Why a channel refuses an automated message now, in words for the log; `None`: it may go.
/// Inbound-triggered, so the customer wrote; a provider that lets no business write first
/// (`Provider::may_write_first`) still gets nothing without an inbound message, and a reply
/// window (`Channel::reply_window`) that has closed would need a template, which a rule never
/// picks: then nothing is sent.
pub(crate) fn channel_allows(
    may_write_first: bool,
    window: &ReplyWindow,
    last_inbound_at: Option<Millis>,
    now: Millis,
) -> Option<String> {
    let Some(wrote) = last_inbound_at else {
        return (!may_write_first)
            .then(|| "this channel lets no business write before the customer did".to_owned());
    };
    if let ReplyWindow::SinceLastInbound {
        millis,
        alternative,
    } = window
        && wrote.saturating_add(*millis) < now
    {
        return Some(match alternative {
            Some(alt) => format!(
                "the reply window closed; only {} could go now",
                alt.trim_end_matches('.')
            ),
            None => "the reply window closed".to_owned(),
        });
    }
    None
}

/// Fills a rule's text with the saved replies' grammar (`{{first_name|there}}`,
/// `{{business_hours}}`, the customer's attributes...) for this arrival; `extra` adds the
/// rule's own variables (`("next_opening", …)`). A text that does not parse goes out as
/// written; a variable without value or fallback is left empty.
pub async fn fill_template(
    app: &Parley,
    arrival: &Arrival,
    text: &str,
    extra: &[(&str, String)],
) -> String {
    match app.fill_text_for_thread(arrival.thread, text, extra).await {
        Ok(filled) => filled,
        Err(e) => {
            tracing::warn!(thread = %arrival.thread, "automation: text not filled: {}", e.message);
            text.to_owned()
        }
    }
}

/// Starts the task that runs the rules after each sync batch. Subscribed before any account
/// starts (call it from `Parley::start`), so no batch is missed.
pub(crate) fn spawn(app: Weak<Parley>, mut rx: broadcast::Receiver<EngineEvent>) {
    tokio::spawn(async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(
                        skipped = n,
                        "automation: events dropped, no rule ran for them"
                    );
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let EngineEvent::NewMessages {
                account,
                messages,
                initial: false,
            } = event
            else {
                continue;
            };
            let Some(app) = app.upgrade() else { return };
            on_new_messages(&app, account, messages).await;
        }
    });
}

/// The hook: runs every responder for each thread of the batch with new inbound messages.
pub(crate) async fn on_new_messages(
    app: &Arc<Parley>,
    account: AccountId,
    messages: Vec<NewMessageInfo>,
) {
    // Per thread, in the batch's order: its first new inbound message and the texts.
    let mut threads: Vec<(ThreadId, MessageId, Vec<String>)> = Vec::new();
    for m in messages
        .into_iter()
        .filter(|m| m.direction == Direction::Inbound)
    {
        match threads.iter_mut().find(|(t, ..)| *t == m.thread_id) {
            Some((_, first, texts)) => {
                *first = (*first).min(m.message_id);
                texts.push(m.text);
            }
            None => threads.push((m.thread_id, m.message_id, vec![m.text])),
        }
    }
    if threads.is_empty() {
        return;
    }
    let keys: Vec<(ThreadId, MessageId)> = threads.iter().map(|(t, m, _)| (*t, *m)).collect();
    let contexts = match app.db.call(move |s| s.automation_context(&keys)).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(%account, "automation: could not read the threads: {e}");
            return;
        }
    };
    let window = app
        .adapter(account)
        .map(|a| a.channel.reply_window())
        .unwrap_or_default();
    let now = app.clock.now();
    let mut queued_any = false;
    for context in contexts {
        if context.opted_out || context.blocked || context.controlled_elsewhere {
            continue;
        }
        let texts = threads
            .iter()
            .find(|(t, ..)| *t == context.thread_id)
            .map(|(_, _, texts)| texts.clone())
            .unwrap_or_default();
        let arrival = Arrival::from_context(context, texts, now);
        if arrival
            .last_inbound_at
            .is_some_and(|at| now.saturating_sub(at) > MAX_ARRIVAL_AGE)
        {
            continue;
        }
        let mut planned = Vec::new();
        for responder in RESPONDERS {
            planned.extend(responder.plan(app, &arrival).await);
        }
        if planned.is_empty() {
            continue;
        }
        let may_write_first = provider(arrival.channel).may_write_first();
        if let Some(why) = channel_allows(may_write_first, &window, arrival.last_inbound_at, now) {
            tracing::info!(
                %account, thread = %arrival.thread,
                rules = ?planned.iter().map(|p| p.by.rule.as_str()).collect::<Vec<_>>(),
                "automation: not sent: {why}"
            );
            continue;
        }
        for p in planned {
            if let Err(e) = provider(arrival.channel).check_reply(&p.text) {
                tracing::warn!(%account, rule = %p.by.rule, "automation: not sent: {}", e.message);
                continue;
            }
            let thread = arrival.thread;
            let rule = p.by.rule.clone();
            match app
                .db
                .call(move |s| s.queue_automated(thread, &p.text, &p.by, p.once_per, now))
                .await
            {
                Ok(AutomatedQueued::Queued(_)) => {
                    queued_any = true;
                    tracing::info!(%account, %thread, %rule, "automation: queued");
                    let _ = app.engine.send(EngineEvent::MessagesChanged { thread });
                    let _ = app.engine.send(EngineEvent::ThreadsChanged {
                        threads: vec![thread],
                    });
                }
                Ok(AutomatedQueued::AlreadySent { .. } | AutomatedQueued::Capped { .. }) => {}
                Err(e) => tracing::warn!(%account, %thread, %rule, "automation: {e}"),
            }
        }
    }
    if queued_any {
        app.wake_outbox(account);
        let _ = app.engine.send(EngineEvent::OutboxChanged { account });
    }
}

#[cfg(test)]
mod tests;
