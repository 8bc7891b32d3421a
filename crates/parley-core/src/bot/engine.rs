//! The bot at work: after a sync batch commits, the automation hook (`automation/mod.rs`) asks
//! it about each conversation with new customer messages. It reads the conversation once
//! (`Store::bot_context`), decides whether it may speak at all, then for each message it has
//! not read, oldest first: decides ([`machine::decide`](super::machine::decide)), applies the
//! rate limit, fills the answer, and writes the decision **in one transaction with the
//! messages it queues** (`Store::apply_bot_turn`: the session, the attributes, the note and
//! priority of a hand off, the outbox items through the automation primitive, the record
//! for the rate limit). The outbox then sends them like any reply, re-checks and
//! never-send-twice included. A hand off then notifies through the notification policy.
//!
//! The ingest is not slowed: this runs in the automation task, after the batch's transaction,
//! with the rules compiled once per change.

use super::machine::{Decision, Outgoing, Session, decide, summary_note};
use crate::automation::{Arrival, Planned, Responder, channel_allows};
use crate::facade::Parley;
use crate::providers::provider;
use crate::saved_replies::{Values, fill};
use async_trait::async_trait;
use parley_domain::*;
use parley_store::{BotContext, BotTurn};
use parley_sync::EngineEvent;

/// The FAQ bot as one of the automation hook's responders (`automation::RESPONDERS`).
pub(crate) struct FaqBot;

#[async_trait]
impl Responder for FaqBot {
    /// The bot queues its messages itself, through the primitive's `queue_automated_in`, in
    /// the transaction that moves its session (what it sends and where the conversation is
    /// with it must change together), so it plans nothing for the hook to queue.
    async fn plan(&self, app: &Parley, arrival: &Arrival) -> Vec<Planned> {
        on_arrival(app, arrival).await;
        Vec::new()
    }
}

/// The bot answers messages at most this old (never a history a sync catches up with).
pub(crate) const FRESH: Millis = 15 * 60_000;
/// After handing a conversation over, the bot stays out of it this long.
pub(crate) const HANDOFF_QUIET: Millis = 24 * 3_600_000;
const HOUR: Millis = 3_600_000;

/// Why the bot stays quiet in this conversation now, if it does.
fn quiet_because(
    app: &Parley,
    ctx: &BotContext,
    thread: ThreadId,
    quiet_minutes: u32,
    now: Millis,
) -> Option<&'static str> {
    if app.bot.open_thread() == Some(thread) {
        return Some("an agent has the conversation open");
    }
    if ctx
        .agent_wrote_at
        .is_some_and(|at| now.saturating_sub(at) < Millis::from(quiet_minutes) * 60_000)
    {
        return Some("an agent wrote recently");
    }
    if ctx
        .session
        .as_ref()
        .and_then(|s| s.handed_off_at)
        .is_some_and(|at| now.saturating_sub(at) < HANDOFF_QUIET)
    {
        return Some("a person took the conversation over");
    }
    match app.adapter(ctx.account) {
        None => Some("the account is not running"),
        Some(a) if !a.hooks().automation_may_answer(ctx.owner.as_ref()) => {
            Some("another app controls the conversation")
        }
        Some(a) => {
            let wrote = ctx.pending.last().map(|p| p.sent_at);
            channel_allows(
                provider(ctx.channel).may_write_first(),
                &a.channel.reply_window(),
                wrote,
                now,
            )
            .map(|_| "the channel does not let the business write now")
        }
    }
}

/// The texts a decision sends, in order (the answer filled with what was just gathered).
async fn texts(app: &Parley, ctx: &BotContext, d: &Decision, handoff_message: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(d.send.len());
    for o in &d.send {
        match o {
            Outgoing::Text(t) => out.push(t.clone()),
            Outgoing::Answer(id) => {
                let (id, contact) = (*id, ctx.contact);
                let read = app
                    .db
                    .call(move |s| Ok((s.saved_reply(id)?, s.contact_attributes(contact)?)))
                    .await;
                let hours = app.business_hours().await.ok();
                match read {
                    Ok((reply, attributes)) => {
                        let mut all = d.keep.clone();
                        all.extend(attributes.into_iter().map(|a| (a.key, a.value)));
                        let values = Values {
                            full_name: Some(ctx.contact_name.clone()),
                            agent_name: Some(crate::notes::agent_name()),
                            business_hours: hours,
                            attributes: all,
                        };
                        out.push(fill(&reply, ctx.channel, &values).text);
                    }
                    Err(e) => {
                        tracing::warn!("bot: the answer's saved reply is gone ({e}); handing over");
                        out.push(handoff_message.to_owned());
                    }
                }
            }
        }
    }
    out.retain(|t| {
        if t.trim().is_empty() {
            return false;
        }
        match provider(ctx.channel).check_reply(t) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(
                    "bot: a message the channel cannot carry is left out: {}",
                    e.message
                );
                false
            }
        }
    });
    out
}

/// The line a notification shows for a hand off.
fn alert_text(d: &Decision) -> String {
    let Some(h) = &d.handoff else {
        return String::new();
    };
    let mut parts = vec!["Bot handed off".to_owned()];
    parts.extend(
        h.answers
            .iter()
            .map(|a| format!("{}: {}", a.attribute, a.value)),
    );
    if h.answers.is_empty() {
        let asked: String = h.question.chars().take(120).collect();
        parts.push(asked);
    }
    parts.join(" · ")
}

/// Runs the bot on the conversation's new customer messages (the automation hook calls it
/// through [`FaqBot`]).
pub(crate) async fn on_arrival(app: &Parley, arrival: &Arrival) {
    let (account, thread, now) = (arrival.account, arrival.thread, arrival.now);
    let compiled = match app.compiled_bot().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("bot: rules unreadable: {}", e.message);
            return;
        }
    };
    let settings = &compiled.settings;
    if !settings.accounts.contains(&account) {
        return;
    }
    let ctx = match app
        .db
        .call(move |s| s.bot_context(thread, now - HOUR, now - FRESH))
        .await
    {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(%thread, "bot: could not read the conversation: {e}");
            return;
        }
    };
    let Some(last) = ctx.pending.last().map(|p| p.message) else {
        return;
    };
    // The store has the last word on the accounts (the compiled copy may predate a removal).
    if ctx.contact_blocked || !ctx.bot_on {
        return;
    }
    if let Some(why) = quiet_because(app, &ctx, thread, settings.agent_quiet_minutes, now) {
        tracing::info!(%thread, "bot: quiet: {why}");
        // Read, not answered: the bot never answers these messages later, and lets go of any
        // questions it was asking (a person is there, or may not be answered here).
        let turn = BotTurn::new(thread, ctx.contact, last);
        let by = AutomatedBy::new(AutomationKind::FaqBot, AutomationKind::FaqBot.label());
        if let Err(e) = app
            .db
            .call(move |s| s.apply_bot_turn(&turn, &[], &by, now))
            .await
        {
            tracing::warn!(%thread, "bot: {e}");
        }
        return;
    }
    let mut session: Option<Session> = ctx
        .session
        .as_ref()
        .and_then(|r| r.session.as_deref())
        .and_then(|j| serde_json::from_str(j).ok());
    let mut sent_this_hour = ctx.bot_sends_since;
    let mut queued = false;
    for p in &ctx.pending {
        let mut d = decide(&compiled, session.as_ref(), &p.text);
        let rule_name = d
            .rule
            .and_then(|id| compiled.rules.iter().find(|r| r.rule.id == id))
            .map(|r| r.rule.rule.name.clone());
        if !d.send.is_empty()
            && sent_this_hour + d.send.len() as i64 > i64::from(settings.max_per_hour)
        {
            d = Decision::rate_limited(session.as_ref(), rule_name.clone(), &p.text);
        }
        let handed_off = d.handoff.is_some();
        // After a hand off the rest of the batch is read, not answered.
        let message = if handed_off { last } else { p.message };
        let out = texts(app, &ctx, &d, &settings.handoff_message).await;
        let turn = BotTurn {
            session: d
                .session
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok()),
            handed_off,
            keep: d.keep.clone(),
            note: d.handoff.as_ref().map(summary_note),
            ..BotTurn::new(thread, ctx.contact, message)
        };
        let by = AutomatedBy::new(
            AutomationKind::FaqBot,
            rule_name.map_or_else(
                || AutomationKind::FaqBot.label().to_owned(),
                |n| format!("FAQ: {n}"),
            ),
        );
        let applied = app
            .db
            .call(move |s| s.apply_bot_turn(&turn, &out, &by, now))
            .await;
        match applied {
            Ok(Some(ids)) => {
                sent_this_hour += ids.len() as i64;
                queued |= !ids.is_empty();
                session = d.session.clone();
            }
            // Another run read it first.
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(%thread, "bot: not applied: {e}");
                break;
            }
        }
        if handed_off {
            tracing::info!(%thread, "bot: handed over to a person");
            app.notify
                .alert(account, thread, ctx.contact_name.clone(), alert_text(&d));
            break;
        }
    }
    let _ = app.engine.send(EngineEvent::MessagesChanged { thread });
    let _ = app.engine.send(EngineEvent::ThreadsChanged {
        threads: vec![thread],
    });
    if queued {
        app.wake_outbox(account);
        let _ = app.engine.send(EngineEvent::OutboxChanged { account });
    }
}
